"""The records browser and a record's story page, used the way their pages are: every
request below is built from the form the page rendered."""

import re

import pytest
from django.urls import reverse

from extraction.models import Study
from reviews.models import DuplicatePair, Label, RecordLabel
from screening.models import Decision, Resolution
from tests.screening.standing_records import standing_records
from tests.support.html_forms import rendered_form

ROLES = ["lead", "reviewer", "viewer"]


@pytest.fixture
def made(cast):
    made = standing_records(cast)
    study = Study.objects.create(review=cast.review, name="Quinn 2016")
    study.reports.add(made.final)
    return made


def list_url(cast) -> str:
    return reverse("record_list", args=[cast.review.pk])


def shown(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-record="(\d+)"', response.content.decode())]


def pks(*records) -> list[int]:
    return sorted(record.pk for record in records)


def test_a_filter_chosen_from_the_rendered_choices_shows_those_records(client, cast, made):
    client.force_login(cast.lead)
    form = rendered_form(client.get(list_url(cast)), "filter")
    assert form.method == "get"
    data = form.payload(state=form.option("state", "In conflict"))
    response = client.get(list_url(cast), data)
    assert shown(response) == [made.conflict.pk]
    data = form.payload(q="ketamine", database=form.option("database", "Embase"))
    assert sorted(shown(client.get(list_url(cast), data))) == pks(made.final)
    data = form.payload(
        stage=form.option("stage", "Full text"),
        state=form.option("state", "Full text not retrieved"),
    )
    assert shown(client.get(list_url(cast), data)) == [made.not_retrieved.pk]
    reason = form.option("state", "Wrong population")
    assert shown(client.get(list_url(cast), form.payload(state=reason))) == [made.excluded.pk]
    data = form.payload(
        sort=form.option("sort", "Newest first"), show=form.option("show", "All imported")
    )
    assert shown(client.get(list_url(cast), data))[:2] == [made.duplicate.pk, made.final.pk]


@pytest.mark.parametrize("role", ROLES)
def test_every_choice_the_page_renders_is_accepted(client, cast, made, role):
    client.force_login(cast.member(role))
    form = rendered_form(client.get(list_url(cast)), "filter")
    assert form.options, "the filter renders no choices"
    for name, options in form.options.items():
        for value, label in options:
            response = client.get(list_url(cast), form.payload(**{name: value}))
            assert response.status_code == 200
            assert not response.context["form"].errors, (name, label)


def test_a_blinded_reviewer_is_offered_no_state_that_tells_votes_apart(client, cast, made):
    client.force_login(cast.reviewer2)
    page = client.get(list_url(cast))
    labels = [label for _, label in rendered_form(page, "filter").options["state"]]
    assert "Not resolved yet" in labels
    assert "In conflict" not in labels and "Awaiting screening" not in labels
    assert 'id="bulk"' not in page.content.decode()
    response = client.get(list_url(cast), {"state": "conflict"})
    assert shown(response) == []
    assert "Select a valid choice" in response.content.decode()
    unresolved = client.get(list_url(cast), {"state": "unresolved"})
    assert sorted(shown(unresolved)) == pks(made.awaiting, made.half, made.conflict)
    text = unresolved.content.decode()
    assert "In conflict" not in text and "votes" not in text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "params",
    [
        {"q": "\x00"},
        {"q": "ket\x00amine", "page": "2"},
        {"page": "99999999999999999999"},
        {"page": "-5"},
        {"page": "²"},
        {"page": "1" * 5000},
        {"batch": "99999999999999999999"},
        {"batch": "-1", "label": "abc", "database": "\x00", "state": "reason-x"},
        {"label": "99999999999999999999", "sort": "id; DROP TABLE", "stage": ["ta", "ft"]},
        {"show": "\x00", "mine": "\x00", "state": "conflict"},
        {"q": "x" * 10_000},
    ],
)
def test_junk_in_the_query_string_gets_words_never_a_500(client, cast, made, role, params):
    client.force_login(cast.member(role))
    response = client.get(list_url(cast), params)
    nul = next((k for k, v in params.items() if "\x00" in str(v)), None)
    if nul is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert f"The field “{nul}” holds a NUL character" in response.content.decode()


