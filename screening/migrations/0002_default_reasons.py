from django.db import migrations

DEFAULT_REASONS = (
    "Wrong population",
    "Wrong intervention",
    "Wrong comparator",
    "Wrong outcomes",
    "Wrong study design",
    "Duplicate report",
    "Not retrievable",
    "Other",
)


def add_default_reasons(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    ExclusionReason = apps.get_model("screening", "ExclusionReason")
    for review in Review.objects.filter(exclusion_reasons__isnull=True):
        ExclusionReason.objects.bulk_create(
            ExclusionReason(review=review, label=label, position=i)
            for i, label in enumerate(DEFAULT_REASONS)
        )


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial"), ("reviews", "0003_screening_settings")]

    operations = [migrations.RunPython(add_default_reasons, migrations.RunPython.noop)]
