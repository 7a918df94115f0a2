"""The outcome data the meta-analysis pools: the grid, CSV uploads and derivations.

Rules for outcome data (grid and CSV alike)
-------------------------------------------
- A study has at most one row per outcome: it sits in one subgroup, as in the
  CSV format, where a study may appear only once.
- Every value is checked by the data type's dataclass (``extraction.outcomes``),
  the same checks the meta-analysis engine applies: n a whole number ≥ 1,
  SD ≥ 0 and not 0 in both arms, events a whole number from 0 to the total,
  SE > 0, finite numbers, nothing missing.
- When the outcome has a subgroup variable every row needs a subgroup; when it
  has none, a subgroup is refused.
- All or nothing: every problem of every row is collected, and if there is
  one, nothing is saved and :class:`OutcomeDataError` lists them all.
- In the grid, a row left entirely blank deletes the study's data.
- A derived value keeps its :class:`~extraction.outcomes.Derivation` record in
  ``OutcomeData.derivations`` as long as the value is the derived one; typing
  another value over it drops the record.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from .. import outcomes as pure
from ..models import Outcome, OutcomeData, Study
from ..outcomes.data import field_label, field_names

COUNT_FIELDS = {"n_exp", "n_ctrl", "events_exp", "events_ctrl", "total_exp", "total_ctrl"}


@dataclass(frozen=True)
class DataProblem:
    """What is wrong with one study's data: ``Smith 2010, SD (control): must be > 0``.

    ``field`` is a data field (``sd_ctrl``), ``subgroup``, ``study`` or empty;
    ``line`` is the CSV line when the data came from a file.
    """

    study: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = ", ".join(filter(None, [f"line {self.line}" if self.line else "", self.study]))
        return f"{where}: {self.message}" if where else self.message


class OutcomeDataError(ValidationError):
    """Nothing was saved; ``problems`` lists every :class:`DataProblem`."""

    def __init__(self, problems: list[DataProblem]):
        self.problems = tuple(problems)
        super().__init__([str(problem) for problem in problems])


@dataclass
class GridRow:
    """One study's row of the grid as typed: raw cell text by field name.

    ``derivations`` maps a field to the ``{"method", "inputs"}`` the derive
    helper used for it; the service recomputes it before trusting it.
    """

    study: Study
    values: dict[str, str]
    subgroup: str = ""
    derivations: dict[str, dict] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return not any(str(v).strip() for v in self.values.values()) and not self.subgroup.strip()


@transaction.atomic
def outcome_data_save_grid(*, outcome: Outcome, rows: list[GridRow], user) -> list[OutcomeData]:
    """Save many studies' data on one outcome, all of it or none.

    Returns the saved rows; raises :class:`OutcomeDataError` listing every
    problem (nothing is saved then). Blank rows delete the study's data.
    """
    _check_studies(outcome, [row.study for row in rows])
    problems, checked = [], []
    for row in rows:
        if row.blank:
            continue
        values, row_problems = _read_cells(row.values, outcome.data_type)
        row_problems += _data_problems(outcome, values, row.subgroup, skip=row_problems)
        derivations, derivation_problems = _recompute(row.derivations, values)
        row_problems += derivation_problems
        problems += [DataProblem(row.study.name, p.field, p.message) for p in row_problems]
        checked.append((row.study, row.subgroup.strip(), values, derivations))
    if problems:
        raise OutcomeDataError(problems)
    blank = [row.study for row in rows if row.blank]
    OutcomeData.objects.filter(outcome=outcome, study__in=blank).delete()
    return [_store(outcome, *item, user=user) for item in checked]


@transaction.atomic
def outcome_data_import_csv(*, outcome: Outcome, data: str | bytes, user) -> list[OutcomeData]:
    """Save the rows of a CSV file (the grid's columns), all of it or none.

    Study names are matched to the review's studies ignoring case and runs of
    spaces, once the file itself reads cleanly (the parser rejects it first
    with its own line-numbered problems). Studies not in the file keep their data; studies in the file have
    theirs replaced (and lose any derivation records, since the file has none).
    """
    try:
        parsed = pure.parse_outcome_csv(data, outcome.data_type)
    except pure.OutcomeCSVError as error:
        raise OutcomeDataError(
            [DataProblem("", p.column, p.message, p.line) for p in error.problems]
        ) from None
    studies = {_key(study.name): study for study in outcome.comparison.review.studies.all()}
    problems, checked = [], []
    for row in parsed:
        study = studies.get(_key(row.study))
        if study is None:
            message = f"no study of this review is called “{row.study}”"
            problems.append(DataProblem("", "study", message, row.line))
            continue
        values = row.data.to_dict()
        for problem in _data_problems(outcome, values, row.subgroup or "", skip=[]):
            problems.append(DataProblem(study.name, problem.field, problem.message, row.line))
        checked.append((study, (row.subgroup or "").strip(), values, []))
    if problems:
        raise OutcomeDataError(problems)
    return [_store(outcome, *item, user=user) for item in checked]


def outcome_data_delete(*, outcome: Outcome, study: Study) -> None:
    OutcomeData.objects.filter(outcome=outcome, study=study).delete()


def _check_studies(outcome: Outcome, studies: list[Study]) -> None:
    review_id = outcome.comparison.review_id
    if any(study.review_id != review_id for study in studies):
        raise ValidationError("A study of another review cannot have data on this outcome.")


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def _read_cells(cells: dict[str, str], data_type: str) -> tuple[dict, list[pure.Problem]]:
    """Numbers from the grid's text cells (``−`` and a decimal comma are accepted)."""
    values, problems = {}, []
    for name in field_names(data_type):
        text = str(cells.get(name, "") or "").strip().replace("\u2212", "-")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text) if text else None
        except ValueError:
            number = None
            problems.append(pure.Problem(name, f"{field_label(name)} '{text}' is not a number"))
        if number is not None and not math.isfinite(number):
            number = None
            problems.append(pure.Problem(name, f"{field_label(name)} must be a finite number"))
        if number is not None and name in COUNT_FIELDS and number.is_integer():
            number = int(number)
        values[name] = number
    return values, problems


