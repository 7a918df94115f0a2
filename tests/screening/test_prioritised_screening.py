"""Prioritised screening in the app: the order, the choice, the badge, the stopping check."""

import pytest
from django.urls import reverse

from screening import rankings, services, stopping_checks
from screening.models import (
    PrioritisationSettings,
    Ranking,
    Stage,
    StoppingCheck,
    StoppingResult,
    Verdict,
)
from screening.prioritisation.stopping import sample_size, stopping_test
from tests.reviews.factories import RecordFactory
from tests.screening.labelled import records as labelled

HTMX = {"HTTP_HX_REQUEST": "true"}
TA = Stage.TITLE_ABSTRACT


@pytest.fixture
def records(cast):
    return [
        RecordFactory(review=cast.review, title=row["title"], abstract=row["abstract"])
        for row in labelled()
    ]


@pytest.fixture
def prioritised(cast):
    return PrioritisationSettings.objects.create(review=cast.review, enabled=True, retrain_every=2)


def decide(client, cast, record, verdict):
    url = reverse("screen_decide", args=[cast.review.pk, "title-abstract"])
    response = client.post(url, {"record": record.pk, "verdict": verdict}, **HTMX)
    assert response.status_code == 200
    return response


def run_queued_rankings():
    """What the worker does with every ranking the decisions asked for."""
    for ranking in Ranking.objects.filter(status=Ranking.Status.QUEUED):
        rankings.ranking_run(ranking_id=ranking.pk)


def is_ketamine(record) -> bool:
    return "ketamine" in record.title.lower()


def test_the_next_records_are_the_likely_relevant_ones(client, cast, records, prioritised):
    client.force_login(cast.reviewer1)
    decide(client, cast, records[0], Verdict.EXCLUDE)  # a statin study
    assert is_ketamine(records[4])
    decide(client, cast, records[4], Verdict.INCLUDE)  # the first ketamine trial
    ranking = Ranking.objects.get(reviewer=cast.reviewer1)
    assert (ranking.status, ranking.decisions_at_request) == ("queued", 2)
    run_queued_rankings()
    ranking.refresh_from_db()
    assert (ranking.status, ranking.included, ranking.excluded, ranking.ranked) == (
        "done",
        1,
        1,
        58,
    )
    assert ranking.model.startswith("TF-IDF") and ranking.settings["retrain"]["every"] == 2
    shown = []
    for _ in range(11):
        card = client.get(reverse("screen", args=[cast.review.pk, "title-abstract"]))
        shown.append(card.context["record"])
        decide(client, cast, shown[-1], Verdict.INCLUDE)
        run_queued_rankings()
    assert all(is_ketamine(record) for record in shown), [r.title for r in shown]


def test_until_an_include_and_an_exclude_exist_the_reviews_order_applies(
    client, cast, records, prioritised
):
    client.force_login(cast.reviewer1)
    decide(client, cast, records[0], Verdict.EXCLUDE)
    response = decide(client, cast, records[1], Verdict.EXCLUDE)
    assert not Ranking.objects.exists()
    assert response.context["record"] == records[2]  # import order


def test_a_reviewer_can_choose_the_reviews_order(client, cast, records, prioritised):
    client.force_login(cast.reviewer1)
    decide(client, cast, records[0], Verdict.EXCLUDE)
    decide(client, cast, records[4], Verdict.INCLUDE)
    run_queued_rankings()
    page = client.get(reverse("screen", args=[cast.review.pk, "title-abstract"]))
    assert 'id="order-choice"' in page.content.decode()
    assert is_ketamine(page.context["record"]) and page.context["record"] != records[9]
    url = reverse("screen_order", args=[cast.review.pk, "title-abstract"])
    assert client.post(url, {"order": "review"}).status_code == 302
    page = client.get(reverse("screen", args=[cast.review.pk, "title-abstract"]))
    assert page.context["record"] == records[1]
    assert client.post(url, {"order": "sideways"}).status_code == 302
    assert rankings.screener_order(cast.review, cast.reviewer1) == "review"


def test_the_order_choice_is_not_offered_when_prioritisation_is_off(client, cast, records):
    client.force_login(cast.reviewer1)
    page = client.get(reverse("screen", args=[cast.review.pk, "title-abstract"]))
    assert 'id="order-choice"' not in page.content.decode()


