"""The demo review's comparison, its five outcomes and their data.

Illustrative only: every number here is invented (by us, for the demo) and
matches no real trial. They are aimed so that the analyses, under the review's
settings (random effects, REML), land near the pooled results of the paper the
demo is modelled on: pain MD -1.05 [-1.72, -0.39], sleep quality MD 0.00
[-0.12, 0.12], and risk ratios of 1.42 for nausea, 1.08 for hallucinations and
1.05 for sedation. Every arm's size is the study's number randomised (1,080
participants in all, every one in the pain outcome).
"""

from reviews.models import Review

from ..models import DataType, EffectMeasure, Outcome, Study
from ..outcomes.data import field_names
from ..services import outcome_data, outcomes

# Study: n, mean, SD of the ketamine arm, then of the control arm.
# Pain on a 0-10 numerical rating scale at the end of treatment.
PAIN = {
    "Alvarez 2023": (15, 3.6, 2.3, 15, 6.3, 2.2),
    "Berg 2024": (20, 4.9, 1.9, 20, 5.2, 2.0),
    "Fernandes 2011": (30, 3.6, 2.1, 30, 5.9, 2.3),
    "Halvorsen 2020": (49, 5.1, 1.8, 51, 5.0, 1.9),
    "Harrow 2012": (40, 4.1, 1.9, 40, 5.6, 2.1),
    "Ibrahim 2022": (25, 3.2, 2.4, 25, 6.1, 2.2),
    "Kaur 2018": (30, 5.6, 2.0, 30, 5.4, 2.1),
    "Lindqvist 2019": (71, 4.5, 2.0, 69, 4.9, 2.1),
    "Marchetti 2016": (38, 5.2, 1.7, 38, 5.3, 1.8),
    "Moreau 2015": (24, 5.0, 2.2, 24, 4.2, 2.4),
    "Okonkwo 2010": (35, 3.4, 1.8, 35, 5.8, 1.9),
    "Petrov 2017": (45, 5.2, 1.6, 45, 5.1, 1.7),
    "Quinn 2016": (20, 2.7, 2.5, 20, 6.4, None),  # SD from the CI below
    "Sato 2014": (30, 3.2, 2.0, 30, 5.7, 2.2),
    "Tanaka 2021": (28, 4.3, 2.1, 28, 4.6, 2.0),
    "Virtanen 2013": (41, 5.4, 1.9, 39, 5.3, 2.0),
}
# One report gave only the 95% CI of the control group's mean pain: its SD is derived,
# as the grid's helper does it, and the formula kept beside it.
DERIVED = {
    "Quinn 2016": (
        "sd_ctrl",
        {"method": "sd_from_ci", "inputs": {"lower": 5.32, "upper": 7.48, "n": 20}},
    )
}
# Sleep quality on a 0-3 score (lower is better), in the five studies that measured it.
SLEEP = {
    "Halvorsen 2020": (49, 1.62, 0.68, 51, 1.60, 0.66),
    "Harrow 2012": (40, 1.87, 0.64, 40, 1.91, 0.67),
    "Lindqvist 2019": (71, 1.49, 0.71, 69, 1.50, 0.69),
    "Marchetti 2016": (38, 1.95, 0.66, 38, 1.88, 0.70),
    "Petrov 2017": (45, 1.72, 0.60, 45, 1.74, 0.63),
}
# Study: participants with the event and in the arm, ketamine then control.
NAUSEA = {
    "Fernandes 2011": (5, 30, 2, 30),
    "Halvorsen 2020": (7, 49, 10, 51),
    "Harrow 2012": (6, 40, 2, 40),
    "Ibrahim 2022": (5, 25, 3, 25),
    "Lindqvist 2019": (8, 71, 10, 69),
    "Okonkwo 2010": (8, 35, 2, 35),
    "Petrov 2017": (2, 45, 5, 45),
    "Quinn 2016": (5, 20, 1, 20),
    "Sato 2014": (7, 30, 2, 30),
    "Tanaka 2021": (2, 28, 3, 28),
}
HALLUCINATIONS = {
    "Fernandes 2011": (3, 30, 1, 30),
    "Halvorsen 2020": (5, 49, 7, 51),
    "Harrow 2012": (6, 40, 3, 40),
    "Lindqvist 2019": (6, 71, 7, 69),
    "Okonkwo 2010": (3, 35, 2, 35),
    "Petrov 2017": (2, 45, 3, 45),
    "Quinn 2016": (2, 20, 2, 20),
    "Sato 2014": (4, 30, 2, 30),
    "Tanaka 2021": (2, 28, 3, 28),
}
SEDATION = {
    "Halvorsen 2020": (4, 49, 4, 51),
    "Harrow 2012": (5, 40, 1, 40),
    "Lindqvist 2019": (0, 71, 6, 69),
    "Okonkwo 2010": (5, 35, 1, 35),
    "Tanaka 2021": (0, 28, 2, 28),
}
CONTINUOUS = (
    ("Pain intensity", PAIN, "0–10 NRS", "End of treatment"),
    ("Sleep quality", SLEEP, "0–3 score", "End of treatment"),
)
DICHOTOMOUS = (("Nausea", NAUSEA), ("Hallucinations", HALLUCINATIONS), ("Sedation", SEDATION))


def demo_outcomes(review: Review, lead) -> list[Outcome]:
    """The comparison, its outcomes (pain first) and their invented data, entered in the grid."""
    studies = {study.name: study for study in Study.objects.filter(review=review)}
    comparison = outcomes.comparison_create(
        review=review, name="IV ketamine vs control", experimental="IV ketamine", control="Control"
    )
    created = []
    for name, data, unit, timepoint in CONTINUOUS:
        outcome = outcomes.outcome_create(
            comparison=comparison,
            name=name,
            data_type=DataType.CONTINUOUS,
            measure=EffectMeasure.MD,
            lower_is_better=True,
            unit=unit,
            timepoint=timepoint,
        )
        _enter(outcome, studies, data, lead)
        created.append(outcome)
    for name, data in DICHOTOMOUS:
        outcome = outcomes.outcome_create(
            comparison=comparison,
            name=name,
            data_type=DataType.DICHOTOMOUS,
            measure=EffectMeasure.RR,
            lower_is_better=True,
            timepoint="During treatment",
        )
        _enter(outcome, studies, data, lead)
        created.append(outcome)
    return created


def _enter(outcome: Outcome, studies: dict[str, Study], data: dict, lead) -> None:
    names = field_names(outcome.data_type)
    rows = []
    for name, values in data.items():
        cells = {field: "" if v is None else str(v) for field, v in zip(names, values, strict=True)}
        derivations = {}
        if name in DERIVED and outcome.name == "Pain intensity":
            field, request = DERIVED[name]
            cells[field] = _derived_cell(field, request)
            derivations[field] = request
        rows.append(outcome_data.GridRow(studies[name], cells, derivations=derivations))
    outcome_data.outcome_data_save_grid(outcome=outcome, rows=rows, user=lead)


def _derived_cell(field: str, request: dict) -> str:
    """The derived value as the grid's helper fills it in (rounded; stored in full)."""
    result = outcome_data.derivation_run(field=field, **request)["result"]
    return f"{result:.4f}"
