"""``python manage.py run_analysis ID`` or ``--all REVIEW``: run analyses in this process."""

from django.core.management.base import BaseCommand, CommandError

from synthesis.models import Analysis
from synthesis.reporting import result_line
from synthesis.services import analysis_run


class Command(BaseCommand):
    help = "Run one analysis (or all of a review's) in this process and print the pooled result."

    def add_arguments(self, parser):
        parser.add_argument("analysis_id", nargs="?", type=int)
        parser.add_argument("--all", dest="review", type=int, metavar="REVIEW")

    def handle(self, *args, analysis_id=None, review=None, **options):
        if (analysis_id is None) == (review is None):
            raise CommandError("Give an analysis id, or --all REVIEW_ID.")
        if review is not None:
            ids = list(Analysis.objects.filter(review_id=review).values_list("pk", flat=True))
            if not ids:
                raise CommandError(f"Review {review} has no analyses.")
        else:
            if not Analysis.objects.filter(pk=analysis_id).exists():
                raise CommandError(f"There is no analysis {analysis_id}.")
            ids = [analysis_id]
        failed = 0
        for pk in ids:
            analysis = analysis_run(analysis_id=pk)
            failed += analysis.status == Analysis.Status.FAILED
            self.stdout.write(result_line(analysis))
        if failed:
            raise CommandError(f"{failed} of {len(ids)} analyses failed.")
