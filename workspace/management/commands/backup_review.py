import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.models import Review
from workspace.backup.archive import BackupError
from workspace.backup.write import review_backup


class Command(BaseCommand):
    help = (
        "Write the whole of a review (team, records, screening, full texts and their files, "
        "extraction, risk of bias, analyses, history) to a backup that restore_review reads."
    )

    def add_arguments(self, parser):
        parser.add_argument("review", type=int, help="the review's id")
        parser.add_argument("--out", required=True, help="the backup file to write (.zip)")
        parser.add_argument("--force", action="store_true", help="replace FILE if it exists")

    def handle(self, *args, review, out, force, **options):
        found = Review.objects.filter(pk=review).first()
        if found is None:
            raise CommandError(f"No review with id {review}.")
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent} is not a folder.")
        if path.exists() and not force:
            raise CommandError(f"{path} exists: choose another name, or pass --force.")
        # written beside, then renamed: a failed backup never leaves a half file as FILE
        partial = path.with_name(path.name + ".partial")
        try:
            with partial.open("wb") as stream:
                summary = review_backup(review=found, stream=stream)
            os.replace(partial, path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        finally:
            partial.unlink(missing_ok=True)
        for missing in summary.missing_files:
            self.stderr.write(f"Warning: a file is missing from storage, left out: {missing}")
        self.stdout.write(
            f"Backed up review {found.pk} “{found.title}” to {path}: {summary.rows:,} rows, "
            f"{summary.files} files, {path.stat().st_size:,} bytes."
        )
