import pytest
from django.core.management import CommandError, call_command

from reviews.models import Review
from screening import selectors
from screening.models import Stage
from synthesis.prisma import prisma_flow
from workspace.demo import DEMO_TITLE


def test_the_demo_has_decisions_conflicts_and_full_texts(db):
    call_command("demo")
    review = Review.objects.get(title=DEMO_TITLE)
    ta = selectors.stage_counts(review, Stage.TITLE_ABSTRACT)
    assert (ta.records, ta.decisions, ta.resolved, ta.conflicts) == (14, 20, 7, 3)
    prisma = prisma_flow(review)
    assert (prisma.records_screened, prisma.records_excluded, prisma.reports_sought) == (7, 2, 5)
    assert (prisma.reports_not_retrieved, prisma.reports_assessed, prisma.reports_included) == (
        1,
        2,
        1,
    )
    assert prisma.reports_excluded == {"Wrong population": 1}
    assert selectors.stage_counts(review, Stage.FULL_TEXT).conflicts == 1


def test_screening_status_prints_the_counts(db, capsys):
    call_command("demo")
    review = Review.objects.get(title=DEMO_TITLE)
    call_command("screening_status", str(review.pk))
    out = capsys.readouterr().out
    assert (
        "Title and abstract: 14 records, 20 decisions, 7 resolved (5 onward, 2 excluded), 3 open conflicts, 4 still to screen"
        in out
    )
    assert (
        "PRISMA: screened 7, excluded 2; sought 5, not retrieved 1; assessed 2, excluded 1; "
        "studies included 1 (1 reports)" in out
    )
    assert (
        "Agreement Title and abstract, demo-reviewer1 & demo-reviewer2: 10 records, 70.0%, kappa 0.39"
        in out
    )
    with pytest.raises(CommandError, match="No review with id 999"):
        call_command("screening_status", "999")
