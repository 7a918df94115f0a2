from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self) -> None:
        from reviews import history
        from reviews.signals import records_imported

        from . import models
        from .queue import queue_imported_records

        for model, lookup in (
            (models.ExclusionReason, "review_id"),
            (models.Decision, "record__review_id"),
            (models.Resolution, "record__review_id"),
            (models.FullText, "record__review_id"),
        ):
            history.register(model, lookup)
        records_imported.connect(queue_imported_records, dispatch_uid="screening-queue-imports")