def test_the_badge_shows_only_when_the_lead_turns_it_on(client, cast, records, prioritised):
    client.force_login(cast.reviewer1)
    decide(client, cast, records[0], Verdict.EXCLUDE)
    decide(client, cast, records[4], Verdict.INCLUDE)
    run_queued_rankings()
    url = reverse("screen", args=[cast.review.pk, "title-abstract"])
    assert 'id="relevance-badge"' not in client.get(url).content.decode()
    prioritised.show_badge = True
    prioritised.save()
    text = client.get(url).content.decode()
    assert "Relevance: #1 of 58" in text
    assert "because of:" in text and "ketamine" in text.split('id="relevance-badge"')[1][:400]


def test_a_ranking_learns_from_resolutions_and_my_own_votes_only(cast, records, prioritised):
    for record, verdict in ((records[0], Verdict.EXCLUDE), (records[4], Verdict.INCLUDE)):
        services.decision_record(record=record, reviewer=cast.reviewer1, stage=TA, verdict=verdict)
    # Carol has one vote of her own, and Bob's two votes are not resolved.
    assert rankings._labels(cast.review, cast.reviewer2) == {}
    services.decision_record(
        record=records[0], reviewer=cast.reviewer2, stage=TA, verdict=Verdict.EXCLUDE
    )
    services.decision_record(
        record=records[9], reviewer=cast.reviewer2, stage=TA, verdict=Verdict.INCLUDE
    )
    # records[0] is resolved (both excluded); records[9] is Carol's own; records[4] is Bob's.
    assert rankings._labels(cast.review, cast.reviewer2) == {records[0].pk: 0, records[9].pk: 1}


def test_a_failed_ranking_is_recorded_and_the_page_carries_on(client, cast, records, prioritised):
    ranking = Ranking.objects.create(review=cast.review, reviewer=cast.reviewer1)
    rankings.ranking_run(ranking_id=ranking.pk)  # nothing decided: nothing to learn from
    ranking.refresh_from_db()
    assert ranking.status == "failed"
    assert "at least one included and one excluded" in ranking.error
    client.force_login(cast.reviewer1)
    page = client.get(reverse("screen", args=[cast.review.pk, "title-abstract"]))
    assert page.context["record"] == records[0]


def test_the_lead_edits_the_settings_and_reads_every_ranking(client, cast, records, prioritised):
    services.decision_record(
        record=records[0], reviewer=cast.reviewer1, stage=TA, verdict="exclude"
    )
    services.decision_record(
        record=records[4], reviewer=cast.reviewer1, stage=TA, verdict="include"
    )
    run_queued_rankings()
    client.force_login(cast.lead)
    url = reverse("prioritisation", args=[cast.review.pk])
    text = client.get(url).content.decode()
    assert "bob" in text and "1 · 1" in text and "TF-IDF" in text
    data = {"enabled": "on", "retrain_every": "5", "recall_target": "1.5", "confidence": "0.9"}
    page = client.post(url, data)
    assert "Give a fraction between 0 and 1, e.g. 0.95 (not 1.5)." in page.content.decode()
    assert client.post(url, data | {"recall_target": "0.9"}).status_code == 302
    prioritised.refresh_from_db()
    assert (prioritised.retrain_every, prioritised.recall_target) == (5, 0.9)
    client.force_login(cast.reviewer1)
    assert client.get(url).status_code == 403  # the rankings' counts would hint at others' votes


def vote_both(cast, record, verdict):
    for reviewer in (cast.reviewer1, cast.reviewer2):
        services.decision_record(record=record, reviewer=reviewer, stage=TA, verdict=verdict)


def test_a_stopping_check_queues_its_random_sample_first(client, cast, records):
    for record in records[:4]:
        vote_both(cast, record, Verdict.EXCLUDE)
    vote_both(cast, records[4], Verdict.INCLUDE)
    client.force_login(cast.lead)
    assert client.post(reverse("stopping_start", args=[cast.review.pk])).status_code == 302
    check = StoppingCheck.objects.get()
    # 55 records unresolved, 1 relevant found: K_tar = floor(1/0.95 - 1 + 1) = 1.
    assert (check.urn, check.relevant_before) == (55, 1)
    assert check.planned == sample_size(urn=55, relevant_before=1) == 53
    sample = [entry.record for entry in check.sample.all()]
    client.force_login(cast.reviewer2)
    card = client.get(reverse("screen", args=[cast.review.pk, "title-abstract"]))
    assert card.context["record"] == sample[0]
    assert StoppingResult.objects.get().sample_screened == 0
    client.force_login(cast.lead)
    again = client.post(reverse("stopping_start", args=[cast.review.pk]), follow=True)
    assert "A stopping check is already open" in again.content.decode()


