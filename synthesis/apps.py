from django.apps import AppConfig


class SynthesisConfig(AppConfig):
    name = "synthesis"
    verbose_name = "Synthesis"

    def ready(self) -> None:
        from reviews import history

        from .models import Analysis

        # A run moves status and hash several times; the page shows the status changes.
        history.register(Analysis, "review_id", hidden=("input_hash", "attempts"))
