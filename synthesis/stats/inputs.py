"""The engine's study inputs and the checks at its boundary.

A :class:`Study` is a label, one study's data (a dataclass of
``extraction.outcomes.data``, whose ``validate()`` is the one definition of
impossible data, shared with the outcome data entry) and an optional
subgroup. :func:`check_studies` sorts the studies into those to analyse and
those left out for missing values (each named with the reason), and refuses
impossible ones with an :class:`~synthesis.stats.errors.EngineInputError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from extraction.outcomes.data import DataType, OutcomeData, data_class, field_names

from .errors import EngineInputError, InputProblem, refuse
from .method import Method

NOT_GIVEN = "Not given"


@dataclass(frozen=True)
class Study:
    """One study's data on the outcome analysed.

    Attributes
    ----------
    label : str
        The study's name, unique in the analysis ("Smith 2010").
    data : OutcomeData
        ``ContinuousArms``, ``DichotomousArms``, ``GenericEstimate`` or
        ``ObservedMinusExpected``; a field may be None (missing): the study
        is then left out and named.
    subgroup : str, optional
        Its subgroup, when the method pools by subgroup (blank means "Not
        given").
    """

    label: str
    data: OutcomeData
    subgroup: str | None = None

    @property
    def data_type(self) -> DataType:
        return self.data.DATA_TYPE

    @property
    def group(self) -> str:
        """The subgroup's name, "Not given" when blank."""
        return (self.subgroup or "").strip() or NOT_GIVEN


@dataclass(frozen=True)
class LeftOut:
    """A study the engine did not analyse, and why ("the SD in the control arm is missing")."""

    label: str
    reason: str

    def to_dict(self) -> dict:
        return {"study": self.label, "reason": self.reason}


def study(label: str, data_type: DataType | str, values: Mapping, subgroup=None) -> Study:
    """A :class:`Study` from a mapping of the data type's fields (absent fields are missing)."""
    cls = data_class(data_type)
    return Study(
        label, cls(**{name: values.get(name) for name in field_names(data_type)}), subgroup
    )


def studies_from_rows(data_type: DataType | str, rows: Sequence[Mapping]) -> list[Study]:
    """Studies from conformance-schema rows: ``label``, the fields and ``subgroup``."""
    return [study(row.get("label"), data_type, row, row.get("subgroup")) for row in rows]


def check_studies(
    studies: Sequence[Study], method: Method
) -> tuple[DataType, list[Study], list[LeftOut]]:
    """The data type, the studies to analyse and those left out for missing values.

    Raises
    ------
    EngineInputError
        No study given (k = 0), a study that is not a :class:`Study`, a
        label missing or used twice, data of another type, a measure that
        does not suit the data type, or impossible values (every problem of
        every study, each naming the study and the field).
    """
    if not studies:
        raise refuse("no studies were given (k = 0)", field="studies")
    data_type = _data_type(studies, method)
    problems = _label_problems(studies)
    usable, left_out = [], []
    for item in studies:
        found = item.data.validate()
        impossible = [p for p in found if not p.missing]
        if impossible:
            problems += _as_input_problems(item.label, impossible)
        elif found:
            left_out.append(LeftOut(item.label, "; ".join(p.words for p in found)))
        else:
            problems += _measure_problems(item, method)
            usable.append(item)
    if problems:
        raise EngineInputError(problems)
    if not usable:
        named = "; ".join(f"{s.label} ({s.reason})" for s in left_out)
        raise refuse(f"no study has all its data (k = 0): {named}", field="studies")
    return data_type, usable, left_out


def _data_type(studies: Sequence[Study], method: Method) -> DataType:
    for item in studies:
        if not isinstance(item, Study) or not hasattr(item.data, "DATA_TYPE"):
            raise refuse(f"{item!r} is not a Study with outcome data", field="studies")
    kinds = {item.data_type for item in studies}
    if len(kinds) > 1:
        words = " and ".join(sorted(kinds))
        raise refuse(f"the studies mix {words} data; one analysis takes one type", field="data")
    (data_type,) = kinds
    info = method.measure_info
    if data_type not in info.data_types:
        message = f"the {info.noun} cannot be computed from {data_type.replace('_', ' ')} data"
        raise refuse(message, field="measure")
    if method.uses_mh and data_type is not DataType.DICHOTOMOUS:
        raise refuse("Mantel-Haenszel pooling needs 2×2 tables (dichotomous data)", field="pooling")
    if method.uses_peto and data_type not in (DataType.DICHOTOMOUS, DataType.O_MINUS_E):
        raise refuse("Peto pooling needs 2×2 tables or O − E and variance", field="pooling")
    return data_type


def _label_problems(studies: Sequence[Study]) -> list[InputProblem]:
    problems, seen = [], set()
    for position, item in enumerate(studies, start=1):
        label = item.label
        if not isinstance(label, str) or not label.strip():
            problems.append(InputProblem(None, "label", f"study {position} has no label"))
        elif label in seen:
            problems.append(InputProblem(label, "label", "the label is used by two studies"))
        seen.add(label)
    return problems


def _as_input_problems(label: str, found) -> list[InputProblem]:
    sentences = dict.fromkeys(p.words for p in found)  # both SDs zero is one sentence
    fields = {p.words: p.field for p in found}
    return [InputProblem(label, fields[s], s) for s in sentences]


def _measure_problems(item: Study, method: Method) -> list[InputProblem]:
    """What the measure itself needs beyond valid data: Hedges' g needs a pooled SD."""
    if method.measure != "SMD" or item.data_type is not DataType.CONTINUOUS:
        return []
    d = item.data
    total = d.n_exp + d.n_ctrl
    if total < 3:
        message = f"the SMD needs at least 3 participants, not {total:g}"
        return [InputProblem(item.label, "n_exp", message)]
    pooled = ((d.n_exp - 1) * d.sd_exp**2 + (d.n_ctrl - 1) * d.sd_ctrl**2) / (total - 2)
    if pooled > 0:
        return []
    message = "the pooled SD is 0 (SD 0 wherever there is more than one participant), so the SMD is not defined"
    return [InputProblem(item.label, "sd_exp", message)]


@dataclass(frozen=True)
class Table:
    """Checked studies with their data as one float array per field (built once, then sliced)."""

    data_type: DataType
    studies: tuple[Study, ...]
    columns: dict[str, np.ndarray]

    @classmethod
    def of(cls, data_type: DataType, studies: Sequence[Study]) -> Table:
        columns = {
            name: np.array([getattr(item.data, name) for item in studies], float)
            for name in field_names(data_type)
        }
        return cls(data_type, tuple(studies), columns)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(item.label for item in self.studies)

    def subset(self, keep: Sequence[bool]) -> Table:
        """The studies where ``keep`` is true, in their order."""
        keep = np.asarray(keep, dtype=bool)
        studies = tuple(item for item, kept in zip(self.studies, keep, strict=True) if kept)
        columns = {name: values[keep] for name, values in self.columns.items()}
        return Table(self.data_type, studies, columns)


def finite(value) -> float | None:
    """A reported number: None where it is not defined (NaN or infinite)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
