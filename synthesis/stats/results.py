"""What :func:`synthesis.stats.analyse` returns: frozen results with ``to_dict()`` and ``to_frame()``.

``to_dict()`` is JSON-ready: plain Python numbers, and None (null) exactly
where a value is not defined for the input, with the reason beside it
(``not_estimable``, a study's ``note``, ``prediction_note``, the small-study
``note``). Estimates, standard errors and limits are on the analysis scale
(log RR for ratios); ``effect*`` fields are on the reported scale (RR).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from extraction.outcomes.data import DataType

from .inputs import LeftOut, finite
from .method import Method
from .pooling import Heterogeneity, MetaAnalysis, Pooled, PredictionInterval
from .small_study import EggerTest, RankCorrelation, TrimAndFill
from .subgroups import SubgroupDifferences

POOLED_FIELDS = ("k", "estimate", "se", "ci_lower", "ci_upper", "statistic", "statistic_type")
POOLED_FIELDS += ("statistic_df", "p", "effect", "effect_ci_lower", "effect_ci_upper")
HETEROGENEITY_FIELDS = tuple(f.name for f in fields(Heterogeneity))


def _plain(value):
    """numpy scalars to Python; containers walked."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True)
class StudyResult:
    """One study's row: its effect with a z interval at the method's level, and its weight.

    A study not pooled (``included`` false: no events in either arm for a
    ratio, V = 0) has no effect (None) and a ``note`` saying why; its
    ``weight_percent`` is None unless it still weighs in the Mantel-Haenszel
    sums (every participant with the event, for the MH risk ratio).
    """

    label: str
    subgroup: str | None
    included: bool
    yi: float | None
    vi: float | None
    se: float | None
    ci_lower: float | None
    ci_upper: float | None
    effect: float | None
    effect_ci_lower: float | None
    effect_ci_upper: float | None
    weight_percent: float | None
    note: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Fit:
    """One pooled analysis (all studies, a subgroup, or a leave-one-out refit) under a method.

    ``analysis`` is the pooling's :class:`~synthesis.stats.pooling.MetaAnalysis`;
    the properties read it with the method's choices (which prediction
    interval, which I²).
    """

    analysis: MetaAnalysis
    method: Method

    @property
    def pooled(self) -> Pooled | None:
        return self.analysis.pooled

    @property
    def heterogeneity(self) -> Heterogeneity | None:
        return self.analysis.heterogeneity

    @property
    def not_estimable(self) -> str:
        return self.analysis.not_estimable

    @property
    def k(self) -> int:
        """Studies with an estimate of their own (those pooled)."""
        return int(self.analysis.effects.included.sum())

    @property
    def prediction_intervals(self) -> dict[str, PredictionInterval | None]:
        """Both prediction intervals by kind: ``"metafor"`` and ``"hts"`` (t(k − 2))."""
        a = self.analysis
        return {"metafor": a.prediction_interval, "hts": a.prediction_interval_t_k2}

    @property
    def prediction_interval(self) -> PredictionInterval | None:
        """The method's prediction interval; None for fixed effect, one study, or t(k − 2) below three."""
        if self.method.prediction_interval == "hts":
            return self.analysis.prediction_interval_t_k2
        return self.analysis.prediction_interval

    @property
    def prediction_note(self) -> str:
        """Why there is no prediction interval, for a random-effects fit without one."""
        if self.analysis.model != "random" or self.prediction_interval is not None:
            return ""
        if self.pooled is None:
            return "not estimable"
        needed = 3 if self.method.prediction_interval == "hts" else 2
        return f"not estimable with k = {self.k} (needs at least {needed} studies)"

    @property
    def i2_reported(self) -> float | None:
        h = self.heterogeneity
        if h is None:
            return None
        return h.I2_from_Q if self.method.i2_from == "Q" else h.I2

    @property
    def weights(self) -> tuple[float | None, ...]:
        return tuple(w if math.isfinite(w) else None for w in self.analysis.weight_percent.tolist())

    def pooled_dict(self) -> dict:
        """The pooled block: every field, None when the fit is not estimable."""
        p = self.pooled
        if p is None:
            return dict.fromkeys(POOLED_FIELDS) | {"k": self.k}
        return {name: getattr(p, name) for name in POOLED_FIELDS}

    def heterogeneity_dict(self) -> dict:
        """The heterogeneity block and ``I2_reported`` (the method's I²)."""
        h = self.heterogeneity
        block = dict.fromkeys(HETEROGENEITY_FIELDS) if h is None else asdict(h)
        if h is None:
            block["df"] = max(self.k - 1, 0)
        return block | {"I2_reported": self.i2_reported}

    def prediction_dict(self) -> dict | None:
        """The method's prediction interval with its ``kind`` and ``formula``, or None."""
        pi = self.prediction_interval
        if pi is None:
            return None
        names = ("lower", "upper", "effect_lower", "effect_upper", "distribution", "df", "kind")
        return {n: getattr(pi, n) for n in names} | {"formula": pi.formula}

    def to_dict(self) -> dict:
        return {
            "k": self.k,
            "pooled": self.pooled_dict(),
            "heterogeneity": self.heterogeneity_dict(),
            "prediction_interval": self.prediction_dict(),
            "prediction_note": self.prediction_note,
            "not_estimable": self.not_estimable or None,
            "weights": list(self.weights),
        }


@dataclass(frozen=True)
class SubgroupResult:
    """One subgroup's fit; ``labels`` are its studies in input order."""

    name: str
    labels: tuple[str, ...]
    fit: Fit

    def to_dict(self) -> dict:
        fit = self.fit.to_dict()
        return {"name": self.name, "studies": list(self.labels)} | fit


