from django.apps import AppConfig


class SynthesisConfig(AppConfig):
    name = "synthesis"
    verbose_name = "Synthesis"

    def ready(self) -> None:
        from reviews import history

        from .models import Analysis

        history.register(Analysis, "review_id")
