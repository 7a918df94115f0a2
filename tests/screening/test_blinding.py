"""The blinding canary: nothing reviewer A decided reaches reviewer B before the record is resolved.

Bob (A) decides records with a note and labels carrying a random token. Carol
(B) then fetches every URL of the URL conf (plus the screening page on each of
those records, at both stages), as a page and as an htmx request, before and
after she votes herself. Two checks on every answer:

* the token never appears;
* nothing depends on what Bob decided: the same URLs fetched again with Bob's
  decisions swapped for others (another verdict, reason, note and labels, in a
  transaction that is rolled back) give the same bytes, CSRF tokens aside. So
  neither Bob's verdict nor his name can sit next to the record anywhere;
* nothing depends on whether Bob decided at all: fetched again as if Bob had
  not voted yet (his decisions, and the conflicts they made, taken away), the
  bytes are the same. A swap keeps the conflict rows, so only this catches a
  page that tells "in conflict" from "awaiting the second vote".

The URLs include the records browser with every filter and sort a reviewer is
offered, at both stages, and the story page of every record.
"""

import difflib
import re
import uuid
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.urls import reverse

from reviews.forms import ReviewSettingsForm
from reviews.history import review_history
from reviews.models import Membership, Role
from reviews.services import label_apply
from screening import rankings, services, stopping_checks
from screening.models import Conflict, Decision, PrioritisationSettings, Ranking, Stage, Verdict
from screening.queue import queue_enter
from tests.test_permissions_matrix import PATTERNS, sample_record, site_url, url_for
from workspace.forms import RecordFilterForm

HTMX = {"HTTP_HX_REQUEST": "true"}
# What changes between two fetches of the same page: masked CSRF tokens, "updated a second ago",
# the workers /healthz finds.
NOISE = [
    re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'),
    re.compile(r'("X-CSRFToken": ")[^"]+'),
    re.compile(r"(· updated )[^<]+"),
    # /healthz counts the Celery workers on the broker: other tests' (xdist) come and go
    re.compile(r'("workers": )\{[^}]*\}'),
]
FLIP = {
    Verdict.INCLUDE: Verdict.EXCLUDE,
    Verdict.EXCLUDE: Verdict.INCLUDE,
    Verdict.MAYBE: Verdict.EXCLUDE,
}


def every_url(review, records) -> list[str]:
    """Every routed URL with sample objects, both stages, the screening and story pages of each
    record, and the records browser with each filter."""
    urls = []
    for pattern in PATTERNS:
        if "review_id" not in pattern.pattern.regex.groupindex:
            urls.append(site_url(pattern, review))
            continue
        url = url_for(pattern, review)
        urls.append(url)
        if "stage_slug" in pattern.pattern.regex.groupindex:
            urls.append(url.replace("/title-abstract/", "/full-text/"))
    for slug in ("title-abstract", "full-text"):
        screen = reverse("screen", args=[review.pk, slug])
        urls += [f"{screen}?record={record.pk}" for record in records]
    urls += [record.get_absolute_url() for record in records]
    return list(dict.fromkeys(urls + browser_urls(review)))


def browser_urls(review) -> list[str]:
    """The records browser with every choice of every filter a reviewer's page offers, at both stages."""
    reviewer = Membership.objects.filter(review=review, role=Role.REVIEWER).first()
    form = RecordFilterForm({}, membership=reviewer)
    base = reverse("record_list", args=[review.pk])
    urls = [base + "?show=all"]
    for stage in Stage:
        for name in ("state", "mine", "sort", "show", "label"):
            for value, _ in _flat(form.fields[name].choices):
                if value != "":
                    urls.append(f"{base}?{urlencode({'stage': stage, name: value})}")
    return urls


def _flat(choices):
    for value, label in choices:
        if isinstance(label, list | tuple):
            yield from label
        else:
            yield value, label


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    text = content.decode("utf-8", "replace")
    for pattern in NOISE:
        text = pattern.sub(r"\1…", text)
    return text