def test_the_check_records_the_test_as_its_sample_is_resolved(client, cast, records):
    vote_both(cast, records[0], Verdict.EXCLUDE)
    vote_both(cast, records[4], Verdict.INCLUDE)
    check = stopping_checks.stopping_check_start(review=cast.review, lead=cast.lead)
    sample = [entry.record for entry in check.sample.all()]
    relevant = [record for record in sample if is_ketamine(record)]
    for record in sample[:10]:
        vote_both(cast, record, Verdict.INCLUDE if is_ketamine(record) else Verdict.EXCLUDE)
    state = stopping_checks.check_state(check)
    found = sum(is_ketamine(record) for record in sample[:10])
    expected = stopping_test(urn=58, relevant_before=1, sample_screened=10, sample_relevant=found)
    assert state.test == expected
    assert StoppingResult.objects.filter(stopping_check=check).count() == 11  # 0, 1, ..., 10
    latest = StoppingResult.objects.filter(stopping_check=check).first()
    assert (latest.sample_screened, latest.sample_relevant, latest.p) == (10, found, expected.p)
    assert relevant, "the seed drew no ketamine trial into the sample"


def test_the_dashboard_names_the_method_and_recommends(client, cast, records):
    vote_both(cast, records[0], Verdict.EXCLUDE)
    vote_both(cast, records[4], Verdict.INCLUDE)
    client.force_login(cast.viewer)
    text = client.get(reverse("review_dashboard", args=[cast.review.pk])).content.decode()
    assert 'id="stopping"' in text and "Start a stopping check" in text
    assert "Callaghan MW, Müller-Hansen F." in text and "Systematic Reviews 2020;9:273" in text
    assert reverse("stopping_start", args=[cast.review.pk]) not in text  # the lead's button
    client.force_login(cast.lead)
    text = client.get(reverse("review_dashboard", args=[cast.review.pk])).content.decode()
    assert reverse("stopping_start", args=[cast.review.pk]) in text


def test_a_check_that_finds_relevant_records_asks_for_a_larger_sample(client, cast, records):
    vote_both(cast, records[0], Verdict.EXCLUDE)
    vote_both(cast, records[4], Verdict.INCLUDE)
    check = stopping_checks.stopping_check_start(review=cast.review, lead=cast.lead)
    for entry in check.sample.all():
        vote_both(cast, entry.record, Verdict.INCLUDE if is_ketamine(entry.record) else "exclude")
    state = stopping_checks.check_state(check)
    assert state.sample_open == 0 and state.test.sample_relevant >= 1
    assert state.needs_more and not state.test.stop
    panel = stopping_checks.stopping_panel(cast.review)
    assert panel.recommendation.startswith("Keep screening: the sample found")
    before = check.planned
    client.force_login(cast.lead)
    client.post(reverse("stopping_extend", args=[cast.review.pk]))
    check.refresh_from_db()
    assert check.planned > before or check.planned == check.urn
    client.post(reverse("stopping_close", args=[cast.review.pk]))
    check.refresh_from_db()
    assert check.closed is not None
    assert (
        "For the methods section"
        in client.get(reverse("prioritisation", args=[cast.review.pk])).content.decode()
    )


def test_the_export_s_methods_say_the_stopping_rule(cast, records, prioritised):
    from synthesis.prisma import prisma_flow
    from workspace.exports.methods import methods_markdown
    from workspace.exports.scope import Scope

    vote_both(cast, records[0], Verdict.EXCLUDE)
    vote_both(cast, records[4], Verdict.INCLUDE)
    stopping_checks.stopping_check_start(review=cast.review, lead=cast.lead)
    lead = cast.review.memberships.get(user=cast.lead)
    text = methods_markdown(Scope(cast.review, lead), prisma_flow(cast.review), [], "test")
    assert "Titles and abstracts were screened in prioritised order" in text
    assert "retrained after every 2 new decisions, or after new decisions numbering 5%" in text
    assert "Callaghan" in text and "target recall of 95% at 95% confidence" in text
