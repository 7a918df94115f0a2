"""Give every review that has not picked its risk-of-bias tools the default, RoB 2."""

from django.db import migrations


def default_rob_tools(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    for review in Review.objects.only("pk", "rob_tools"):
        if not review.rob_tools:
            Review.objects.filter(pk=review.pk).update(rob_tools=["rob2"])


class Migration(migrations.Migration):
    dependencies = [
        ("extraction", "0002_default_forms"),
        ("reviews", "0004_extraction_settings"),
    ]

    operations = [migrations.RunPython(default_rob_tools, migrations.RunPython.noop)]
