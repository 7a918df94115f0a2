"""The test for subgroup differences (RevMan's approach)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from synthesis.stats.pooling import MetaAnalysis


@dataclass(frozen=True)
class SubgroupDifferences:
    """Q between subgroups with its df, p and I² (percent, from Q)."""

    Q_between: float
    df: int
    p: float | None
    I2: float | None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


def subgroup_differences(fits: list[MetaAnalysis]) -> SubgroupDifferences:
    """Test whether the subgroup summaries differ.

    Parameters
    ----------
    fits : list of MetaAnalysis
        One analysis per subgroup, each with its own τ² when random effects.

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
    theta = np.array([f.pooled.estimate for f in fits])
    w = 1 / np.array([f.pooled.se for f in fits]) ** 2
    centre = np.sum(w * theta) / w.sum()
    q = float(np.sum(w * (theta - centre) ** 2))
    df = len(fits) - 1
    if df < 1:
        return SubgroupDifferences(q, df, None, None)
    i2 = max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    return SubgroupDifferences(q, df, float(stats.chi2.sf(q, df)), i2)