def fetch_all(client, urls) -> dict[tuple[str, bool], tuple[int, str]]:
    """Status and body of every URL, as a page and as an htmx request."""
    seen = {}
    for url in urls:
        for htmx in (False, True):
            response = client.get(url, **(HTMX if htmx else {}))
            # /healthz answers 503 when no worker listens (as under CI's real broker), and
            # 200 while another test's worker does: its status is the broker's, not Bob's.
            healthz = url == reverse("healthz")
            assert response.status_code < 500 or healthz, url
            seen[url, htmx] = None if healthz else response.status_code, body(response)
    return seen


@contextmanager
def swapped(decisions, reasons, token: str, retrain=None):
    """Bob's decisions as if he had decided otherwise; rolled back on leaving.

    ``retrain`` then trains Carol's ranking again on the swapped data, so her
    pages show a model that would differ if it had learnt anything from Bob.
    """
    with transaction.atomic():
        for decision in decisions:
            verdict = FLIP[decision.verdict]
            Decision.objects.filter(pk=decision.pk).update(
                verdict=verdict,
                reason=reasons[-1] if verdict == Verdict.EXCLUDE else None,
                note=f"Swapped note {token}",
                labels=[token, "swapped"],
            )
        if retrain:
            retrain()
        yield
        transaction.set_rollback(True)


@contextmanager
def withdrawn(decisions, retrain=None):
    """As if Bob had not voted yet: his decisions, and the conflicts they made, gone; rolled back."""
    with transaction.atomic():
        for decision in decisions:
            Decision.objects.filter(pk=decision.pk).delete()
            stage = {"record_id": decision.record_id, "stage": decision.stage, "resolved": False}
            if Conflict.objects.filter(**stage).delete()[0]:
                queue_enter(record=decision.record, stage=decision.stage)
        if retrain:
            retrain()
        yield
        transaction.set_rollback(True)


def assert_blind(client, urls, bobs_decisions, reasons, token: str, retrain=None) -> int:
    """Carol sees neither the token nor any trace of what Bob decided, nor whether he decided;
    returns the answers checked."""
    seen = fetch_all(client, urls)
    other_token = uuid.uuid4().hex
    with swapped(bobs_decisions, reasons, other_token, retrain):
        counterfactuals = {"his decisions swapped": fetch_all(client, urls)}
    with withdrawn(bobs_decisions, retrain):
        counterfactuals["no decision of his"] = fetch_all(client, urls)
    for key, (status, text) in seen.items():
        assert token not in text, f"Bob's token leaks at {key}"
        for case, counterfactual in counterfactuals.items():
            assert other_token not in counterfactual[key][1], f"Bob's token leaks at {key}"
            if (status, text) != counterfactual[key]:
                diff = difflib.unified_diff(
                    text.splitlines(), counterfactual[key][1].splitlines(), lineterm="", n=1
                )
                raise AssertionError(
                    f"{key} depends on Bob's decisions ({case}):\n" + "\n".join(diff)
                )
    return len(seen)


def decide(client, review, record, verdict: str, stage: str = "title-abstract", **data):
    url = reverse("screen_decide", args=[review.pk, stage])
    return client.post(url, {"record": record.pk, "verdict": verdict, **data}, **HTMX)


@pytest.fixture
def records(cast):
    """Four records; the last one already passed title/abstract, so both reviewers screen its full text."""
    records = [sample_record(cast.review, position) for position in range(4)]
    for reviewer in (cast.reviewer1, cast.reviewer2):
        services.decision_record(
            record=records[3],
            reviewer=reviewer,
            stage=Stage.TITLE_ABSTRACT,
            verdict=Verdict.INCLUDE,
        )
    team = cast.review.records.filter(pk=records[0].pk)
    label_apply(review=cast.review, records=team, name="Team label", user=cast.lead)
    return records