def _data_problems(outcome: Outcome, values: dict, subgroup: str, skip) -> list[pure.Problem]:
    """The dataclass's checks (for fields not already faulted) and the subgroup rule."""
    skipped = {problem.field for problem in skip}
    data = pure.data_class(outcome.data_type)(**values)
    problems = [p for p in data.validate() if p.field not in skipped]
    if outcome.subgroup_variable and not subgroup.strip():
        problems.append(
            pure.Problem("subgroup", f"the subgroup ({outcome.subgroup_variable}) is missing")
        )
    if not outcome.subgroup_variable and subgroup.strip():
        problems.append(
            pure.Problem("subgroup", "this outcome has no subgroup variable; leave it blank")
        )
    return problems


def _store(outcome, study, subgroup, values, derivations, *, user) -> OutcomeData:
    OutcomeData.objects.filter(outcome=outcome, study=study).exclude(subgroup=subgroup).delete()
    row, _ = OutcomeData.objects.get_or_create(outcome=outcome, study=study, subgroup=subgroup)
    fresh = {d["field"] for d in derivations}
    kept = [d for d in row.derivations if d["field"] not in fresh and _is_result(values, d)]
    for record in kept:
        values[record["field"]] = record["result"]
    row.values = values
    row.derivations = kept + derivations
    row.entered_by = user
    row.save()
    return row


def _is_result(values: dict, record: dict) -> bool:
    """Whether the value is still the derived one (the grid shows it rounded to 4 decimals)."""
    value = values.get(record["field"])
    return value is not None and math.isclose(value, record["result"], rel_tol=1e-4, abs_tol=1e-4)


# Derivations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DerivationMethod:
    """A way to derive a missing SD or SE, and the numbers it asks for."""

    label: str
    target: str  # "sd" or "se": the fields it can fill
    inputs: tuple[str, ...]
    function: object
    options: tuple[str, ...] = ()


