"""The lead sees background work that failed, with the reason, and tries it again."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews import services as review_services
from reviews.models import ImportBatch
from screening import services as screening
from screening.models import PrioritisationSettings, Ranking, Stage, Verdict
from synthesis import services as synthesis
from synthesis.models import Analysis
from tests.reviews.factories import RecordFactory
from tests.support.html_forms import post_forms
from tests.synthesis.test_services import make_outcome
from workspace.models import Export

RIS = b"TY  - JOUR\nTI  - A trial\nER  - \n"


def failed_import(cast, monkeypatch):
    batch = review_services.import_batch_create(
        review=cast.review, user=cast.lead, source="embase", upload=SimpleUploadedFile("e.ris", RIS)
    )
    with monkeypatch.context() as patch:
        patch.setattr("reviews.services.imports.dedup_run", _boom)
        return review_services.import_batch_run(batch_id=batch.pk)


def _boom(**kwargs):
    raise RuntimeError("the disk is full")


def test_the_lead_sees_each_failure_with_its_reason_and_tries_again(
    client, cast, monkeypatch, django_capture_on_commit_callbacks, eager_tasks
):
    batch = failed_import(cast, monkeypatch)
    analysis = synthesis.analysis_create(outcome=make_outcome(cast.review), name="Pain")
    Analysis.objects.filter(pk=analysis.pk).update(status="failed", error="No study has data.")
    Export.objects.create(
        review=cast.review,
        created_by=cast.reviewer1,
        scope="member",
        status="failed",
        error="Out of memory",
    )
    client.force_login(cast.lead)
    page = client.get(reverse("review_dashboard", args=[cast.review.pk])).content.decode()
    assert "the import stopped on an unexpected error (RuntimeError: the disk is full)" in page
    assert "No study has data." in page and "Out of memory" in page
    (retry,) = [f for f in post_forms(page) if f.action.endswith(f"imports/{batch.pk}/requeue/")]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(retry.action, retry.payload())
    batch.refresh_from_db()
    assert (batch.status, batch.error, batch.record_count) == ("done", "", 1)
    (again,) = [f for f in post_forms(page) if f.action.endswith(f"analyses/{analysis.pk}/run/")]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(again.action, again.payload())
    assert Analysis.objects.get(pk=analysis.pk).status == "done"
    page = client.get(reverse("review_dashboard", args=[cast.review.pk])).content.decode()
    assert "the disk is full" not in page and "No study has data." not in page


def test_reviewers_and_viewers_do_not_see_the_panel(client, cast, monkeypatch):
    failed_import(cast, monkeypatch)
    assert ImportBatch.objects.get().status == "failed"
    for user in (cast.reviewer1, cast.viewer):
        client.force_login(user)
        page = client.get(reverse("review_dashboard", args=[cast.review.pk])).content.decode()
        assert 'id="failed-work"' not in page


def test_the_lead_sends_a_failed_retraining_again(
    client, cast, django_capture_on_commit_callbacks, eager_tasks
):
    records = [RecordFactory(review=cast.review, title=f"Ketamine trial {i}") for i in range(6)]
    for record, verdict in ((records[0], Verdict.INCLUDE), (records[1], Verdict.EXCLUDE)):
        screening.decision_record(
            record=record, reviewer=cast.reviewer1, stage=Stage.TITLE_ABSTRACT, verdict=verdict
        )
    PrioritisationSettings.objects.create(review=cast.review, enabled=True)
    failed = Ranking.objects.create(
        review=cast.review, reviewer=cast.reviewer1, status="failed", error="Worker lost."
    )
    client.force_login(cast.lead)
    page = client.get(reverse("review_dashboard", args=[cast.review.pk])).content.decode()
    assert "Prioritised ranking of" in page and "Worker lost." in page
    (retry,) = [f for f in post_forms(page) if f.action.endswith(f"rankings/{failed.pk}/retry/")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry.action, retry.payload(), follow=True)
    assert "is queued again" in response.content.decode()
    latest = Ranking.objects.filter(reviewer=cast.reviewer1).latest("pk")
    assert (latest.status, latest.included, latest.excluded) == ("done", 1, 1)
    assert latest.ranked == 4  # the records left to her
    page = client.get(reverse("review_dashboard", args=[cast.review.pk])).content.decode()
    assert "Worker lost." not in page

    # the failed one is no longer the latest: it cannot be sent again
    response = client.post(retry.action, retry.payload(), follow=True)
    assert "Only the latest ranking of a reviewer, when it failed" in response.content.decode()
    assert Ranking.objects.filter(reviewer=cast.reviewer1).count() == 2
