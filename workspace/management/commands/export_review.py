from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews.models import Membership, Review
from workspace.exports.bundle import PARTS
from workspace.services import export_write


class Command(BaseCommand):
    help = (
        "Write a review's export bundle (data, analyses, figures, references, RevMan, PRISMA, "
        "reproduction scripts, methods.md, manifest.json) to a zip file."
    )

    def add_arguments(self, parser):
        parser.add_argument("review", type=int, help="the review's id")
        parser.add_argument("--out", required=True, help="the zip file to write")
        parser.add_argument(
            "--as", dest="username", default="",
            help="export as this member sees the review (default: the whole review)",
        )  # fmt: skip
        parser.add_argument(
            "--parts", default=",".join(PARTS), help=f"comma-separated, of: {', '.join(PARTS)}"
        )

    def handle(self, *args, review, out, username, parts, **options):
        found = Review.objects.filter(pk=review).first()
        if found is None:
            raise CommandError(f"No review with id {review}.")
        chosen = [part.strip() for part in parts.split(",") if part.strip()]
        if unknown := [part for part in chosen if part not in PARTS]:
            raise CommandError(f"Unknown part {unknown[0]!r}; choose from {', '.join(PARTS)}.")
        membership = None
        if username:
            membership = Membership.objects.filter(review=found, user__username=username).first()
            if membership is None:
                raise CommandError(f"{username!r} is not on the team of review {review}.")
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent} is not a folder.")
        with path.open("wb") as stream:
            files = export_write(
                review=found, stream=stream, membership=membership, parts=chosen,
                progress=lambda percent, step: self.stderr.write(f"{percent:3d}% {step}"),
            )  # fmt: skip
        self.stdout.write(f"Wrote {path} ({len(files)} files, {path.stat().st_size:,} bytes).")