DERIVATION_METHODS = {
    "sd_from_se": DerivationMethod("SE of the group mean", "sd", ("se", "n"), pure.sd_from_se),
    "sd_from_ci": DerivationMethod(
        "Confidence interval of the group mean",
        "sd",
        ("lower", "upper", "n"),
        pure.sd_from_ci,
        ("level",),
    ),
    "sd_from_t": DerivationMethod(
        "t statistic of the difference in means",
        "sd",
        ("mean_difference", "t", "n_exp", "n_ctrl"),
        pure.sd_from_t,
    ),
    "sd_from_p": DerivationMethod(
        "p value of the difference in means",
        "sd",
        ("mean_difference", "p", "n_exp", "n_ctrl"),
        pure.sd_from_p,
    ),
    "sd_from_difference_ci": DerivationMethod(
        "Confidence interval of the difference in means",
        "sd",
        ("lower", "upper", "n_exp", "n_ctrl"),
        pure.sd_from_difference_ci,
        ("level",),
    ),
    "se_from_ratio_ci": DerivationMethod(
        "Confidence interval of a ratio (OR, RR, HR)",
        "se",
        ("lower", "upper"),
        pure.se_from_ratio_ci,
        ("level",),
    ),
    "se_from_difference_ci": DerivationMethod(
        "Confidence interval of a difference (MD, SMD, RD)",
        "se",
        ("lower", "upper"),
        pure.se_from_difference_ci,
        ("level",),
    ),
    "se_from_ratio_p": DerivationMethod(
        "A ratio and its p value", "se", ("ratio", "p"), pure.se_from_ratio_p
    ),
    "se_from_p": DerivationMethod(
        "A difference and its p value", "se", ("estimate", "p"), pure.se_from_p
    ),
}
INTEGER_INPUTS = {"n", "n_exp", "n_ctrl"}


def derivation_run(*, method: str, inputs: dict, field: str) -> dict:
    """Compute a missing SD or SE: the stored record, ``{"field", "formula", "result", ...}``.

    ``inputs`` holds numbers (or text from a form) by the method's input names;
    ``level`` defaults to 0.95. Raises ValidationError in plain words.
    """
    spec = DERIVATION_METHODS.get(method)
    if spec is None or field.removesuffix("_exp").removesuffix("_ctrl") != spec.target:
        raise ValidationError(f"“{method}” cannot give {field_label(field)}.")
    arguments = [_number_input(name, inputs.get(name)) for name in spec.inputs]
    options = {
        name: _number_input(name, inputs.get(name))
        for name in spec.options
        if str(inputs.get(name, "") or "").strip()
    }
    try:
        derivation = spec.function(*arguments, **options)
    except pure.DerivationError as error:
        raise ValidationError(str(error)) from None
    return {"field": field, **derivation.to_dict()}


@transaction.atomic
def outcome_data_derive(
    *, data: OutcomeData, field: str, method: str, inputs: dict, user
) -> OutcomeData:
    """Replace one value of saved data with a derived one, keeping its record beside it."""
    record = derivation_run(method=method, inputs=inputs, field=field)
    values = data.values | {field: record["result"]}
    problems = _data_problems(data.outcome, values, data.subgroup, skip=[])
    if problems:
        raise OutcomeDataError([DataProblem(data.study.name, p.field, p.message) for p in problems])
    return _store(data.outcome, data.study, data.subgroup, values, [record], user=user)


def _number_input(name: str, raw) -> float | int:
    text = str(raw if raw is not None else "").strip().replace("\u2212", "-")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise ValidationError(f"{name} must be a number") from None
    if name in INTEGER_INPUTS and number.is_integer():
        return int(number)
    return number


def _recompute(requests: dict[str, dict], values: dict) -> tuple[list[dict], list[pure.Problem]]:
    """The derivation records of a grid row whose values are still the derived ones.

    The cell shows the result rounded; a value within that rounding keeps the
    record and is stored at full precision, another value drops it.
    """
    records, problems = [], []
    for name, request in requests.items():
        if name not in values or values[name] is None:
            continue
        try:
            record = derivation_run(
                method=request.get("method", ""), inputs=request.get("inputs", {}), field=name
            )
        except ValidationError as error:
            problems.append(pure.Problem(name, " ".join(error.messages)))
            continue
        if _is_result(values, record):
            values[name] = record["result"]
            records.append(record)
    return records, problems