@pytest.fixture
def token() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def bobs_decisions(cast, records, token) -> list[Decision]:
    reasons = list(cast.review.exclusion_reasons.all())
    votes = [
        (records[0], Stage.TITLE_ABSTRACT, Verdict.EXCLUDE, reasons[2]),
        (records[1], Stage.TITLE_ABSTRACT, Verdict.INCLUDE, None),
        (records[2], Stage.TITLE_ABSTRACT, Verdict.MAYBE, None),
        (records[3], Stage.FULL_TEXT, Verdict.EXCLUDE, reasons[4]),
    ]
    return [
        services.decision_record(
            record=record,
            reviewer=cast.reviewer1,
            stage=stage,
            verdict=verdict,
            reason=reason,
            note=f"Bob thinks {token}",
            labels=[token, "bob-label"],
        )
        for record, stage, verdict, reason in votes
    ]


def run_queued_rankings() -> None:
    for ranking in Ranking.objects.filter(status=Ranking.Status.QUEUED):
        rankings.ranking_run(ranking_id=ranking.pk)


@pytest.fixture
def prioritisation(request, cast, records, bobs_decisions):
    """With prioritisation on: Bob's model learnt from his votes, the badge shown, a stopping check open.

    Gives the records added for the rankings to rank (none when off).
    """
    if not request.param:
        return []
    # Texts a model can tell apart, so a ranking that learnt Bob's votes would rank differently.
    extra = [sample_record(cast.review, 10 + i) for i in range(3)]
    titles = [
        "Ketamine infusion trial",
        "Statin trial in the elderly",
        "Ketamine and statin cohort",
        "Statin and ketamine survey",
        "Ketamine infusion for chronic pain",
        "Statins for the elderly",
        "Ketamine trial and sleep",
    ]
    for record, title in zip([*records, *extra], titles, strict=True):
        record.title = record.abstract = title
        record.save()
    PrioritisationSettings.objects.create(
        review=cast.review, enabled=True, retrain_every=1, show_badge=True
    )
    rankings.ranking_request(review=cast.review, reviewer=cast.reviewer1)
    run_queued_rankings()
    assert Ranking.objects.get(reviewer=cast.reviewer1).status == "done"
    stopping_checks.stopping_check_start(review=cast.review, lead=cast.lead)
    return extra


@pytest.mark.parametrize(
    "prioritisation", [False, True], indirect=True, ids=["plain", "prioritised"]
)
def test_it_shows_carol_nothing_of_bobs_decisions_until_resolved(
    client, cast, records, bobs_decisions, token, prioritisation
):
    review, reasons = cast.review, list(cast.review.exclusion_reasons.all())
    urls = every_url(review, records + prioritisation)
    client.force_login(cast.reviewer2)

    checked = assert_blind(client, urls, bobs_decisions, reasons, token)

    answers = [
        decide(client, review, records[0], Verdict.INCLUDE),
        decide(client, review, records[1], "nonsense"),  # the card comes back with an error
        decide(client, review, records[1], Verdict.EXCLUDE),
        client.post(reverse("screen_undo", args=[review.pk, "title-abstract"]), **HTMX),
        decide(client, review, records[1], Verdict.EXCLUDE),
        decide(client, review, records[3], Verdict.INCLUDE, stage="full-text"),
        client.post(
            reverse("screen_skip", args=[review.pk, "title-abstract"]),
            {"record": records[2].pk},
            **HTMX,
        ),
    ]
    for answer in answers:
        assert answer.status_code == 200
        text = body(answer)
        assert 'id="card"' in text
        assert token not in text
        assert "bob" not in text and "other-decisions" not in text
    assert (
        Conflict.objects.filter(
            record__in=[records[0], records[1], records[3]], resolved=False
        ).count()
        == 3
    )
    retrain = None
    if prioritisation:  # Carol's own ranking, from her own votes, orders her queue from now on
        run_queued_rankings()
        mine = rankings.latest_ranking(review, cast.reviewer2)
        # Her include and exclude, and the record both passed at title/abstract; none of Bob's.
        assert mine is not None and (mine.included, mine.excluded) == (2, 1)

        def retrain():
            again = Ranking.objects.create(review=review, reviewer=cast.reviewer2)
            assert rankings.ranking_run(ranking_id=again.pk).status == "done"

    checked += assert_blind(client, urls, bobs_decisions, reasons, token, retrain)

    for record, stage in ((records[0], "ta"), (records[1], "ta"), (records[3], "ft")):
        reason = reasons[0] if stage == "ft" else None
        services.conflict_resolve(
            record=record, stage=stage, verdict=Verdict.EXCLUDE, reason=reason, lead=cast.lead
        )
    resolved = fetch_all(client, urls)  # the page may show the resolution now; it must still work
    assert len(resolved) == len(urls) * 2
    print(
        f"blinding canary: {len(urls)} URLs x 2 (page, htmx) x 2 states x 3 (as is, swapped, withdrawn) = {checked * 3} answers"
    )


