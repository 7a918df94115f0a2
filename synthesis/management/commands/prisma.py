"""``python manage.py prisma REVIEW --out FILE``: draw a review's PRISMA 2020 flow diagram."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.models import Review
from synthesis.plots import figure_bytes
from synthesis.plots.prisma import plot_prisma
from synthesis.prisma import prisma_flow

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


class Command(BaseCommand):
    help = "Draw a review's PRISMA 2020 flow diagram from its live counts, as PNG, SVG or PDF."

    def add_arguments(self, parser):
        parser.add_argument("review", type=int, help="the review's id")
        parser.add_argument(
            "--out", required=True, type=Path, help="the file to write: .png, .svg or .pdf"
        )
        parser.add_argument("--dpi", type=int, default=150, help="resolution of a PNG")

    def handle(self, *args, review, out, dpi, **options):
        format = FORMATS.get(out.suffix.lower())
        if format is None:
            raise CommandError(
                f"Cannot tell the format from “{out.suffix or 'no suffix'}” in {out}: "
                "use .png, .svg or .pdf."
            )
        if dpi <= 0:
            raise CommandError(f"--dpi must be a positive number, not {dpi}.")
        found = Review.objects.filter(pk=review).first()
        if found is None:
            raise CommandError(f"No review with id {review}.")
        flow = prisma_flow(found)
        if not flow.identified_by_source:
            raise CommandError(
                f"Review {review} has no records from a database or register yet: nothing to draw."
            )
        data = figure_bytes(plot_prisma(flow), format, dpi=dpi)
        try:
            out.write_bytes(data)
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}.") from None
        identified = sum(flow.identified_by_source.values()) + sum(
            (flow.other_identified or {}).values()
        )
        self.stdout.write(
            f"Wrote {out} ({format.upper()}, {len(data):,} bytes): PRISMA 2020 flow diagram of "
            f"“{found.title}”, {identified:,} records identified, "
            f"{flow.studies_included:,} studies included."
        )
