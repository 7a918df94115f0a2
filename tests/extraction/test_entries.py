"""Extraction entries: validation by field type, autosave, shared and dual extraction."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from extraction.forms.entries import display
from extraction.models import ExtractionEntry, FieldType, FormField, FormSection, Study
from extraction.services import entries as services
from extraction.services.form_builder import extraction_form_create_default

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def form(cast):
    return extraction_form_create_default(review=cast.review, user=cast.lead)


@pytest.fixture
def study(cast):
    return Study.objects.create(review=cast.review, name="Sigtermans 2009")


@pytest.fixture
def dual(cast):
    cast.review.dual_extraction = True
    cast.review.save()
    return cast.review


def field(form, key) -> FormField:
    return FormField.objects.get(section__form=form, key=key)


def typed_field(form, type, **options) -> FormField:
    section = FormSection.objects.create(form=form, title="Types", position=99)
    return FormField.objects.create(
        section=section, key="answer", label="Answer", type=type, **options
    )


CHOICES = ["Industry", "Public"]
MINIMAL = {"study_design": "Other", "number_randomised": "40"}

GOOD = [
    (FieldType.SHORT_TEXT, "Netherlands", "Netherlands"),
    (FieldType.LONG_TEXT, "Line one\nLine two", "Line one\nLine two"),
    (FieldType.NUMBER, "0.50", "0.50"),
    (FieldType.NUMBER, "-3", "-3"),
    (FieldType.INTEGER, "120", 120),
    (FieldType.YES_NO, "yes", True),
    (FieldType.YES_NO, "no", False),
    (FieldType.SINGLE_CHOICE, "Public", "Public"),
    (FieldType.MULTIPLE_CHOICE, ["Industry", "Public"], ["Industry", "Public"]),
    (FieldType.DATE, "2009-03-01", "2009-03-01"),
]

BAD = [
    (FieldType.SHORT_TEXT, "x" * 501, "Ensure this value has at most 500 characters"),
    (FieldType.NUMBER, "twelve", "Enter a number."),
    (FieldType.NUMBER, "NaN", "Enter a number."),
    (FieldType.INTEGER, "12.5", "Enter a whole number."),
    (
        FieldType.YES_NO,
        "maybe",
        "Select a valid choice. maybe is not one of the available choices.",
    ),
    (FieldType.SINGLE_CHOICE, "Charity", "Select a valid choice. Charity is not one of"),
    (FieldType.MULTIPLE_CHOICE, ["Public", "Charity"], "Select a valid choice. Charity is not one"),
    (FieldType.DATE, "2009-02-30", "Enter a valid date."),
]


@pytest.mark.parametrize(("type", "raw", "stored"), GOOD, ids=lambda v: str(v)[:12])
def test_each_field_type_stores_a_json_value(cast, form, study, type, raw, stored):
    answer = typed_field(form, type, choices=CHOICES if "choice" in type else [])
    entry = services.entry_save_field(
        study=study, reviewer=cast.reviewer1, field=answer, data=_data(raw)
    )
    assert entry.values == {"answer": stored}
    entry.refresh_from_db()
    assert entry.values == {"answer": stored}


@pytest.mark.parametrize(("type", "raw", "message"), BAD, ids=lambda v: str(v)[:12])
def test_each_field_type_rejects_a_bad_value_with_its_message(
    cast, form, study, type, raw, message
):
    answer = typed_field(form, type, choices=CHOICES if "choice" in type else [])
    with pytest.raises(ValidationError) as error:
        services.entry_save_field(
            study=study, reviewer=cast.reviewer1, field=answer, data=_data(raw)
        )
    assert message in " ".join(error.value.messages)
    assert not ExtractionEntry.objects.exists()


def _data(raw):
    from django.utils.datastructures import MultiValueDict

    return MultiValueDict({"answer": raw if isinstance(raw, list) else [raw]})


def test_a_blank_answer_clears_the_value_and_a_required_one_refuses(cast, form, study):
    country, design = field(form, "country"), field(form, "study_design")
    save = services.entry_save_field
    save(study=study, reviewer=cast.reviewer1, field=country, data={"country": "NL"})
    entry = save(study=study, reviewer=cast.reviewer1, field=country, data={"country": "  "})
    assert "country" not in entry.values
    with pytest.raises(ValidationError, match="This field is required."):
        save(study=study, reviewer=cast.reviewer1, field=design, data={})


def test_values_read_back_with_their_units_and_formats(form):
    assert display(field(form, "age_mean"), "47.25") == "47.25 years"
    assert display(field(form, "conflicts_of_interest_declared"), False) == "No"
    assert display(field(form, "recruitment_period_starts"), "2009-03-01") == "1 Mar 2009"
    assert display(field(form, "outcomes_measured"), ["Pain intensity", "Other"]) == (
        "Pain intensity; Other"
    )


def test_autosave_answers_with_a_tick_or_the_error(client, cast, form, study):
    client.force_login(cast.reviewer1)
    url = reverse("study_extract_field", args=[cast.review.pk, study.pk, field(form, "dose").pk])
    saved = client.post(url, {"dose": "0.5", "country": "ignored: another field"}, **HTMX)
    assert "Saved" in saved.content.decode()
    refused = client.post(url, {"dose": "half"}, **HTMX)
    assert "Enter a number. Not saved." in refused.content.decode()
    assert ExtractionEntry.objects.get(study=study).values == {"dose": "0.5"}


def test_the_entry_page_renders_the_form_with_autosave(client, cast, form, study):
    client.force_login(cast.reviewer1)
    page = client.get(reverse("study_extract", args=[cast.review.pk, study.pk]))
    html = page.content.decode()
    assert "<legend>Participants</legend>" in html
    dose = reverse("study_extract_field", args=[cast.review.pk, study.pk, field(form, "dose").pk])
    assert f'hx-post="{dose}"' in html
    assert 'id="save-dose"' in html and "mg/kg/h" in html
    assert 'name="outcomes_measured" value="Pain intensity"' in html


def test_saving_the_whole_entry_shows_every_error(client, cast, form, study):
    client.force_login(cast.reviewer1)
    url = reverse("study_extract", args=[cast.review.pk, study.pk])
    page = client.post(url, {"number_randomised": "many", "dose": "1"})
    assert page.status_code == 200
    assert page.context["form"].errors == {
        "study_design": ["This field is required."],
        "number_randomised": ["Enter a whole number."],
    }
    assert not ExtractionEntry.objects.exists()


def test_without_dual_extraction_the_team_shares_one_entry(client, cast, form, study):
    country = field(form, "country")
    services.entry_save_field(
        study=study, reviewer=cast.reviewer1, field=country, data={"country": "NL"}
    )
    entry = services.entry_save_field(
        study=study,
        reviewer=cast.reviewer2,
        field=field(form, "setting"),
        data={"setting": "Clinic"},
    )
    assert ExtractionEntry.objects.count() == 1
    assert entry.reviewer == cast.reviewer1  # the first extractor's
    assert entry.values == {"country": "NL", "setting": "Clinic"}
    client.force_login(cast.viewer)
    page = client.get(reverse("study_extract", args=[cast.review.pk, study.pk]))
    assert page.context["form"] is None and "Clinic" in page.content.decode()


def test_viewers_cannot_write(client, cast, form, study):
    client.force_login(cast.viewer)
    url = reverse("study_extract", args=[cast.review.pk, study.pk])
    assert client.post(url, {"country": "NL"}).status_code == 403
    autosave = reverse(
        "study_extract_field", args=[cast.review.pk, study.pk, field(form, "country").pk]
    )
    assert client.post(autosave, {"country": "NL"}).status_code == 403
    assert not ExtractionEntry.objects.exists()


def test_dual_extraction_is_blinded(client, cast, form, study, dual):
    save = services.entry_save_field
    save(
        study=study,
        reviewer=cast.reviewer1,
        field=field(form, "country"),
        data={"country": "Bobland"},
    )
    save(
        study=study,
        reviewer=cast.reviewer2,
        field=field(form, "country"),
        data={"country": "Carolia"},
    )
    assert ExtractionEntry.objects.filter(study=study).count() == 2
    url = reverse("study_extract", args=[cast.review.pk, study.pk])
    for user, mine, theirs in [
        (cast.reviewer1, "Bobland", "Carolia"),
        (cast.reviewer2, "Carolia", "Bobland"),
    ]:
        client.force_login(user)
        html = (
            client.get(url).content.decode()
            + client.get(reverse("extraction_list", args=[cast.review.pk])).content.decode()
        )
        assert mine in html and theirs not in html
    client.force_login(cast.viewer)
    html = client.get(url).content.decode()
    assert "Bobland" not in html and "Carolia" not in html and "Not settled yet" in html


def test_a_third_extractor_is_turned_away(cast, form, study, dual):
    country = field(form, "country")
    for user in (cast.reviewer1, cast.reviewer2):
        services.entry_save_field(study=study, reviewer=user, field=country, data={"country": "NL"})
    with pytest.raises(ValidationError, match="Two reviewers have already extracted"):
        services.entry_save_field(
            study=study, reviewer=cast.lead, field=country, data={"country": "BE"}
        )


def test_the_lead_compares_and_settles_field_by_field(client, cast, form, study, dual):
    save = services.entry_save
    bob = save(
        study=study,
        reviewer=cast.reviewer1,
        data={
            "study_design": "Cross-over RCT",
            "number_randomised": "40",
            "country": "NL",
            "dose": "0.5",
        },
    )
    carol = save(
        study=study,
        reviewer=cast.reviewer2,
        data={
            "study_design": "Cross-over RCT",
            "number_randomised": "40",
            "country": "BE",
            "dose": "0.50",
        },
    )
    client.force_login(cast.lead)
    url = reverse("study_extract_compare", args=[cast.review.pk, study.pk])
    page = client.get(url)
    rows = {row.field.key: row for _, rows in page.context["sections"] for row in rows}
    assert not rows["study_design"].differ
    assert rows["country"].differ and [c.text for c in rows["country"].values] == ["NL", "BE"]
    assert rows["dose"].differ  # "0.5" and "0.50" are stored as entered
    client.post(url, {"action": "agreements"})
    client.post(url, {"action": "take", "key": "country", "entry": carol.pk})
    client.post(url, {"action": "take", "key": "dose", "entry": bob.pk})
    consensus = services.entry_consensus(study)
    assert (consensus.reviewer, consensus.consensus) == (cast.lead, True)
    assert consensus.values == {
        "study_design": "Cross-over RCT",
        "number_randomised": 40,
        "country": "BE",
        "dose": "0.5",
    }
    # Settled: the two entries are locked, and everyone reads the consensus.
    with pytest.raises(ValidationError, match="settled"):
        save(study=study, reviewer=cast.reviewer1, data=MINIMAL)
    client.force_login(cast.reviewer1)
    page = client.get(reverse("study_extract", args=[cast.review.pk, study.pk]))
    assert page.context["entry"] == consensus and page.context["form"] is None
    client.force_login(cast.viewer)
    assert (
        "BE"
        in client.get(reverse("study_extract", args=[cast.review.pk, study.pk])).content.decode()
    )


def test_the_lead_edits_the_consensus_by_autosave_and_reviewers_cannot(
    client, cast, form, study, dual
):
    for user in (cast.reviewer1, cast.reviewer2):
        services.entry_save(study=study, reviewer=user, data=MINIMAL)
    services.entry_settle_agreements(study=study, lead=cast.lead)
    url = reverse("study_extract_field", args=[cast.review.pk, study.pk, field(form, "country").pk])
    client.force_login(cast.reviewer1)
    assert (
        "Only a lead settles"
        in client.post(url, {"country": "FR", "consensus": "1"}).content.decode()
    )
    client.force_login(cast.lead)
    assert "Saved" in client.post(url, {"country": "FR", "consensus": "1"}).content.decode()
    assert services.entry_consensus(study).values == {
        **MINIMAL,
        "number_randomised": 40,
        "country": "FR",
    }


def test_settling_an_entry_of_another_study_is_refused(cast, form, study, dual):
    other = Study.objects.create(review=cast.review, name="Other 2010")
    entry = services.entry_save(study=other, reviewer=cast.reviewer1, data=MINIMAL)
    with pytest.raises(ValidationError, match="this study's two entries"):
        services.entry_settle(study=study, lead=cast.lead, key="study_design", source=entry)


def test_the_extraction_list_shows_each_study_status(client, cast, form, study, dual):
    services.entry_save(study=study, reviewer=cast.reviewer1, data=MINIMAL)
    assert [s.label for s in services.extraction_status(cast.review)] == ["1 of 2 extractors"]
    services.entry_save(study=study, reviewer=cast.reviewer2, data=MINIMAL)
    assert [s.label for s in services.extraction_status(cast.review)] == ["To settle"]
    client.force_login(cast.lead)
    html = client.get(reverse("extraction_list", args=[cast.review.pk])).content.decode()
    assert "To settle" in html and "Compare" in html


@pytest.mark.parametrize("dual_extraction", [False, True])
def test_the_demo_fills_the_form_for_its_studies(cast, form, dual_extraction):
    from extraction.demo.entries import demo_extraction

    cast.review.dual_extraction = dual_extraction
    cast.review.save()
    for name in ("Demo A 2015", "Demo B 2017"):
        Study.objects.create(review=cast.review, name=name)
    demo_extraction(cast.review, cast.reviewer1, cast.reviewer2, cast.lead)
    labels = [s.label for s in services.extraction_status(cast.review)]
    assert labels == (["Settled", "To settle"] if dual_extraction else ["Extracted", "Extracted"])
    first = services.entry_result(Study.objects.get(name="Demo A 2015"))
    assert first.values["age_mean"] == "47.5" and first.values["number_randomised"] == 60
