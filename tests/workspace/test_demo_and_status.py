"""The demo's screening, as the dashboard, the PRISMA page, the Studies page, the analyses and
``screening_status`` show it: the same numbers everywhere.

The expected numbers are worked out from the demo's construction
(``screening/demo.py``, ``reviews/demo_data/README.md``), not read back from it:

- 58 unique papers. Title/abstract: 53 have both reviewers' votes (106 decisions), 2 one
  vote (papers 30 and 32): 108 decisions. 48 agreed (24 include, 24 exclude) and the lead
  settled 2 conflicts (18 included, 45 excluded): 50 resolved, 25 onward and 25 excluded.
  3 conflicts stay open (26, 27, 28) and 5 papers wait (29 to 33): 8 awaiting.
- Full text: 25 sought, 1 not retrieved (24). Both reviewers voted on 23 (16 agreed
  includes, 4 agreed excludes with one reason, 8 with two reasons, 3 and 10 split), one
  on paper 25: 47 decisions. The lead settled 3 (include) and 8 (wrong study design);
  10 stays open: 22 assessed, 17 included, 5 excluded (wrong outcomes 6 and 22, wrong
  population 9, wrong intervention 23, wrong study design 8), 2 awaiting (10, 25).
- The 17 included reports make 16 studies: paper 12 reports on the trial of paper 2.
"""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from extraction.models import Study
from reviews.models import Review
from screening import selectors
from screening.models import Stage
from synthesis.models import Analysis
from synthesis.prisma import prisma_flow
from workspace.demo import DEMO_TITLE


def kappa(table: dict[tuple[str, str], int]) -> tuple[float, float]:
    """Percent agreement and Cohen's kappa of a table of (first, second) verdict counts."""
    n = sum(table.values())
    verdicts = {v for pair in table for v in pair}
    observed = sum(table.get((v, v), 0) for v in verdicts) / n
    first = {v: sum(k for (a, _), k in table.items() if a == v) / n for v in verdicts}
    second = {v: sum(k for (_, b), k in table.items() if b == v) / n for v in verdicts}
    expected = sum(first[v] * second[v] for v in verdicts)
    return 100 * observed, (observed - expected) / (1 - expected)


# The reviewers' verdict pairs on the records both screened, from screening/demo.py.
TITLE_ABSTRACT_PAIRS = {
    ("include", "include"): 24,
    ("exclude", "exclude"): 24,
    ("maybe", "include"): 1,
    ("include", "exclude"): 2,
    ("maybe", "exclude"): 1,
    ("maybe", "maybe"): 1,
}
FULL_TEXT_PAIRS = {("include", "include"): 16, ("exclude", "exclude"): 5, ("include", "exclude"): 2}


def test_the_demo_has_decisions_conflicts_and_full_texts_that_agree_everywhere(client, db):
    call_command("demo")
    review = Review.objects.get(title=DEMO_TITLE)
    ta = selectors.stage_counts(review, Stage.TITLE_ABSTRACT)
    assert (ta.records, ta.decisions, ta.resolved, ta.conflicts) == (58, 108, 50, 3)
    ft = selectors.stage_counts(review, Stage.FULL_TEXT)
    assert (ft.decisions, ft.resolved, ft.conflicts) == (47, 22, 1)
    prisma = prisma_flow(review)
    assert prisma.identified_by_source == {"MEDLINE": 48, "Embase": 49, "Cochrane CENTRAL": 26}
    assert prisma.duplicates_removed == 123 - 58
    assert (prisma.records_screened, prisma.records_excluded, prisma.reports_sought) == (50, 25, 25)
    assert (prisma.reports_not_retrieved, prisma.reports_assessed) == (1, 22)
    assert prisma.reports_excluded == {
        "Wrong intervention": 1,
        "Wrong outcomes": 2,
        "Wrong population": 1,
        "Wrong study design": 1,
    }
    assert (prisma.studies_included, prisma.reports_included) == (16, 17)
    assert (prisma.records_awaiting, prisma.reports_awaiting) == (8, 2)

    client.force_login(review.memberships.get(role="lead").user)
    studies = client.get(reverse("study_list", args=[review.pk])).context["studies"]
    assert len(studies) == 16 and all(study.reports.exists() for study in studies)
    assert sorted(s.reports.count() for s in studies) == [1] * 15 + [2]  # Sato 2014 has two
    assert client.get(reverse("study_list", args=[review.pk])).context["waiting"] == 0
    dashboard = client.get(review.get_absolute_url())
    counts = {stage.key: stage.count for stage in dashboard.context["pipeline"]}
    assert (counts["screened"], counts["full_text"], counts["included"]) == (50, 22, 16)
    assert (counts["extracted"], counts["analysed"]) == (16, 5)  # and the RevMan 5 draft
    diagram = client.get(reverse("prisma_diagram", args=[review.pk])).context["flow"]
    assert (diagram.studies_included, diagram.reports_included) == (16, 17)
    names = set(Study.objects.filter(review=review).values_list("name", flat=True))
    for analysis in Analysis.objects.filter(review=review, status=Analysis.Status.DONE):
        analysed = {s["label"] for s in analysis.results["studies"]}
        assert analysed <= names, analysis.name
    pain = Analysis.objects.get(review=review, name="Pain intensity").results
    assert {s["label"] for s in pain["studies"]} == names


def test_screening_status_prints_the_counts(db, capsys):
    call_command("demo")
    review = Review.objects.get(title=DEMO_TITLE)
    call_command("screening_status", str(review.pk))
    out = capsys.readouterr().out
    assert (
        "Title and abstract: 58 records, 108 decisions, 50 resolved (25 onward, 25 excluded), "
        "3 open conflicts, 5 still to screen" in out
    )
    assert (
        "PRISMA: screened 50, excluded 25; sought 25, not retrieved 1; assessed 22, excluded 5; "
        "studies included 16 (17 reports)" in out
    )
    percent, ta_kappa = kappa(TITLE_ABSTRACT_PAIRS)
    assert sum(TITLE_ABSTRACT_PAIRS.values()) == 53
    assert (
        "Agreement Title and abstract, demo-reviewer1 & demo-reviewer2: "
        f"53 records, {percent:.1f}%, kappa {ta_kappa:.2f}" in out
    )
    percent, ft_kappa = kappa(FULL_TEXT_PAIRS)
    assert (
        "Agreement Full text, demo-reviewer1 & demo-reviewer2: "
        f"23 records, {percent:.1f}%, kappa {ft_kappa:.2f}" in out
    )
    with pytest.raises(CommandError, match="No review with id 999"):
        call_command("screening_status", "999")
