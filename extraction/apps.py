from django.apps import AppConfig


class ExtractionConfig(AppConfig):
    name = "extraction"
    verbose_name = "Extraction"

    def ready(self) -> None:
        from reviews import history

        from . import models

        for model, lookup in (
            (models.Study, "review_id"),
            (models.ExtractionEntry, "study__review_id"),
            (models.Comparison, "review_id"),
            (models.Outcome, "comparison__review_id"),
            (models.OutcomeData, "outcome__comparison__review_id"),
            (models.RobAssessment, "study__review_id"),
        ):
            history.register(model, lookup)