def test_a_bad_filter_is_named_beside_the_field(client, cast, made):
    client.force_login(cast.lead)
    response = client.get(list_url(cast), {"q": "x" * 201})
    assert response.context["form"].errors["q"]
    assert "Fix the filter above to see records." in response.content.decode()


def test_a_page_number_past_the_end_shows_the_last_page(client, cast, made, monkeypatch):
    monkeypatch.setattr("workspace.record_pages.PAGE_SIZE", 3)
    client.force_login(cast.lead)
    last = client.get(list_url(cast), {"page": "99999999999999999999", "show": "all"})
    assert last.context["page"].number == 3
    assert "Page 3 of 3" in last.content.decode()
    first = client.get(list_url(cast), {"page": "-5", "show": "all"})
    assert first.context["page"].number == 1
    follow = rendered_next(first)
    assert client.get(list_url(cast) + follow).context["page"].number == 2


def rendered_next(response) -> str:
    match = re.search(r'<a class="page-link" href="(\?[^"]+)">Next</a>', response.content.decode())
    assert match, "no Next link"
    return match.group(1).replace("&amp;", "&")


def bulk_submit(client, cast, response, **changes):
    """Fill the bulk form the list rendered, post it, then post the confirmation it renders."""
    form = rendered_form(response, "bulk")
    first = client.post(form.action, form.payload(**changes))
    assert first.status_code == 200, first.status_code
    return first


def confirm(client, response):
    form = rendered_form(response, "bulk")
    assert any(text == "Confirm" for _, _, text in form.buttons)
    return client.post(form.action, form.payload())


def test_the_lead_excludes_every_record_a_filter_shows_after_confirming(client, cast, made):
    client.force_login(cast.lead)
    page = client.get(list_url(cast), {"state": "awaiting"})
    assert sorted(shown(page)) == pks(made.awaiting, made.half)
    form = rendered_form(page, "bulk")
    answer = bulk_submit(
        client,
        cast,
        page,
        action="exclude",
        reason=form.option("reason", "Wrong study design"),
        note="Not randomised",
        scope="all",
    )
    text = answer.content.decode()
    assert "Confirm: exclude 2 records at title/abstract" in text
    assert not Resolution.objects.filter(record__in=[made.awaiting, made.half]).exists()

    done = confirm(client, answer)
    assert done.status_code == 302
    assert done.url == list_url(cast) + "?state=awaiting"
    for record in (made.awaiting, made.half):
        resolution = Resolution.objects.get(record=record, stage="ta")
        assert (resolution.verdict, resolution.reason.label, resolution.note) == (
            "exclude",
            "Wrong study design",
            "Not randomised",
        )
        assert Decision.objects.get(record=record, reviewer=cast.lead).note == "Not randomised"
    followed = client.get(done.url)
    assert "Excluded 2 records at title/abstract (Wrong study design)." in followed.content.decode()
    assert shown(followed) == []


def test_one_ticked_record_already_resolved_leaves_every_record_as_it_was(client, cast, made):
    client.force_login(cast.lead)
    page = client.get(list_url(cast))
    form = rendered_form(page, "bulk")
    assert str(made.excluded.pk) in form.choices["records"]
    ticked = [str(made.awaiting.pk), str(made.excluded.pk), str(made.half.pk)]
    answer = bulk_submit(
        client,
        cast,
        page,
        action="exclude",
        reason=form.option("reason", "Wrong population"),
        note="Animals",
        records=ticked,
    )
    done = confirm(client, answer)
    assert done.status_code == 200
    text = done.content.decode()
    assert "1 of the selected records are already resolved at title/abstract" in text
    assert "Nothing was changed." in text
    assert not Resolution.objects.filter(record__in=[made.awaiting, made.half]).exists()
    assert not Decision.objects.filter(reviewer=cast.lead).exists()


