"""Give every review without an extraction form the default one (version 1).

The form is a frozen copy of ``extraction.services.form_builder.DEFAULT_FORM``
as it was when this migration was written.
"""

from django.db import migrations
from django.utils.text import slugify

DEFAULT_FORM = [
    (
        "Methods",
        [
            (
                "Study design",
                "single_choice",
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
            ("Country", "short_text", {}),
            ("Setting", "short_text", {"help_text": "e.g. outpatient pain clinic, inpatients."}),
            ("Recruitment period starts", "date", {}),
        ],
    ),
    (
        "Participants",
        [
            ("Number randomised", "integer", {"required": True}),
            ("Age, mean", "number", {"unit": "years"}),
            ("Women", "integer", {"help_text": "Number of women randomised."}),
            ("Inclusion criteria", "long_text", {}),
        ],
    ),
    (
        "Interventions",
        [
            ("Intervention details", "long_text", {"help_text": "Drug, route, schedule."}),
            ("Dose", "number", {"unit": "mg/kg/h"}),
            ("Duration of treatment", "number", {"unit": "days"}),
        ],
    ),
    ("Comparators", [("Comparator", "long_text", {"help_text": "Placebo, usual care, ..."})]),
    (
        "Outcomes",
        [
            (
                "Outcomes measured",
                "multiple_choice",
                {"choices": ["Pain intensity", "Sleep quality", "Adverse events", "Other"]},
            ),
            ("Follow-up", "number", {"unit": "weeks"}),
        ],
    ),
    (
        "Funding",
        [
            (
                "Funding source",
                "single_choice",
                {"choices": ["Industry", "Public", "Mixed", "None", "Not reported"]},
            ),
            ("Conflicts of interest declared", "yes_no", {}),
        ],
    ),
    ("Notes", [("Notes", "long_text", {})]),
]


def add_default_forms(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    ExtractionForm = apps.get_model("extraction", "ExtractionForm")
    FormSection = apps.get_model("extraction", "FormSection")
    FormField = apps.get_model("extraction", "FormField")
    for review in Review.objects.filter(extraction_forms__isnull=True):
        form = ExtractionForm.objects.create(review=review, version=1, created_by=None)
        for position, (title, fields) in enumerate(DEFAULT_FORM):
            section = FormSection.objects.create(form=form, title=title, position=position)
            for index, (label, type, options) in enumerate(fields):
                key = slugify(label).replace("-", "_")
                FormField.objects.create(
                    section=section, key=key, label=label, type=type, position=index, **options
                )


class Migration(migrations.Migration):
    dependencies = [("extraction", "0001_initial")]

    operations = [migrations.RunPython(add_default_forms, migrations.RunPython.noop)]
