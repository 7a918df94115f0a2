from datetime import date

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from reviews import selectors, services
from reviews.importers import FORMATS
from reviews.models import ImportBatch, Review, Role, Source


class Command(BaseCommand):
    help = "Import a database export into a review (the import page's job, from the shell)."

    def add_arguments(self, parser):
        parser.add_argument("review", type=int, help="the review's id")
        parser.add_argument("files", nargs="+", help="export files of one search")
        parser.add_argument(
            "--database", required=True, choices=Source.values, help="where the records come from"
        )
        parser.add_argument(
            "--database-name", default="", help="e.g. PsycINFO, for --database database/register"
        )
        parser.add_argument("--interface", default="", help="e.g. PubMed, Ovid, Embase.com")
        parser.add_argument("--search-date", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--strategy-file", help="a text file with the search strategy")
        parser.add_argument("--format", choices=sorted(FORMATS), help="skip format detection")
        parser.add_argument(
            "--user", help="username recorded as importer (default: the review's first lead)"
        )

    def handle(self, *args, review, files, **options):
        review_id, review = review, Review.objects.filter(pk=review).first()
        if review is None:
            raise CommandError(f"No review with id {review_id}.")
        user = self._user(review, options["user"])
        strategy = (
            open(options["strategy_file"], encoding="utf-8").read()
            if options["strategy_file"]
            else ""
        )
        for path in files:
            batch = self._import(review, user, path, strategy, options)
            if batch.status == ImportBatch.Status.FAILED:
                raise CommandError(batch.error)
            self.stdout.write(
                f"{path}: {batch.record_count} records ({batch.format}, {batch.encoding}), {len(batch.warnings)} warnings"
            )
        removed = selectors.duplicates_removed(review)
        total = review.records.count()
        self.stdout.write(
            f"Review {review.pk}: {total} records identified, {removed} duplicates removed, {total - removed} unique"
        )

    def _import(self, review, user, path, strategy, options) -> ImportBatch:
        try:
            with open(path, "rb") as handle:
                batch = services.import_batch_create(
                    review=review,
                    user=user,
                    upload=File(handle, name=path.rsplit("/", 1)[-1]),
                    source=options["database"],
                    source_name=options["database_name"],
                    interface=options["interface"],
                    search_date=options["search_date"],
                    strategy=strategy,
                    format=options["format"] or "",
                )
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        return services.import_batch_run(batch_id=batch.pk)

    def _user(self, review, username):
        memberships = review.memberships.select_related("user")
        membership = (
            memberships.filter(user__username=username).first()
            if username
            else memberships.filter(role=Role.LEAD).first()
        )
        if membership is None:
            raise CommandError(f"{username} is not on review {review.pk}'s team.")
        return membership.user
