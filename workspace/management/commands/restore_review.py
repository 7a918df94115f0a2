from django.core.management.base import BaseCommand, CommandError

from workspace.backup.archive import BackupError
from workspace.backup.restore import review_restore


class Command(BaseCommand):
    help = (
        "Restore a review from a file backup_review wrote, as a new review of this instance "
        "(all or nothing; users are matched by username)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup file (.zip)")

    def handle(self, *args, file, **options):
        try:
            summary = review_restore(path=file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        review = summary.review
        rows = sum(summary.counts.values())
        self.stdout.write(
            f"Restored review {review.pk} “{review.title}”: {summary.counts['reviews.Record']:,} "
            f"records, {rows:,} rows, {summary.files} files."
        )
        if summary.users_matched:
            self.stdout.write(
                "Users matched by username: " + ", ".join(summary.users_matched) + "."
            )
        for username in summary.users_created:
            self.stdout.write(
                f"Created user {username} without a usable password: set one with "
                f"`python manage.py changepassword {username}`, or they can reset it by e-mail."
            )
        for note in summary.notes:
            self.stdout.write(f"Note: {note}.")
        self.stdout.write(f"Open it at {review.get_absolute_url()}")
