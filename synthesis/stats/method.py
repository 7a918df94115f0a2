"""How to analyse: the frozen :class:`Method` the engine's entry point takes, checked when made.

A :class:`Method` that exists is a method the engine knows: an unknown
pooling, a level of 95 meant as 0.95 or a negative zero-cell correction is
refused on construction with an :class:`~synthesis.stats.errors.EngineInputError`
naming the field.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from numbers import Real

from extraction.outcomes import measures as registry
from extraction.outcomes.measures import INVERSE_VARIANCE, MANTEL_HAENSZEL, PETO, Measure

from .errors import EngineInputError, InputProblem

MODELS = ("fixed", "random")
TAU2_ESTIMATORS = ("REML", "DL", "PM")
CI_METHODS = ("wald", "hksj")
SMD_VARIANTS = ("metafor", "revman5")
I2_FROM = ("tau2", "Q")
TRIM_AND_FILL_ESTIMATORS = ("L0", "R0")

# "metafor": z, or t(k − 1) under HKSJ (metafor's predict() and RevMan Web),
# which equals the CI when τ² = 0; "hts": t(k − 2), Higgins, Thompson and
# Spiegelhalter (2009), the Cochrane Handbook's formula (10.10.4.3).
PREDICTION_INTERVALS = ("metafor", "hts")


@dataclass(frozen=True)
class ZeroCells:
    """The zero-cell rules for 2×2 tables (ignored for other data).

    Attributes
    ----------
    correction : float
        Added to every cell of a study with a zero cell, for its own estimate
        (0 for none; Cochrane Handbook 5.1 §9.4.4's 0.5 by default).
    drop_double_zero : bool
        Leave studies with no events (or only events) in both arms out of
        ratio measures, where the registry says the rule applies (RR and OR,
        not RD).
    mh_sums : bool
        RevMan 5's rule: correct the tables before the Mantel-Haenszel sums
        too (metafor's ``rma.mh`` uses the raw counts).
    """

    correction: float = 0.5
    drop_double_zero: bool = True
    mh_sums: bool = False

    def problems(self) -> list[InputProblem]:
        value = self.correction
        if _is_real(value) and value >= 0:
            return []
        message = f"the zero-cell correction must be a number of 0 or more, not {value!r}"
        return [InputProblem(None, "zero_cells.correction", message)]


@dataclass(frozen=True)
class Method:
    """Everything that decides an analysis's numbers.

    Attributes
    ----------
    measure : str
        A key of ``extraction.outcomes.measures.MEASURES`` (MD, SMD, RR, OR,
        RD, PETO_OR, HR, AS_REPORTED).
    pooling : {"inverse_variance", "mantel_haenszel", "peto"}
        One of the measure's poolings (Mantel-Haenszel for RR, OR and RD from
        2×2 tables; Peto for PETO_OR and HR).
    model : {"random", "fixed"}
    tau2_estimator : {"REML", "DL", "PM"}
        Restricted maximum likelihood, DerSimonian-Laird or Paule-Mandel
        (inverse-variance random effects; RevMan's MH random effects are DL).
    ci_method : {"wald", "hksj"}
        Wald (z) or Hartung-Knapp-Sidik-Jonkman (t, k − 1 df) intervals and
        tests; HKSJ needs inverse-variance pooling.
    level : float
        Confidence level of every interval, a proportion: 0.95, not 95.
    zero_cells : ZeroCells
    smd_variant : {"metafor", "revman5"}
        Hedges' g with the exact correction (metafor) or RevMan 5's formulas.
    subgroups : bool
        Pool within each study's ``subgroup`` and test for differences.
    prediction_interval : {"metafor", "hts"}
        The prediction interval reported (random effects): metafor's and
        RevMan Web's z (t(k − 1) under HKSJ), equal to the CI when τ² = 0,
        or the Higgins-Thompson-Spiegelhalter t(k − 2).
    i2_from : {"tau2", "Q"}
        The I² reported: from τ² (metafor, Cochrane since 2025) or from Q
        (RevMan 5). Both are always computed.
    trim_and_fill_estimator : {"L0", "R0"}
    """

    measure: str
    pooling: str = INVERSE_VARIANCE
    model: str = "random"
    tau2_estimator: str = "REML"
    ci_method: str = "wald"
    level: float = 0.95
    zero_cells: ZeroCells = field(default_factory=ZeroCells)
    smd_variant: str = "metafor"
    subgroups: bool = False
    prediction_interval: str = "metafor"
    i2_from: str = "tau2"
    trim_and_fill_estimator: str = "L0"

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise EngineInputError(problems)

    @property
    def measure_info(self) -> Measure:
        return registry.measure(self.measure)

    def problems(self) -> list[InputProblem]:
        """Every field the engine does not know, in words."""
        if self.measure not in registry.MEASURES:
            known = ", ".join(registry.MEASURES)
            return [_problem("measure", f"unknown effect measure {self.measure!r} ({known})")]
        problems = [
            _problem(name, f"unknown {words} {getattr(self, name)!r} (known: {', '.join(known)})")
            for name, words, known in CHOICES
            if getattr(self, name) not in known
        ]
        problems += self._pooling_problems() + self._level_problems()
        if not isinstance(self.zero_cells, ZeroCells):
            return [*problems, _problem("zero_cells", "zero_cells must be a ZeroCells")]
        return problems + self.zero_cells.problems()

    def _pooling_problems(self) -> list[InputProblem]:
        info = self.measure_info
        if self.pooling not in registry.POOLINGS:
            return []  # named by CHOICES
        if self.pooling not in info.poolings:
            allowed = " or ".join(p.replace("_", " ") for p in info.poolings)
            words = self.pooling.replace("_", " ")
            return [_problem("pooling", f"the {info.noun} is pooled by {allowed}, not {words}")]
        if self.ci_method == "hksj" and self.pooling != INVERSE_VARIANCE:
            return [_problem("ci_method", "the HKSJ interval needs inverse-variance pooling")]
        return []

    def _level_problems(self) -> list[InputProblem]:
        level = self.level
        if _is_real(level) and 0 < level < 1:
            return []
        hint = (
            f" (give {level / 100:g} for {level:g}%)" if _is_real(level) and 1 < level < 100 else ""
        )
        message = f"the confidence level must be between 0 and 1, not {level!r}{hint}"
        return [_problem("level", message)]

    @property
    def uses_mh(self) -> bool:
        return self.pooling == MANTEL_HAENSZEL

    @property
    def uses_peto(self) -> bool:
        return self.pooling == PETO

    def to_dict(self) -> dict:
        """The method as plain data (stored with the results)."""
        return asdict(self)


CHOICES = (
    ("pooling", "pooling method", registry.POOLINGS),
    ("model", "model", MODELS),
    ("tau2_estimator", "τ² estimator", TAU2_ESTIMATORS),
    ("ci_method", "confidence-interval method", CI_METHODS),
    ("smd_variant", "SMD variant", SMD_VARIANTS),
    ("prediction_interval", "prediction interval", PREDICTION_INTERVALS),
    ("i2_from", "I² source", I2_FROM),
    ("trim_and_fill_estimator", "trim-and-fill estimator", TRIM_AND_FILL_ESTIMATORS),
)


def _problem(name: str, message: str) -> InputProblem:
    return InputProblem(None, name, message)


def _is_real(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