def test_every_record_of_a_filter_that_changed_since_is_refused(client, cast, made):
    client.force_login(cast.lead)
    page = client.get(list_url(cast), {"state": "awaiting"})
    form = rendered_form(page, "bulk")
    assert form.values["expected"] == ["2"]
    Resolution.objects.create(record=made.half, stage="ta", verdict="include", source="lead")
    answer = bulk_submit(client, cast, page, action="label", label_name="late", scope="all")
    assert "The filter now shows 1 records, not the 2 you saw" in answer.content.decode()
    assert not Label.objects.exists()


def test_the_bulk_form_names_what_is_missing(client, cast, made):
    client.force_login(cast.lead)
    page = client.get(list_url(cast))
    answer = bulk_submit(client, cast, page, action="exclude")
    form = answer.context["form"]
    assert form.errors["reason"] == ["Choose the reason for the exclusion."]
    assert form.errors["note"] == ["Say why, in a note kept with the lead's decision."]
    assert form.errors["records"] == ["Tick the records to act on, or choose every record."]
    for name in ("reason", "note"):
        assert f'id="id_{name}"' in answer.content.decode()


def test_the_lead_labels_ticked_records_and_the_team_filters_by_label(client, cast, made):
    client.force_login(cast.lead)
    page = client.get(list_url(cast))
    ticked = [str(made.awaiting.pk), str(made.final.pk)]
    answer = bulk_submit(
        client, cast, page, action="label", label_name="Ask authors", records=ticked
    )
    assert "Confirm: label 2 records “Ask authors”" in answer.content.decode()
    assert client.get(confirm(client, answer).url).status_code == 200
    client.force_login(cast.viewer)
    form = rendered_form(client.get(list_url(cast)), "filter")
    labelled = client.get(list_url(cast), form.payload(label=form.option("label", "Ask authors")))
    assert sorted(shown(labelled)) == pks(made.awaiting, made.final)
    assert (
        labelled.content.decode().count('class="badge rounded-pill text-bg-info ms-1 record-label"')
        == 2
    )


@pytest.mark.parametrize("name", ["record_list", "record_detail", "record_bulk", "record_label"])
def test_an_outsider_gets_not_found(client, cast, made, name):
    client.force_login(cast.outsider)
    args = [cast.review.pk] + ([made.final.pk] if name in ("record_detail", "record_label") else [])
    url = reverse(name, args=args)
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"action": "label", "label_name": "x", "scope": "all"}).status_code == 404
    )


def test_a_reviewer_cannot_act_in_bulk_nor_label(client, cast, made):
    client.force_login(cast.reviewer1)
    bulk = reverse("record_bulk", args=[cast.review.pk])
    data = {"action": "label", "label_name": "x", "records": [made.awaiting.pk], "confirm": "on"}
    assert client.post(bulk, data).status_code == 403
    label = reverse("record_label", args=[cast.review.pk, made.awaiting.pk])
    assert client.post(label, {"name": "x"}).status_code == 403
    assert not Label.objects.exists()


def story(client, record):
    return client.get(record.get_absolute_url()).content.decode()


def test_the_story_page_tells_a_records_whole_story_in_order(client, cast, made):
    client.force_login(cast.viewer)
    text = story(client, made.final)
    steps = [
        "From <strong>embase.ris</strong>, a search of <strong>Embase</strong>",
        'id="story-ta"',
        "<strong>bob</strong> decided",
        "Resolved: Include",
        'id="story-ft"',
        "<strong>carol</strong> decided",
        "Resolved: Include",
        "A report of",
        "Quinn 2016",
    ]
    at = 0
    for step in steps:  # each one after the one before
        found = text.find(step, at)
        assert found != -1, f"{step!r} missing, or not after the steps before it"
        at = found + len(step)
    assert text.count("screeners agreed") == 2


