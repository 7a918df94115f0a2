from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews"

    def ready(self) -> None:
        from . import history
        from .models import (
            DuplicatePair,
            ImportBatch,
            Invitation,
            Label,
            Membership,
            RecordLabel,
            Review,
        )

        history.register(Review, "id")
        history.register(Membership, "review_id")
        history.register(Invitation, "review_id")
        history.register(ImportBatch, "review_id")
        history.register(DuplicatePair, "review_id")
        history.register(Label, "review_id")
        history.register(RecordLabel, "label__review_id")
