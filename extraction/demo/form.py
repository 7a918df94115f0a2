"""The demo review's own extraction form, made for its ketamine question.

A real team adapts the default form (``extraction.services.form_builder
.DEFAULT_FORM``) to its review; the demo shows the result: a dose in mg/kg/h,
the outcomes the question names, the pain clinic as a setting.
"""

from reviews.models import Review

from ..models import ExtractionForm, FieldType
from ..services.form_builder import FormSpec, extraction_form_create

T = FieldType

DEMO_FORM: FormSpec = [
    (
        "Methods",
        [
            (
                "Study design",
                T.SINGLE_CHOICE,
                {
                    "required": True,
                    "choices": [
                        "Parallel-group RCT",
                        "Cross-over RCT",
                        "Cluster RCT",
                        "Non-randomised controlled study",
                        "Other",
                    ],
                },
            ),
            ("Country", T.SHORT_TEXT, {}),
            ("Setting", T.SHORT_TEXT, {"help_text": "e.g. outpatient pain clinic, inpatients."}),
            ("Recruitment period starts", T.DATE, {}),
        ],
    ),
    (
        "Participants",
        [
            ("Number randomised", T.INTEGER, {"required": True}),
            ("Age, mean", T.NUMBER, {"unit": "years"}),
            ("Women", T.INTEGER, {"help_text": "Number of women randomised."}),
            ("Inclusion criteria", T.LONG_TEXT, {}),
        ],
    ),
    (
        "Interventions",
        [
            ("Intervention details", T.LONG_TEXT, {"help_text": "Drug, route, schedule."}),
            ("Dose", T.NUMBER, {"unit": "mg/kg/h"}),
            ("Duration of treatment", T.NUMBER, {"unit": "days"}),
        ],
    ),
    ("Comparators", [("Comparator", T.LONG_TEXT, {"help_text": "Placebo, usual care, ..."})]),
    (
        "Outcomes",
        [
            (
                "Outcomes measured",
                T.MULTIPLE_CHOICE,
                {"choices": ["Pain intensity", "Sleep quality", "Adverse events", "Other"]},
            ),
            ("Follow-up", T.NUMBER, {"unit": "weeks"}),
        ],
    ),
    (
        "Funding",
        [
            (
                "Funding source",
                T.SINGLE_CHOICE,
                {"choices": ["Industry", "Public", "Mixed", "None", "Not reported"]},
            ),
            ("Conflicts of interest declared", T.YES_NO, {}),
        ],
    ),
    ("Notes", [("Notes", T.LONG_TEXT, {})]),
]


def demo_form(review: Review, lead) -> ExtractionForm:
    """The lead replaces the default form with the demo's own, as its next version."""
    return extraction_form_create(review=review, user=lead, spec=DEMO_FORM)
