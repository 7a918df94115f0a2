"""The review settings page, submitted as the page renders it."""

from django.urls import reverse

from reviews.forms import ReviewSettingsForm
from reviews.history import review_history
from reviews.models import Record
from screening import services as screening
from screening.models import Conflict, Resolution, Stage, Verdict
from tests.support.html_forms import post_forms, submit


def settings_page(client, review):
    url = reverse("review_settings", args=[review.pk])
    response = client.get(url)
    assert response.status_code == 200
    (form,) = [f for f in post_forms(response.content.decode()) if "title" in f.names]
    return url, form


def records(review, n):
    batch = review.import_batches.create(source="medline", file_name="x.nbib", sha256="1" * 64)
    return [
        Record.objects.create(review=review, batch=batch, position=i, title=f"Trial {i}")
        for i in range(n)
    ]


def test_every_field_of_the_form_is_on_the_page(client, cast):
    client.force_login(cast.lead)
    _, form = settings_page(client, cast.review)
    assert set(ReviewSettingsForm().fields) <= form.names


def test_saving_the_page_unchanged_saves_and_says_so(client, cast):
    client.force_login(cast.lead)
    url, form = settings_page(client, cast.review)
    response = submit(client, url, form)
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Review settings saved." in page


def test_the_lead_changes_title_blinding_terms_and_order(client, cast):
    client.force_login(cast.lead)
    url, form = settings_page(client, cast.review)
    response = submit(
        client,
        url,
        form,
        title="  Ketamine   for pain ",
        blinding=None,  # unticked
        include_terms="ketamine, randomi*",
        screening_order="random",
        order_seed="42",
    )
    assert response.status_code == 302
    review = type(cast.review).objects.get(pk=cast.review.pk)
    assert (review.title, review.blinding, review.screening_order, review.order_seed) == (
        "Ketamine for pain",
        False,
        "random",
        42,
    )
    page = client.get(url).content.decode()
    assert "Highlighted for inclusion on the next card: ketamine, randomi*." in page
    assert "Reviewers now meet the records still waiting in random order (seed 42)." in page


def test_an_error_shows_beside_its_field_and_nothing_is_saved(client, cast):
    client.force_login(cast.lead)
    url, form = settings_page(client, cast.review)
    response = submit(client, url, form, title="  ", order_seed="-3")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give the review a title." in page
    assert 'id="error_1_id_order_seed"' in page  # crispy puts the message under the field
    assert type(cast.review).objects.get(pk=cast.review.pk).title == cast.review.title


def test_the_highlight_terms_appear_on_the_next_card(client, cast):
    records(cast.review, 1)[0].__class__.objects.filter(review=cast.review).update(
        title="Ketamine infusion in a randomised trial"
    )
    client.force_login(cast.lead)
    url, form = settings_page(client, cast.review)
    submit(client, url, form, include_terms="ketamine")
    client.force_login(cast.reviewer1)
    card = client.get(reverse("screen", args=[cast.review.pk, "title-abstract"])).content.decode()
    assert '<mark class="hl-include">Ketamine</mark>' in card


def test_the_order_of_the_queue_follows_the_setting(client, cast):
    made = records(cast.review, 30)
    client.force_login(cast.lead)
    url, form = settings_page(client, cast.review)
    screen = reverse("screen", args=[cast.review.pk, "title-abstract"])
    client.force_login(cast.reviewer1)
    first_in_import_order = client.get(screen).context["record"]
    assert first_in_import_order == made[0]
    client.force_login(cast.lead)
    submit(client, url, form, screening_order="random", order_seed="7")
    client.force_login(cast.reviewer1)
    assert client.get(screen).context["record"] != made[0]


def test_lowering_screeners_mid_screening_settles_records_and_is_in_the_history(client, cast):
    first, second, third = records(cast.review, 3)
    stage = Stage.TITLE_ABSTRACT
    screening.decision_record(record=first, reviewer=cast.reviewer1, stage=stage, verdict="include")
    screening.decision_record(record=second, reviewer=cast.reviewer2, stage=stage, verdict="maybe")
    client.force_login(cast.lead)
    url, form = settings_page(client, cast.review)
    assert 'id="screening-started"' in client.get(url).content.decode()
    submit(client, url, form, screeners_per_record="1")
    # One include settles as included; a lone "maybe" is a conflict by the review's rule.
    assert Resolution.objects.get(record=first, stage=stage).verdict == Verdict.INCLUDE
    assert Conflict.objects.filter(record=second, stage=stage).exists()
    assert not Resolution.objects.filter(record=third).exists()
    page = client.get(url).content.decode()
    assert "1 records that now have enough decisions were resolved and 1 went to the lead" in page
    (entry,) = [e for e in review_history(cast.review) if e.model == "review" and e.changes]
    assert entry.reason == "Changed during screening: screeners per record 2 → 1."
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("screeners per record", "2", "1")]


def test_turning_blinding_off_says_what_reviewers_now_see(client, cast):
    (record,) = records(cast.review, 1)
    screening.decision_record(
        record=record, reviewer=cast.reviewer1, stage=Stage.TITLE_ABSTRACT, verdict="include"
    )
    client.force_login(cast.lead)
    url, form = settings_page(client, cast.review)
    submit(client, url, form, blinding=None)
    page = client.get(url).content.decode()
    assert (
        "reviewers now see each other&#x27;s decisions, on the 1 records not yet resolved" in page
    )
    (entry,) = [e for e in review_history(cast.review) if e.model == "review" and e.changes]
    assert entry.reason == "Changed during screening: blinding turned off."


def test_only_the_lead_opens_the_settings(client, cast):
    for user, status in ((cast.reviewer1, 403), (cast.viewer, 403), (cast.outsider, 404)):
        client.force_login(user)
        assert client.get(reverse("review_settings", args=[cast.review.pk])).status_code == status
