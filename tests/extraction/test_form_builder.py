"""The extraction form builder: the default form, edits, versions and stable keys."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from extraction.models import ExtractionEntry, ExtractionForm, FieldType, FormField, Study
from extraction.services import entries
from extraction.services import form_builder as services
from tests.reviews.factories import ReviewFactory
from workspace.services import review_create


@pytest.fixture
def form(cast):
    return services.extraction_form_create_default(review=cast.review, user=cast.lead)


@pytest.fixture
def study(cast):
    return Study.objects.create(review=cast.review, name="Sigtermans 2009")


def field(form, key) -> FormField:
    return FormField.objects.get(section__form=form, key=key)


def test_a_new_review_comes_with_the_default_form(cast):
    review = review_create(user=cast.lead, title="Ketamine for migraine")
    form = services.extraction_form_current(review)
    assert form.version == 1
    titles = list(form.sections.values_list("title", flat=True))
    assert titles == [
        "Methods",
        "Participants",
        "Interventions",
        "Comparators",
        "Outcomes",
        "Funding",
        "Notes",
    ]
    assert field(form, "study_design").type == FieldType.SINGLE_CHOICE
    assert field(form, "number_randomised").type == FieldType.INTEGER
    assert field(form, "age_mean").unit == "years"
    assert field(form, "funding_source").choices[:2] == ["Industry", "Public"]
    assert field(form, "conflicts_of_interest_declared").type == FieldType.YES_NO


def test_the_migration_gives_existing_reviews_the_default_form(db):
    review = ReviewFactory()
    migration = importlib.import_module("extraction.migrations.0002_default_forms")
    migration.add_default_forms(apps, None)
    form = ExtractionForm.objects.get(review=review)
    assert form.version == 1
    keys = set(FormField.objects.filter(section__form=form).values_list("key", flat=True))
    assert keys == {key for key in services.keys_ever_used(review)}
    assert "follow_up" in keys


def test_edits_change_the_version_in_place_while_no_entry_uses_it(cast, form):
    services.field_update(field=field(form, "country"), user=cast.lead, label="Countries")
    assert ExtractionForm.objects.filter(review=cast.review).count() == 1
    assert field(form, "country").label == "Countries"


def test_the_first_edit_after_an_entry_copies_the_version(cast, form, study):
    entries.entry_save_field(
        study=study, reviewer=cast.reviewer1, field=field(form, "country"), data={"country": "NL"}
    )
    renamed = services.field_update(field=field(form, "country"), user=cast.lead, label="Countries")
    copy = renamed.section.form
    assert copy.version == 2
    assert field(form, "country").label == "Country"  # version 1 untouched
    assert renamed.key == "country"
    assert copy.sections.count() == form.sections.count()
    assert (
        FormField.objects.filter(section__form=copy).count()
        == FormField.objects.filter(section__form=form).count()
    )
    # The next edit goes to version 2 in place: no entry uses it yet.
    services.field_update(field=renamed, user=cast.lead, label="Countries of recruitment")
    assert ExtractionForm.objects.filter(review=cast.review).count() == 2


def test_an_older_version_cannot_be_edited(cast, form, study):
    entries.entry_save_field(
        study=study, reviewer=cast.reviewer1, field=field(form, "country"), data={"country": "NL"}
    )
    services.section_add(review=cast.review, user=cast.lead, title="Adverse events")
    with pytest.raises(ValidationError, match="not the current form"):
        services.field_delete(field=field(form, "country"), user=cast.lead)


def test_a_new_field_never_reuses_a_key_of_any_version(cast, form, study):
    entries.entry_save_field(
        study=study, reviewer=cast.reviewer1, field=field(form, "country"), data={"country": "NL"}
    )
    v2 = services.field_delete(field=field(form, "country"), user=cast.lead)
    methods = v2.sections.get(title="Methods")
    added = services.field_add(
        section=methods, user=cast.lead, label="Country", type=FieldType.SHORT_TEXT
    )
    assert added.key == "country_2"


def test_sections_and_fields_reorder(cast, form):
    sections = list(form.sections.all())
    services.section_move(section=sections[1], user=cast.lead, offset=-1)
    assert list(form.sections.values_list("title", flat=True))[:2] == ["Participants", "Methods"]
    services.field_move(field=field(form, "study_design"), user=cast.lead, offset=1)
    methods = form.sections.get(title="Methods")
    assert list(methods.fields.values_list("key", flat=True))[:2] == ["country", "study_design"]


def test_a_choice_field_needs_its_options(cast, form):
    with pytest.raises(ValidationError, match="needs its options"):
        services.field_update(field=field(form, "country"), user=cast.lead, type="single_choice")


def test_the_round_trip_keeps_old_data_readable_under_its_version(client, cast, form, study):
    """Build, enter, change the form four ways; the old entry still reads as entered."""
    client.force_login(cast.reviewer1)
    url = reverse("study_extract", args=[cast.review.pk, study.pk])
    answers = {
        "study_design": "Parallel-group RCT",
        "number_randomised": "60",
        "age_mean": "47.25",
        "country": "Netherlands",
        "notes": "Abstract only for the follow-up.",
    }
    assert client.post(url, answers).status_code == 302
    entry = ExtractionEntry.objects.get(study=study)
    assert entry.values["age_mean"] == "47.25"

    lead = cast.lead
    renamed = services.field_update(
        field=field(form, "country"), user=lead, label="Country of recruitment"
    )
    v2 = renamed.section.form
    services.field_update(field=field(v2, "age_mean"), user=lead, type=FieldType.INTEGER)
    services.field_delete(field=field(v2, "notes"), user=lead)
    services.field_add(
        section=v2.sections.get(title="Participants"),
        user=lead,
        label="Setting type",
        type=FieldType.SINGLE_CHOICE,
        choices=["Inpatient", "Outpatient"],
    )
    assert ExtractionForm.objects.filter(review=cast.review).count() == 2

    page = client.get(url)
    text = page.content.decode()
    assert page.context["form"] is None  # read-only until carried over
    assert "Entered under form version 1" in text
    assert "47.25 years" in text and "Country</dt>" in text and "Abstract only" in text
    assert "Country of recruitment" not in text and "Setting type" not in text

    carried = client.post(url, {"action": "carry_over"}, follow=True)
    assert "Carried over to version 2; these answers no longer fit" in carried.content.decode()
    assert "Age, mean, Notes." in carried.content.decode()
    entry.refresh_from_db()
    assert entry.form == v2
    assert entry.values == {
        "study_design": "Parallel-group RCT",
        "number_randomised": 60,
        "country": "Netherlands",
    }
    assert entry.history.count() >= 2  # the version 1 entry stays in the history
    page = client.get(url)
    assert "Country of recruitment" in page.content.decode()
    assert page.context["form"].initial["country"] == "Netherlands"
    # The builder still shows version 1 as it was.
    builder = client.get(reverse("extraction_form", args=[cast.review.pk]) + "?version=1")
    assert "Age, mean" in builder.content.decode() and builder.context["editable"] is False


def test_the_lead_builds_the_form_on_its_pages(client, cast, form):
    client.force_login(cast.lead)
    base = reverse("extraction_form", args=[cast.review.pk])
    client.post(base, {"action": "add_section", "title": "Adverse  events"})
    section = form.sections.get(title="Adverse events")
    add = reverse("extraction_field_add", args=[cast.review.pk, section.pk])
    bad = client.post(add, {"label": "Serious", "type": "single_choice", "choices": "Yes"})
    assert "Give at least two options" in bad.content.decode()
    client.post(
        add,
        {"label": "Events", "type": "multiple_choice", "choices": "Nausea\nDizziness\nNausea"},
    )
    events = section.fields.get()
    assert (events.key, events.choices) == ("events", ["Nausea", "Dizziness"])
    edit = reverse("extraction_field", args=[cast.review.pk, events.pk])
    client.post(edit, {"label": "Adverse events seen", "type": "long_text", "required": "on"})
    events.refresh_from_db()
    assert (events.label, events.type, events.required, events.choices) == (
        "Adverse events seen",
        "long_text",
        True,
        [],
    )
    client.post(edit, {"action": "delete"})
    assert not section.fields.exists()
    section_url = reverse("extraction_section", args=[cast.review.pk, section.pk])
    client.post(section_url, {"action": "rename", "title": "Harms"})
    client.post(section_url, {"action": "up"})
    assert list(form.sections.values_list("title", flat=True))[-2:] == ["Harms", "Notes"]
    client.post(section_url, {"action": "delete"})
    assert not form.sections.filter(title="Harms").exists()


def test_viewers_read_the_builder_without_its_controls(client, cast, form):
    client.force_login(cast.viewer)
    page = client.get(reverse("extraction_form", args=[cast.review.pk]))
    assert page.status_code == 200
    assert page.context["editable"] is False
    assert "Add a field" not in page.content.decode()
    assert client.post(reverse("extraction_form", args=[cast.review.pk]), {}).status_code == 403


def test_a_review_without_a_form_starts_from_the_default(client, cast):
    client.force_login(cast.lead)
    url = reverse("extraction_form", args=[cast.review.pk])
    assert "no extraction form yet" in client.get(url).content.decode()
    client.post(url, {"action": "default"})
    assert services.extraction_form_current(cast.review).sections.count() == 7