@dataclass(frozen=True)
class LeaveOneOut:
    """The fit without one study (every row of it)."""

    omitted: str
    fit: Fit

    def to_dict(self) -> dict:
        pooled, h = self.fit.pooled_dict(), self.fit.heterogeneity_dict()
        return (
            {"omitted": self.omitted}
            | pooled
            | {"Q": h["Q"], "Q_p": h["p"], "I2": h["I2"], "H2": h["H2"], "tau2": h["tau2"]}
            | {"I2_reported": h["I2_reported"], "not_estimable": self.fit.not_estimable or None}
        )


@dataclass(frozen=True)
class SmallStudy:
    """Egger's test, Begg's test and trim-and-fill on the overall fit's studies.

    A test that cannot be computed is None, and ``note`` says why ("not
    estimable with k = 2 (needs at least 3 studies)"); below ten studies
    ``note`` also warns that the tests have little power.
    """

    k: int
    egger: EggerTest | None
    begg: RankCorrelation | None
    trim_and_fill: TrimAndFill | None
    trim_and_fill_fit: Fit | None
    note: str

    def to_dict(self) -> dict:
        trim = None
        if self.trim_and_fill is not None:
            t = self.trim_and_fill
            trim = {
                "estimator": t.estimator,
                "side": t.side,
                "k0": t.k0,
                "k0_se": finite(t.k0_se),
                "filled_yi": [float(y) for y in t.filled_yi],
                "filled_vi": [float(v) for v in t.filled_vi],
                "pooled": self.trim_and_fill_fit.pooled_dict(),
                "heterogeneity": self.trim_and_fill_fit.heterogeneity_dict(),
            }
        return {
            "k": self.k,
            "note": self.note,
            "egger": None if self.egger is None else asdict(self.egger),
            "begg": None if self.begg is None else asdict(self.begg),
            "trim_and_fill": trim,
        }


@dataclass(frozen=True)
class Result:
    """Everything :func:`~synthesis.stats.analyse` computes for one set of studies and a method.

    Attributes
    ----------
    method : Method
    data_type : DataType
    overall : Fit
        All the studies analysed.
    studies : tuple of StudyResult
        One row per study analysed, in input order.
    left_out : tuple of LeftOut
        Studies not analysed because a value is missing, each with the reason.
    subgroups : tuple of SubgroupResult
        One per subgroup, in order of first appearance, when the method pools
        by subgroup and there are two or more.
    subgroup_differences : SubgroupDifferences or None
    leave_one_out : tuple of LeaveOneOut
        One refit per study (two or more studies), in input order.
    small_study : SmallStudy or None
        When asked for.
    """

    method: Method
    data_type: DataType
    overall: Fit
    studies: tuple[StudyResult, ...]
    left_out: tuple[LeftOut, ...] = ()
    subgroups: tuple[SubgroupResult, ...] = ()
    subgroup_differences: SubgroupDifferences | None = None
    leave_one_out: tuple[LeaveOneOut, ...] = ()
    small_study: SmallStudy | None = None

    @property
    def pooled(self) -> Pooled | None:
        return self.overall.pooled

    @property
    def heterogeneity(self) -> Heterogeneity | None:
        return self.overall.heterogeneity

    @property
    def not_estimable(self) -> str:
        return self.overall.not_estimable

    @property
    def log_scale(self) -> bool:
        return self.method.measure_info.log_scale

    @property
    def fixed_mh(self) -> Fit | None:
        """The Mantel-Haenszel fixed-effect fit behind RevMan's MH random effects."""
        inner = self.overall.analysis.fixed_mh
        return None if inner is None else Fit(inner, self.method)

    def to_dict(self) -> dict:
        """The results as plain data (the shape ``Analysis.results`` stores)."""
        a = self.overall.analysis
        fixed_mh = self.fixed_mh
        out = {
            "measure": self.method.measure,
            "data_type": str(self.data_type),
            "log_scale": self.log_scale,
            "pooling": a.pooling,
            "model": a.model,
            "tau2_method": a.tau2_method,
            "ci_method": a.ci_method,
            "level": self.method.level,
            "method": self.method.to_dict(),
        }
        overall = self.overall.to_dict()
        out |= {key: overall[key] for key in ("pooled", "heterogeneity", "not_estimable")}
        out |= {key: overall[key] for key in ("prediction_interval", "prediction_note")}
        out |= {
            "studies": [row.to_dict() for row in self.studies],
            "left_out": [item.to_dict() for item in self.left_out],
            "fixed_mh": None if fixed_mh is None else fixed_mh.to_dict(),
            "subgroups": [group.to_dict() for group in self.subgroups] or None,
            "subgroup_differences": self._differences(),
            "leave_one_out": [row.to_dict() for row in self.leave_one_out],
            "small_study": None if self.small_study is None else self.small_study.to_dict(),
        }
        return _plain(out)

    def _differences(self) -> dict | None:
        d = self.subgroup_differences
        if d is None:
            return None
        return {"Q": d.Q_between, "df": d.df, "p": d.p, "I2": d.I2} | {
            "subgroups": list(d.subgroups),
            "note": d.note,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per study and a last "Overall" row (both scales, weights in percent)."""
        rows = [row.to_dict() for row in self.studies]
        pooled = self.overall.pooled_dict()
        overall = {"label": "Overall", "subgroup": None, "included": self.pooled is not None}
        overall |= {k: pooled[k] for k in ("se", "ci_lower", "ci_upper", "effect")}
        overall |= {"yi": pooled["estimate"], "effect_ci_lower": pooled["effect_ci_lower"]}
        overall |= {"effect_ci_upper": pooled["effect_ci_upper"], "weight_percent": 100.0}
        overall["note"] = self.not_estimable
        columns = [f.name for f in fields(StudyResult)]
        return pd.DataFrame([*rows, overall], columns=columns).set_index("label")