def test_it_shows_bobs_decision_when_the_lead_turns_blinding_off(
    client, cast, records, bobs_decisions, token
):
    reasons = list(cast.review.exclusion_reasons.all())
    client.force_login(cast.lead)
    form = ReviewSettingsForm(instance=cast.review)
    values = {name: form[name].value() for name in form.fields}
    data = {
        name: value
        for name, value in values.items()
        if value is not None and not isinstance(value, bool)
    }
    data |= {name: "on" for name, value in values.items() if value is True and name != "blinding"}
    assert client.post(reverse("review_settings", args=[cast.review.pk]), data).status_code == 302
    cast.review.refresh_from_db()
    assert cast.review.blinding is False
    entry = review_history(cast.review)[0]
    assert (entry.who, entry.action) == ("alice", "changed")
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("blinding", "on", "off")]

    client.force_login(cast.reviewer2)
    with pytest.raises(AssertionError, match="depends on Bob's decisions"):
        assert_blind(client, every_url(cast.review, records), bobs_decisions, reasons, token)
    url = reverse("screen", args=[cast.review.pk, "title-abstract"]) + f"?record={records[0].pk}"
    text = client.get(url).content.decode()
    assert re.search(r'id="other-decisions".*bob: Exclude \(Wrong comparator\)', text, re.S)


def conflict_card(text: str, record) -> str:
    match = re.search(rf'id="conflict-{record.pk}".*?<form', text, re.S)
    assert match, f"no conflict card for record {record.pk}"
    return match.group(0)


@pytest.mark.parametrize("lead_sees_voters", [True, False])
def test_the_conflicts_page_names_voters_only_when_the_review_says_so(
    client, cast, records, bobs_decisions, lead_sees_voters
):
    cast.review.lead_sees_voters = lead_sees_voters
    cast.review.save()
    for record, verdict in ((records[0], Verdict.INCLUDE), (records[1], Verdict.EXCLUDE)):
        services.decision_record(
            record=record, reviewer=cast.reviewer2, stage=Stage.TITLE_ABSTRACT, verdict=verdict
        )
    client.force_login(cast.lead)
    text = client.get(reverse("conflict_list", args=[cast.review.pk])).content.decode()
    cards = [conflict_card(text, record) for record in records[:2]]
    for card in cards:
        assert ("bob" in card and "carol" in card) is lead_sees_voters
        assert ("Reviewer 1" in card) is not lead_sees_voters
    if not lead_sees_voters:
        # Bob excluded the first and included the second: an order by name would tell who is who.
        verdicts = [re.findall(r"Reviewer \d+:\s*<span[^>]*>(\w+)", card) for card in cards]
        assert verdicts[0] == verdicts[1]
