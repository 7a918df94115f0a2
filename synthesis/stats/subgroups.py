"""The test for subgroup differences (RevMan's approach)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from synthesis.stats.pooling import MetaAnalysis


@dataclass(frozen=True)
class SubgroupDifferences:
    """Q between subgroups with its df, p and I² (percent, from Q).

    ``subgroups`` names the subgroups the test used: those with a pooled
    estimate. ``note`` names any left out ("Not tested: High dose (not
    estimable)"); with fewer than two estimable subgroups there is no test
    and ``Q_between``, ``p`` and ``I2`` are None.
    """

    Q_between: float | None
    df: int
    p: float | None
    I2: float | None
    subgroups: tuple[str, ...] = ()
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self) | {"subgroups": list(self.subgroups)}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.to_dict()])


def subgroup_differences(fits: Mapping[str, MetaAnalysis]) -> SubgroupDifferences:
    """Test whether the subgroup summaries differ.

    Parameters
    ----------
    fits : mapping of str to MetaAnalysis
        One analysis per subgroup, by name, each with its own τ² when random
        effects. Subgroups whose pooled value is not estimable are left out
        of the test, and named in its note.

    Returns
    -------
    SubgroupDifferences
        Q_between = Σⱼ (θⱼ − θ̄)²/seⱼ², the Q of a fixed-effect inverse-variance
        meta-analysis of the subgroup estimates (analysis scale), on g − 1 df.

    References
    ----------
    Deeks JJ, Higgins JPT (2010). Statistical algorithms in Review Manager 5.
    Borenstein M, Higgins JPT (2013). Prev Sci 14:134-143.
    """
    used = {name: fit for name, fit in fits.items() if fit.pooled is not None}
    left_out = [name for name in fits if name not in used]
    note = f"Not tested: {', '.join(left_out)} (not estimable)." if left_out else ""
    df = len(used) - 1
    if df < 1:
        note = (note + " The test needs two subgroups with a pooled estimate.").strip()
        return SubgroupDifferences(None, max(df, 0), None, None, tuple(used), note)
    theta = np.array([f.pooled.estimate for f in used.values()])
    w = 1 / np.array([f.pooled.se for f in used.values()]) ** 2
    centre = np.sum(w * theta) / w.sum()
    q = float(np.sum(w * (theta - centre) ** 2))
    i2 = max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    return SubgroupDifferences(q, df, float(stats.chi2.sf(q, df)), i2, tuple(used), note)