def test_a_blinded_reviewer_sees_only_their_own_vote_and_no_conflict(client, cast, made):
    client.force_login(cast.reviewer2)
    text = story(client, made.conflict)
    assert "<strong>carol</strong> decided" in text
    assert "bob" not in text and "Conflict" not in text
    assert "other reviewers' decisions here stay hidden" in text
    client.force_login(cast.lead)
    lead = story(client, made.conflict)
    assert (
        "<strong>bob</strong> decided" in lead and "Conflict</span> the screeners disagreed" in lead
    )


def test_the_lead_sees_no_names_before_resolution_when_the_review_hides_voters(client, cast, made):
    cast.review.lead_sees_voters = False
    cast.review.save()
    client.force_login(cast.lead)
    text = story(client, made.conflict)
    assert "<strong>Reviewer 1</strong> decided" in text and "<strong>Reviewer 2</strong>" in text
    assert "bob" not in text and "carol" not in text
    assert "<strong>bob</strong> decided" in story(client, made.final)  # resolved: names back


def test_the_lead_labels_and_unlabels_a_record_from_its_story(client, cast, made):
    client.force_login(cast.lead)
    page = client.get(made.half.get_absolute_url())
    add = next(
        form
        for form in _forms(page)
        if form.action.endswith("/labels/") and "remove" not in form.values
    )
    client.post(add.action, add.payload(name="Check dose"))
    assert list(RecordLabel.objects.values_list("record", "label__name")) == [
        (made.half.pk, "Check dose")
    ]
    page = client.get(made.half.get_absolute_url())
    remove = next(form for form in _forms(page) if "remove" in form.values)
    client.post(remove.action, remove.payload())
    assert not RecordLabel.objects.exists()
    assert Label.objects.filter(name="Check dose").exists()


def _forms(response):
    from tests.support.html_forms import rendered_forms

    return rendered_forms(response.content.decode()).values()


def test_the_lead_merges_a_pair_from_the_story_and_comes_back_to_it(client, cast, made):
    pair = DuplicatePair.objects.create(
        review=cast.review,
        left=min(made.half, made.included, key=lambda r: r.pk),
        right=max(made.half, made.included, key=lambda r: r.pk),
        score=0.8,
        status="undecided",
    )
    client.force_login(cast.lead)
    page = client.get(made.half.get_absolute_url())
    form = next(f for f in _forms(page) if f.action.endswith(f"/duplicates/{pair.pk}/decide/"))
    name, value, _ = next(b for b in form.buttons if b[2] == "Different reports")
    response = client.post(form.action, form.payload(**{name: value}))
    assert response.url == made.half.get_absolute_url()
    pair.refresh_from_db()
    assert pair.status == "distinct"
    assert "Not duplicates" in story(client, made.half)


@pytest.mark.parametrize(
    "data",
    [
        {"action": "\x00", "scope": "\x00", "records": ["\x00", "-1"], "expected": "-1"},
        {
            "action": "label",
            "scope": "selected",
            "records": ["99999999999999999999"],
            "label_name": "x",
        },
        {"action": "exclude", "scope": "all", "expected": "99999999999999999999", "reason": "1e3"},
        {
            "action": "label",
            "scope": "all",
            "expected": "3",
            "label_name": "a\x00b",
            "confirm": "on",
        },
        {"action": "unlabel", "scope": "selected", "records": ["1"], "label_name": "x" * 500},
    ],
)
def test_junk_in_a_bulk_action_gets_words_and_changes_nothing(client, cast, made, data):
    client.force_login(cast.lead)
    url = reverse("record_bulk", args=[cast.review.pk])
    response = client.post(url + "?page=-1", data)
    if any("\x00" in str(value) for value in data.values()):
        assert response.status_code == 400
        assert "holds a NUL character" in response.content.decode()
    else:
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not Label.objects.exists() and not Resolution.objects.filter(source="lead").exists()


def test_a_nul_byte_in_a_label_name_is_refused_in_words(client, cast, made):
    client.force_login(cast.lead)
    url = reverse("record_label", args=[cast.review.pk, made.half.pk])
    response = client.post(url, {"name": "ask\x00"}, follow=True)
    assert response.status_code == 400
    assert "The field “name” holds a NUL character" in response.content.decode()
    assert not Label.objects.exists()
