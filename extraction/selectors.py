"""Reads in extraction that hold real logic: outcome datasets, the grid, consistency warnings."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Outcome, OutcomeData, Study
from .outcomes.data import field_names

# The field holding an arm's number of participants, by data type.
ARM_SIZE_FIELDS = {"n_exp": "exp", "n_ctrl": "ctrl", "total_exp": "exp", "total_ctrl": "ctrl"}


def outcome_dataset(outcome: Outcome) -> list[dict]:
    """The outcome's per-study inputs for the meta-analysis engine, in study order.

    Each dict has ``label`` (the study's name), the data type's fields by the
    conformance schema's names (``n_exp, mean_exp, sd_exp, n_ctrl, ...``,
    ``events_exp, total_exp, ...`` or ``estimate, se``) and ``subgroup``
    (None when the outcome has no subgroup variable).
    """
    names = field_names(outcome.data_type)
    rows = OutcomeData.objects.filter(outcome=outcome).select_related("study")
    dataset = []
    for row in rows.order_by("study__name", "study__pk", "subgroup"):
        item = {"label": row.study.name} | {name: row.values.get(name) for name in names}
        item["subgroup"] = (row.subgroup or None) if outcome.subgroup_variable else None
        dataset.append(item)
    return dataset


@dataclass(frozen=True)
class GridLine:
    """One study in the grid, with its saved data (None when it has none yet)."""

    study: Study
    data: OutcomeData | None


def outcome_grid(outcome: Outcome) -> list[GridLine]:
    """Every study of the review, in name order, with its data on this outcome."""
    data = {row.study_id: row for row in OutcomeData.objects.filter(outcome=outcome)}
    studies = Study.objects.filter(review=outcome.comparison.review_id)
    return [GridLine(study, data.get(study.pk)) for study in studies]


@dataclass(frozen=True)
class DataWarning:
    """Something to check, not an error: the data is saved and analysed as entered."""

    study_id: int
    study: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.study}: {self.message}"


def outcome_data_warnings(outcome: Outcome) -> list[DataWarning]:
    """Arms that analyse more participants here than for any other outcome of the study.

    Within one comparison a study's arms are the same people, and the number
    analysed usually only falls from outcome to outcome (drop-outs, missed
    measurements). An arm larger here than on every other outcome of the same
    comparison is worth a second look (a typo, or the arms swapped), so it is
    a warning: the data stays saved and is analysed as entered.
    """
    sizes = _arm_sizes(outcome)
    warnings = []
    for row in OutcomeData.objects.filter(outcome=outcome).select_related("study"):
        for name, arm in ARM_SIZE_FIELDS.items():
            value = row.values.get(name)
            other = sizes.get((row.study_id, arm))
            if value is not None and other and value > other[0]:
                message = (
                    f"{name} is {value:g}, more than the {other[0]:g} given for "
                    f"“{other[1]}” in the same study and comparison"
                )
                warnings.append(DataWarning(row.study_id, row.study.name, name, message))
    return warnings


def _arm_sizes(outcome: Outcome) -> dict[tuple[int, str], tuple[float, str]]:
    """The largest arm size each study reports on the comparison's other outcomes."""
    others = OutcomeData.objects.filter(outcome__comparison=outcome.comparison_id).exclude(
        outcome=outcome
    )
    sizes = {}
    for row in others.select_related("outcome"):
        for name, arm in ARM_SIZE_FIELDS.items():
            value = row.values.get(name)
            key = (row.study_id, arm)
            if value is not None and (key not in sizes or value > sizes[key][0]):
                sizes[key] = (value, row.outcome.name)
    return sizes
