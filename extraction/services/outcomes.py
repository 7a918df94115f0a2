"""Comparisons and outcomes (the lead's set-up of what is extracted and pooled)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from reviews.models import Review

from ..models import Comparison, DataType, EffectMeasure, Outcome, OutcomeData
from ..outcomes.measures import measures_for

# The measures each data type allows, from the registry (extraction/outcomes/measures.py).
MEASURES = {
    data_type: tuple(EffectMeasure(m.key) for m in measures_for(data_type))
    for data_type in DataType
}


@transaction.atomic
def comparison_create(
    *, review: Review, name: str, experimental: str = "Intervention", control: str = "Control"
) -> Comparison:
    position = review.comparisons.count()
    return Comparison.objects.create(
        review=review,
        name=_words(name, "Give the comparison a name."),
        experimental=_words(experimental, "Name the experimental arm."),
        control=_words(control, "Name the control arm."),
        position=position,
    )


@transaction.atomic
def comparison_update(
    *, comparison: Comparison, name: str, experimental: str, control: str
) -> Comparison:
    comparison.name = _words(name, "Give the comparison a name.")
    comparison.experimental = _words(experimental, "Name the experimental arm.")
    comparison.control = _words(control, "Name the control arm.")
    comparison.save()
    return comparison


@transaction.atomic
def comparison_delete(*, comparison: Comparison) -> None:
    """Delete a comparison with no outcome data (outcomes without data go with it)."""
    if OutcomeData.objects.filter(outcome__comparison=comparison).exists():
        raise ValidationError(f"“{comparison}” has outcome data; delete its outcomes' data first.")
    comparison.delete()


@transaction.atomic
def outcome_create(*, comparison: Comparison, name: str, data_type: str, measure: str, **options):
    """A new outcome; ``options`` are lower_is_better, unit, timepoint, subgroup_variable."""
    outcome = Outcome(comparison=comparison, position=comparison.outcomes.count())
    return _outcome_save(outcome, name=name, data_type=data_type, measure=measure, **options)


@transaction.atomic
def outcome_update(*, outcome: Outcome, name: str, data_type: str, measure: str, **options):
    if data_type != outcome.data_type and outcome.data.exists():
        raise ValidationError(
            f"“{outcome}” already has data for {outcome.data.count()} stud"
            f"{'y' if outcome.data.count() == 1 else 'ies'}: its data type cannot change."
        )
    if (
        not options.get("subgroup_variable", "").strip()
        and outcome.data.exclude(subgroup="").exists()
    ):
        raise ValidationError(
            "Some studies are in subgroups: clear them before removing the variable."
        )
    return _outcome_save(outcome, name=name, data_type=data_type, measure=measure, **options)


@transaction.atomic
def outcome_delete(*, outcome: Outcome) -> None:
    """Delete an outcome and its data (the history keeps both)."""
    outcome.delete()


def measure_problem(data_type: str, measure: str) -> str | None:
    """Why ``measure`` cannot summarise ``data_type`` data, or None."""
    if measure in MEASURES[DataType(data_type)]:
        return None
    allowed = ", ".join(m.value for m in MEASURES[DataType(data_type)])
    return f"{EffectMeasure(measure).label} does not suit {data_type} data (use {allowed})."


def _outcome_save(
    outcome: Outcome,
    *,
    name: str,
    data_type: str,
    measure: str,
    lower_is_better: bool = True,
    unit: str = "",
    timepoint: str = "",
    subgroup_variable: str = "",
) -> Outcome:
    if problem := measure_problem(data_type, measure):
        raise ValidationError(problem)
    outcome.name = _words(name, "Give the outcome a name.")
    outcome.data_type, outcome.measure, outcome.lower_is_better = (
        data_type,
        measure,
        lower_is_better,
    )
    outcome.unit, outcome.timepoint = " ".join(unit.split()), " ".join(timepoint.split())
    outcome.subgroup_variable = " ".join(subgroup_variable.split())
    outcome.save()
    return outcome


def _words(text: str, missing: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ValidationError(missing)
    return text
