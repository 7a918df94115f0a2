"""The record every derivation returns, and the checks and quantiles they share.

The derivations live in ``standard_deviations`` (Cochrane Handbook 6.5.2.2 and
6.5.2.3) and ``standard_errors`` (Handbook 6.3.1 and 6.3.2). Every one returns
a :class:`Derivation`: the value is its ``result``, and ``formula``,
``inputs`` and ``method`` say exactly what was done, so the value can be
stored next to its provenance and shown in the history. Quantiles are exact
(the Handbook's 3.92 is 2 × 1.959964, rounded).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal

from scipy.special import ndtri, stdtrit

Distribution = Literal["auto", "normal", "t"]

# Below this many participants in a group, confidence intervals are taken to
# come from the t distribution (Cochrane Handbook 6.5.2.2 and 6.5.2.3).
SMALL_SAMPLE = 60

REFERENCES = {
    "sd_from_se": "Cochrane Handbook 6.5.2.2",
    "sd_from_ci": "Cochrane Handbook 6.5.2.2",
    "sd_from_difference_se": "Cochrane Handbook 6.5.2.3",
    "sd_from_difference_ci": "Cochrane Handbook 6.5.2.3",
    "sd_from_t": "Cochrane Handbook 6.5.2.3",
    "sd_from_p": "Cochrane Handbook 6.5.2.3",
    "se_from_difference_ci": "Cochrane Handbook 6.3.1",
    "se_from_p": "Cochrane Handbook 6.3.1",
    "se_from_ratio_ci": "Cochrane Handbook 6.3.2",
    "se_from_ratio_p": "Cochrane Handbook 6.3.2",
    "log_ratio": "Cochrane Handbook 6.3.2",
}


class DerivationError(ValueError):
    """The inputs cannot give a value (the message says why, in plain words)."""


@dataclass(frozen=True)
class Derivation:
    """A derived value and how it was obtained.

    ``inputs`` holds the values given and the quantile used (``z`` or ``t``,
    with ``df``); ``method`` is the name of the function that did it.
    """

    formula: str
    inputs: dict[str, float]
    result: float
    method: str

    @property
    def reference(self) -> str:
        return REFERENCES[self.method]

    def to_dict(self) -> dict:
        return asdict(self) | {"reference": self.reference}

    def __str__(self) -> str:
        given = ", ".join(f"{name} = {value:.6g}" for name, value in self.inputs.items())
        return f"{self.formula} = {self.result:.6g} ({given}; {self.reference})"


def use_t(distribution: Distribution, n: int) -> bool:
    """Whether an interval from a group of ``n`` is read with the t distribution."""
    if distribution not in ("auto", "normal", "t"):
        raise DerivationError(f"unknown distribution {distribution!r} (auto, normal or t)")
    return distribution == "t" or (distribution == "auto" and n < SMALL_SAMPLE)


def quantile(level: float, df: int | None) -> tuple[str, float]:
    """``("z", z((1 + level)/2))``, or ``("t", t((1 + level)/2, df))`` when ``df`` is given."""
    if not (is_number(level) and 0 < level < 1):
        raise DerivationError("the confidence level must be between 0 and 1 (0.95 for 95%)")
    if df is not None and df < 1:
        raise DerivationError("the t distribution needs at least 2 participants")
    probability = (1 + level) / 2
    if df is None:
        return "z", float(ndtri(probability))
    return "t", float(stdtrit(df, probability))


def quantile_formula(level: float, df: int | None, df_words: str) -> str:
    probability = f"{(1 + level) / 2:.6g}"
    return f"z({probability})" if df is None else f"t({probability}, {df_words})"


def quantile_inputs(name: str, q: float, df: int | None) -> dict[str, float]:
    return {name: q} if df is None else {name: q, "df": df}


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def require_number(name: str, value: object) -> None:
    if not is_number(value):
        raise DerivationError(f"{name} must be a number")


def require_positive(**values: float) -> None:
    for name, value in values.items():
        require_number(name, value)
        if value <= 0:
            raise DerivationError(f"{name} must be greater than 0")


def require_nonzero(name: str, value: float, why: str) -> None:
    require_number(name, value)
    if value == 0:
        raise DerivationError(why)


def require_count(**values: int) -> None:
    for name, value in values.items():
        if not (is_number(value) and float(value).is_integer() and value >= 1):
            raise DerivationError(f"{name} must be a positive whole number")


def require_interval(lower: float, upper: float) -> None:
    require_number("lower", lower)
    require_number("upper", upper)
    if lower >= upper:
        raise DerivationError(
            f"the lower limit ({lower:g}) must be below the upper limit ({upper:g})"
        )


def require_p(p: float) -> None:
    if not (is_number(p) and 0 < p < 1):
        raise DerivationError("p must be between 0 and 1, exclusive")
