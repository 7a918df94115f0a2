"""Comparisons, outcomes and outcome data for the demo review.

Illustrative only: every number here is invented to show the pages and the
analyses, and matches no real trial.
"""

from reviews.models import Review

from ..models import DataType, EffectMeasure, Study
from ..outcomes.data import field_names
from ..services import outcome_data, outcomes
from ..services.studies import studies_sync

# The demo needs a handful of studies; those the demo's screening does not
# give are added by name only.
EXTRA_STUDIES = ["Demo trial A 2015", "Demo trial B 2017", "Demo trial C 2019"]
EXTRA_STUDIES += ["Demo trial D 2021", "Demo trial E 2022", "Demo trial F 2023"]

# Per study, in study-name order: pain (n, mean, SD per arm, 0–10 scale),
# nausea and hallucinations (events, total per arm).
PAIN = [
    (25, 4.1, 1.9, 24, 5.6, 2.1),
    (40, 3.8, 2.2, 41, 4.9, 2.0),
    (18, 5.0, 2.6, 18, 5.4, 2.4),
    (30, 3.2, 1.7, 29, 5.1, 1.8),
    (22, 4.6, 2.3, 23, 5.2, 2.5),
    (35, 4.0, 2.0, 35, 5.0, 2.2),
]
NAUSEA = [
    (6, 25, 2, 24),
    (11, 40, 4, 41),
    (3, 18, 2, 18),
    (9, 30, 3, 29),
    (5, 22, 2, 23),
    (8, 35, 4, 35),
]
HALLUCINATIONS = [
    (3, 25, 0, 24),
    (5, 40, 1, 41),
    (1, 18, 0, 18),
    (4, 30, 1, 29),
    (2, 22, 0, 23),
    (4, 35, 1, 35),
]


def demo_outcomes(review: Review, lead) -> None:
    """Give the demo review its comparison, three outcomes and their (invented) data."""
    studies = _demo_studies(review)
    comparison = outcomes.comparison_create(
        review=review, name="IV ketamine vs control", experimental="IV ketamine", control="Control"
    )
    pain = outcomes.outcome_create(
        comparison=comparison,
        name="Pain intensity",
        data_type=DataType.CONTINUOUS,
        measure=EffectMeasure.MD,
        lower_is_better=True,
        unit="0–10 NRS",
        timepoint="End of treatment",
    )
    _enter(pain, studies, PAIN, lead)
    # One report gave only a 95% CI of the control mean: show a derived SD.
    outcome_data.outcome_data_derive(
        data=pain.data.get(study=studies[2]),
        field="sd_ctrl",
        method="sd_from_ci",
        inputs={"lower": 4.2, "upper": 6.6, "n": 18},
        user=lead,
    )
    for name, data in (("Nausea", NAUSEA), ("Hallucinations", HALLUCINATIONS)):
        outcome = outcomes.outcome_create(
            comparison=comparison,
            name=name,
            data_type=DataType.DICHOTOMOUS,
            measure=EffectMeasure.RR,
            lower_is_better=True,
            timepoint="During treatment",
        )
        _enter(outcome, studies, data, lead)


def _demo_studies(review: Review) -> list[Study]:
    studies_sync(review=review)
    for name in EXTRA_STUDIES:
        if review.studies.count() >= len(PAIN):
            break
        Study.objects.get_or_create(review=review, name=name)
    return list(review.studies.order_by("name", "pk")[: len(PAIN)])


def _enter(outcome, studies, data, lead) -> None:
    names = field_names(outcome.data_type)
    rows = [
        outcome_data.GridRow(study=study, values=dict(zip(names, map(str, values), strict=True)))
        for study, values in zip(studies, data, strict=False)
    ]
    outcome_data.outcome_data_save_grid(outcome=outcome, rows=rows, user=lead)
