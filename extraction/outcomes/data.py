"""One study's data on one outcome, by data type, and the checks it must pass.

Field names are those of the meta-analysis conformance schema
(``../shared/conformance/README.md``), so ``to_dict()`` feeds
``synthesis/stats`` directly. The first arm is always the experimental one.

These checks are the one definition of impossible data: the outcome data
grid and CSV upload refuse what they find, cell by cell, and the
meta-analysis engine (``synthesis.stats.analyse``) refuses the same things
with the study's name. Each :class:`Problem` carries a short ``message`` for
its cell ("SD cannot be negative") and a ``sentence`` that names the arm
("the SD in the control arm is negative (-1.5)"). A missing value is a
problem the grid refuses too, but the engine leaves such a study out and
names it instead (``Problem.missing``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from numbers import Real
from typing import ClassVar


class DataType(StrEnum):
    """How an outcome's per-study data is entered (the conformance ``data_type``)."""

    CONTINUOUS = "continuous"
    DICHOTOMOUS = "dichotomous"
    GENERIC = "generic"
    O_MINUS_E = "o_minus_e"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a value: the field it concerns and a plain-words message.

    ``message`` reads beside its cell ("SD cannot be negative"); ``sentence``
    stands alone and names the arm ("the SD in the control arm is negative
    (-1.5)"); ``missing`` is true when the value is simply not given. Two
    problems are equal when their field and message are.
    """

    field: str
    message: str
    sentence: str = field(default="", compare=False)
    missing: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    @property
    def words(self) -> str:
        """The sentence, or the message with the field's words when there is none."""
        return self.sentence or f"{field_words(self.field)}: {self.message}"


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
        """Every problem with the values (empty when they can be analysed).

        n is a whole number of at least 1, the mean a finite number and the SD
        a finite number of at least 0; an SD of 0 in both arms leaves the
        study without any variance, so it is refused.
        """
        problems = []
        for arm in ("exp", "ctrl"):
            problems += _count(f"n_{arm}", getattr(self, f"n_{arm}"), 1)
            problems += _number(f"mean_{arm}", getattr(self, f"mean_{arm}"))
            problems += _non_negative(f"sd_{arm}", getattr(self, f"sd_{arm}"))
        if not problems and self.sd_exp == 0 and self.sd_ctrl == 0:
            sentence = "the SD is 0 in both arms, so the study has no variance"
            problems += [Problem(f, "SD cannot be 0 in both arms", sentence) for f in SD_FIELDS]
        return problems

    def to_dict(self) -> dict:
        return asdict(self)


SD_FIELDS = ("sd_exp", "sd_ctrl")


@dataclass(frozen=True)
class DichotomousArms:
    """Participants with the event and participants analysed, in each arm."""

    DATA_TYPE: ClassVar[DataType] = DataType.DICHOTOMOUS

    events_exp: int
    total_exp: int
    events_ctrl: int
    total_ctrl: int

    def validate(self) -> list[Problem]:
        """Every problem with the values (empty when they can be analysed).

        Events are a whole number from 0 to the arm's total; the total is a
        whole number of at least 1.
        """
        problems = []
        for arm in ("exp", "ctrl"):
            events, total = getattr(self, f"events_{arm}"), getattr(self, f"total_{arm}")
            events_problems = _count(f"events_{arm}", events, 0)
            total_problems = _count(f"total_{arm}", total, 1)
            if not (events_problems or total_problems) and events > total:
                events_problems = [_too_many_events(arm, events, total)]
            problems += events_problems + total_problems
        return problems

    def to_dict(self) -> dict:
        return asdict(self)


def _too_many_events(arm: str, events: float, total: float) -> Problem:
    return Problem(
        f"events_{arm}",
        f"events ({_show(events)}) cannot exceed the total ({_show(total)})",
        f"{_show(events)} events in the {ARMS[arm]} arm but only {_show(total)} participants",
    )


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
        """Every problem with the values: the estimate is a finite number, the SE one above 0."""
        return _number("estimate", self.estimate) + _positive("se", self.se)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ObservedMinusExpected:
    """Observed minus expected events (O − E) in the experimental arm and its variance V.

    RevMan's "O − E and variance" data (log-rank statistics of time-to-event
    outcomes); V = 0 means no events, so the study carries no information.
    """

    DATA_TYPE: ClassVar[DataType] = DataType.O_MINUS_E

    o_minus_e: float
    variance: float

    def validate(self) -> list[Problem]:
        """Every problem with the values: O − E is a finite number, V one of at least 0."""
        return _number("o_minus_e", self.o_minus_e) + _non_negative("variance", self.variance)

    def to_dict(self) -> dict:
        return asdict(self)


OutcomeData = ContinuousArms | DichotomousArms | GenericEstimate | ObservedMinusExpected

DATA_CLASSES: dict[DataType, type[OutcomeData]] = {
    DataType.CONTINUOUS: ContinuousArms,
    DataType.DICHOTOMOUS: DichotomousArms,
    DataType.GENERIC: GenericEstimate,
    DataType.O_MINUS_E: ObservedMinusExpected,
}

# How each field is named in messages ("SD cannot be negative").
LABELS = {
    "n": "n",
    "mean": "mean",
    "sd": "SD",
    "events": "events",
    "total": "total",
    "estimate": "estimate",
    "se": "SE",
    "o_minus_e": "O − E",
    "variance": "variance",
}
ARMS = {"exp": "experimental", "ctrl": "control"}


def data_class(data_type: DataType | str) -> type[OutcomeData]:
    """The dataclass for ``data_type`` ("continuous", "dichotomous", "generic" or "o_minus_e")."""
    try:
        return DATA_CLASSES[DataType(data_type)]
    except ValueError:
        choices = ", ".join(DataType)
        raise ValueError(f"unknown data type {data_type!r} (expected one of {choices})") from None


def field_names(data_type: DataType | str) -> tuple[str, ...]:
    """The fields of ``data_type`` in column order: ``("estimate", "se")``."""
    return tuple(f.name for f in fields(data_class(data_type)))


def field_label(name: str) -> str:
    """``sd_exp`` -> ``SD``: the word a message uses for a field."""
    return LABELS[name.removesuffix("_exp").removesuffix("_ctrl")]


def field_words(name: str) -> str:
    """``sd_ctrl`` -> ``SD in the control arm``; ``se`` -> ``SE``."""
    stem, _, arm = name.rpartition("_")
    if arm in ARMS:
        return f"{LABELS[stem]} in the {ARMS[arm]} arm"
    return LABELS[name]


def _subject(name: str) -> str:
    """The field as the subject of a sentence: "the SD in the control arm", "events in ..."."""
    words = field_words(name)
    return words if field_label(name) in BARE else f"the {words}"


BARE = frozenset({"n", "events", "O − E"})  # read without "the"


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _missing(name: str) -> list[Problem]:
    sentence = f"{_subject(name)} is missing"
    return [Problem(name, f"{field_label(name)} is missing", sentence, missing=True)]


def _number(name: str, value: object) -> list[Problem]:
    if value is None:
        return _missing(name)
    if _is_number(value):
        return []
    sentence = f"{_subject(name)} must be a finite number, not {_show(value)}"
    return [Problem(name, f"{field_label(name)} must be a number", sentence)]


def _non_negative(name: str, value: object) -> list[Problem]:
    problems = _number(name, value)
    if problems or value >= 0:
        return problems
    sentence = f"{_subject(name)} is negative ({_show(value)})"
    return [Problem(name, f"{field_label(name)} cannot be negative", sentence)]


def _positive(name: str, value: object) -> list[Problem]:
    problems = _number(name, value)
    if problems or value > 0:
        return problems
    label = field_label(name)
    sentence = f"{_subject(name)} must be greater than 0, not {_show(value)}"
    return [Problem(name, f"{label} must be greater than 0", sentence)]


def _count(name: str, value: object, minimum: int) -> list[Problem]:
    if value is None:
        return _missing(name)
    if _is_number(value) and float(value).is_integer() and value >= minimum:
        return []
    label = field_label(name)
    kind = "a positive whole number" if minimum > 0 else "a whole number (0 or more)"
    sentence = f"{_subject(name)} must be {kind}, not {_show(value)}"
    return [Problem(name, f"{label} must be {kind}", sentence)]


def _show(value: object) -> str:
    if isinstance(value, Real) and not isinstance(value, bool):
        return f"{value:.15g}"
    return repr(value)
