from django.urls import reverse

from reviews.models import Membership, Review, Role
from tests.reviews.factories import UserFactory


def test_it_creates_a_review_and_makes_me_lead(client, db):
    user = UserFactory(username="lena")
    client.force_login(user)
    response = client.post(
        reverse("review_create"),
        {
            "title": "  IV ketamine   for chronic pain ",
            "protocol_id": "crd42024000001",
            "population": "Adults with chronic pain",
            "intervention": "IV ketamine",
            "comparator": "Placebo",
            "outcomes": "Pain",
            "study_designs": "RCTs",
        },
    )
    review = Review.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("review_team", args=[review.pk])
    assert review.title == "IV ketamine for chronic pain"
    assert review.protocol_id == "CRD42024000001"
    assert Membership.objects.get(review=review).role == Role.LEAD


def test_the_review_list_shows_only_my_reviews(client, cast, other_review):
    client.force_login(cast.reviewer1)
    page = client.get(reverse("review_list")).content.decode()
    assert "Ketamine for chronic pain" in page
    assert "Someone else" not in page


def test_the_dashboard_shows_the_pipeline_and_team(client, cast):
    client.force_login(cast.viewer)
    response = client.get(cast.review.get_absolute_url())
    page = response.content.decode()
    assert [stage.key for stage in response.context["pipeline"]] == [
        "identified",
        "duplicates_removed",
        "screened",
        "full_text",
        "included",
        "extracted",
        "analysed",
    ]
    assert "Records identified" in page and "victor" in page


def test_the_lead_adds_changes_and_removes_a_member(client, cast):
    UserFactory(username="dora", email="dora@example.org")
    client.force_login(cast.lead)
    team = reverse("review_team", args=[cast.review.pk])
    response = client.post(team, {"identifier": "dora@example.org", "role": Role.REVIEWER})
    assert response.status_code == 302
    dora = Membership.objects.get(review=cast.review, user__username="dora")
    assert dora.role == Role.REVIEWER

    client.post(
        reverse("review_member_role", args=[cast.review.pk, dora.pk]), {"role": Role.VIEWER}
    )
    dora.refresh_from_db()
    assert dora.role == Role.VIEWER

    client.post(reverse("review_member_remove", args=[cast.review.pk, dora.pk]))
    assert not Membership.objects.filter(pk=dora.pk).exists()


def test_adding_an_unknown_user_shows_the_error_on_the_form(client, cast):
    client.force_login(cast.lead)
    response = client.post(
        reverse("review_team", args=[cast.review.pk]), {"identifier": "nobody", "role": "reviewer"}
    )
    assert response.status_code == 200
    assert "No user has the username or e-mail “nobody”" in response.content.decode()


def test_the_last_lead_cannot_demote_themselves(client, cast):
    client.force_login(cast.lead)
    alice = Membership.objects.get(review=cast.review, user=cast.lead)
    response = client.post(
        reverse("review_member_role", args=[cast.review.pk, alice.pk]),
        {"role": Role.VIEWER},
        follow=True,
    )
    assert "A review needs at least one lead" in response.content.decode()
    alice.refresh_from_db()
    assert alice.role == Role.LEAD


def test_a_viewer_sees_the_team_but_no_controls(client, cast):
    client.force_login(cast.viewer)
    page = client.get(reverse("review_team", args=[cast.review.pk])).content.decode()
    assert "bob" in page
    assert "Add a member" not in page and "Remove" not in page


def test_the_history_page_shows_who_changed_what(client, cast):
    client.force_login(cast.lead)
    bob = Membership.objects.get(review=cast.review, user=cast.reviewer1)
    client.post(reverse("review_member_role", args=[cast.review.pk, bob.pk]), {"role": Role.VIEWER})
    client.post(
        reverse("review_settings", args=[cast.review.pk]),
        {
            "title": "Ketamine for chronic pain",
            "protocol_id": "CRD1",
            "screeners_per_record": 1,
            "blinding": "on",
            "maybe_to_full_text": "on",
            "maybe_is_conflict": "on",
            "lead_sees_voters": "on",
            "screening_order": "random",
            "order_seed": 7,
        },
    )
    response = client.get(reverse("review_history", args=[cast.review.pk]))
    entries = response.context["entries"]
    role_change = next(e for e in entries if e.model == "membership" and e.action == "changed")
    assert role_change.who == "alice"
    assert [(c.field, c.old, c.new) for c in role_change.changes] == [
        ("role", "Reviewer", "Viewer")
    ]
    settings_change = next(e for e in entries if e.model == "review" and e.action == "changed")
    changed = {c.field: (c.old, c.new) for c in settings_change.changes}
    assert changed["screeners per record"] == ("2", "1")
    assert changed["protocol registration"] == ("—", "CRD1")
    assert changed["screening order"] == ("Import order", "Random, with a fixed seed")


def test_the_history_page_covers_decisions_and_outcome_data(client, cast):
    from extraction.models import Comparison, Outcome, OutcomeData, Study
    from screening import services as screening
    from tests.reviews.factories import RecordFactory

    record = RecordFactory(review=cast.review)
    screening.decision_record(record=record, reviewer=cast.reviewer1, stage="ta", verdict="include")
    study = Study.objects.create(review=cast.review, name="Doe 2020")
    comparison = Comparison.objects.create(review=cast.review, name="Drug vs placebo")
    outcome = Outcome.objects.create(
        comparison=comparison, name="Pain", data_type="generic", measure="MD"
    )
    OutcomeData.objects.create(outcome=outcome, study=study, values={"estimate": -1.0, "se": 0.4})
    client.force_login(cast.lead)
    models = {
        entry.model
        for entry in client.get(reverse("review_history", args=[cast.review.pk])).context["entries"]
    }
    assert {"decision", "study", "comparison", "outcome", "outcome data"} <= models


def test_an_analysis_run_shows_in_the_history_as_its_status_changes_only(client, cast):
    from synthesis import services as synthesis
    from tests.synthesis.test_services import make_outcome

    analysis = synthesis.analysis_create(outcome=make_outcome(cast.review), name="Pain")
    synthesis.analysis_enqueue(analysis=analysis)
    synthesis.analysis_run(analysis_id=analysis.pk)
    client.force_login(cast.lead)
    page = client.get(reverse("review_history", args=[cast.review.pk]))
    runs = [e for e in page.context["entries"] if e.model == "analysis" and e.action == "changed"]
    assert [[(c.field, c.old, c.new) for c in e.changes] for e in reversed(runs)] == [
        [("status", "Draft", "Queued")],
        [("status", "Queued", "Running")],
        [("status", "Running", "Done")],
    ]
    assert analysis.__class__.objects.get(pk=analysis.pk).input_hash not in page.content.decode()


def test_the_history_names_people_not_ids(client, cast):
    from extraction.models import Comparison, Outcome, OutcomeData, Study

    study = Study.objects.create(review=cast.review, name="Doe 2020")
    comparison = Comparison.objects.create(review=cast.review, name="Drug vs placebo")
    outcome = Outcome.objects.create(
        comparison=comparison, name="Pain", data_type="generic", measure="MD"
    )
    data = OutcomeData.objects.create(outcome=outcome, study=study, values={"estimate": 1, "se": 1})
    data.entered_by = cast.reviewer1
    data.save()
    client.force_login(cast.lead)
    entries = client.get(reverse("review_history", args=[cast.review.pk])).context["entries"]
    change = next(e for e in entries if e.model == "outcome data" and e.action == "changed")
    assert [(c.old, c.new) for c in change.changes] == [("—", "bob")]
