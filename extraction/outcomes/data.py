"""One study's data on one outcome, by data type, and the checks it must pass.

Field names are those of the meta-analysis conformance schema
(``../shared/conformance/README.md``), so ``to_dict()`` feeds
``synthesis/stats`` directly. The first arm is always the experimental one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from numbers import Real
from typing import ClassVar


class DataType(StrEnum):
    """How an outcome's per-study data is entered (the conformance ``data_type``)."""

    CONTINUOUS = "continuous"
    DICHOTOMOUS = "dichotomous"
    GENERIC = "generic"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a value: the field it concerns and a plain-words message."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class ContinuousArms:
    """Number analysed, mean and standard deviation in each arm."""

    DATA_TYPE: ClassVar[DataType] = DataType.CONTINUOUS

    n_exp: int
    mean_exp: float
    sd_exp: float
    n_ctrl: int
    mean_ctrl: float
    sd_ctrl: float

    def validate(self) -> list[Problem]:
        """Every problem with the values (empty when they can be analysed)."""
        problems = []
        for arm in ("exp", "ctrl"):
            problems += _check(f"n_{arm}", _count_problem(getattr(self, f"n_{arm}"), "n", 1))
            problems += _check(f"mean_{arm}", _number_problem(getattr(self, f"mean_{arm}"), "mean"))
            problems += _check(f"sd_{arm}", _positive_problem(getattr(self, f"sd_{arm}"), "SD"))
        return problems

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DichotomousArms:
    """Participants with the event and participants analysed, in each arm."""

    DATA_TYPE: ClassVar[DataType] = DataType.DICHOTOMOUS

    events_exp: int
    total_exp: int
    events_ctrl: int
    total_ctrl: int

    def validate(self) -> list[Problem]:
        """Every problem with the values (empty when they can be analysed)."""
        problems = []
        for arm in ("exp", "ctrl"):
            events, total = getattr(self, f"events_{arm}"), getattr(self, f"total_{arm}")
            events_problem = _count_problem(events, "events", 0)
            total_problem = _count_problem(total, "total", 1)
            if not (events_problem or total_problem) and events > total:
                events_problem = (
                    f"events ({_show(events)}) cannot exceed the total ({_show(total)})"
                )
            problems += _check(f"events_{arm}", events_problem)
            problems += _check(f"total_{arm}", total_problem)
        return problems

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class GenericEstimate:
    """An effect estimate and its standard error on the analysis scale.

    For ratio measures (OR, RR, HR) both are on the natural log scale: enter
    ln(OR) and the SE of ln(OR), as RevMan's generic inverse variance does.
    """

    DATA_TYPE: ClassVar[DataType] = DataType.GENERIC

    estimate: float
    se: float

    def validate(self) -> list[Problem]:
        """Every problem with the values (empty when they can be analysed)."""
        return _check("estimate", _number_problem(self.estimate, "estimate")) + _check(
            "se", _positive_problem(self.se, "SE")
        )

    def to_dict(self) -> dict:
        return asdict(self)


OutcomeData = ContinuousArms | DichotomousArms | GenericEstimate

DATA_CLASSES: dict[DataType, type[OutcomeData]] = {
    DataType.CONTINUOUS: ContinuousArms,
    DataType.DICHOTOMOUS: DichotomousArms,
    DataType.GENERIC: GenericEstimate,
}

# How each field is named in messages ("SD must be greater than 0").
LABELS = {
    "n": "n",
    "mean": "mean",
    "sd": "SD",
    "events": "events",
    "total": "total",
    "estimate": "estimate",
    "se": "SE",
}


def data_class(data_type: DataType | str) -> type[OutcomeData]:
    """The dataclass for ``data_type`` ("continuous", "dichotomous" or "generic")."""
    try:
        return DATA_CLASSES[DataType(data_type)]
    except ValueError:
        choices = ", ".join(DataType)
        raise ValueError(f"unknown data type {data_type!r} (expected one of {choices})") from None


def field_names(data_type: DataType | str) -> tuple[str, ...]:
    """The fields of ``data_type`` in column order: ``("estimate", "se")``."""
    return tuple(field.name for field in fields(data_class(data_type)))


def field_label(field: str) -> str:
    """``sd_exp`` -> ``SD``: the word a message uses for a field."""
    return LABELS[field.removesuffix("_exp").removesuffix("_ctrl")]


def _check(field: str, message: str | None) -> list[Problem]:
    return [Problem(field, message)] if message else []


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _number_problem(value: object, label: str) -> str | None:
    if value is None:
        return f"{label} is missing"
    return None if _is_number(value) else f"{label} must be a number"


def _positive_problem(value: object, label: str) -> str | None:
    problem = _number_problem(value, label)
    if problem is None and value <= 0:
        problem = f"{label} must be greater than 0"
    return problem


def _count_problem(value: object, label: str, minimum: int) -> str | None:
    if value is None:
        return f"{label} is missing"
    if _is_number(value) and float(value).is_integer() and value >= minimum:
        return None
    if minimum > 0:
        return f"{label} must be a positive whole number"
    return f"{label} must be a whole number (0 or more)"


def _show(value: float) -> str:
    return f"{value:.15g}"
