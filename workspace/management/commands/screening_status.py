from django.core.management.base import BaseCommand, CommandError

from reviews.models import Review
from screening import selectors
from screening.models import Stage
from synthesis.prisma import prisma_flow


class Command(BaseCommand):
    help = "Print a review's screening counts per stage and the PRISMA 2020 screening figures."

    def add_arguments(self, parser):
        parser.add_argument("review", type=int, help="the review's id")

    def handle(self, *args, review, **options):
        found = Review.objects.filter(pk=review).first()
        if found is None:
            raise CommandError(f"No review with id {review}.")
        self.stdout.write(found.title)
        for stage in Stage:
            c = selectors.stage_counts(found, stage)
            self.stdout.write(
                f"{stage.label}: {c.records} records, {c.decisions} decisions, {c.resolved} resolved "
                f"({c.included} onward, {c.excluded} excluded), {c.conflicts} open conflicts, "
                f"{c.records - c.resolved - c.conflicts} still to screen"
            )
        p = prisma_flow(found)
        self.stdout.write(
            f"PRISMA: screened {p.records_screened}, excluded {p.records_excluded}; "
            f"sought {p.reports_sought}, not retrieved {p.reports_not_retrieved}; "
            f"assessed {p.reports_assessed}, excluded {sum(p.reports_excluded.values())}; "
            f"studies included {p.studies_included} ({p.reports_included} reports)"
        )
        for label, n in p.reports_excluded.items():
            self.stdout.write(f"  excluded at full text, {label}: {n}")
        for stage in Stage:
            for pair in selectors.agreement_by_pair(found, stage):
                a = pair.agreement
                kappa = (
                    "undefined"
                    if a.kappa is None
                    else f"{a.kappa:.2f} ({a.ci_lower:.2f} to {a.ci_upper:.2f})"
                )
                self.stdout.write(
                    f"Agreement {stage.label}, {pair.first} & {pair.second}: {a.n} records, {a.percent:.1f}%, kappa {kappa}"
                )
