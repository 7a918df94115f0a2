"""Studies from included reports: naming, merging a trial's reports, splitting them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from extraction.models import Study
from extraction.services import studies as services
from screening.models import Resolution
from tests.reviews.factories import RecordFactory


def include(record):
    for stage in ("ta", "ft"):
        Resolution.objects.create(record=record, stage=stage, verdict="include", source="agreement")
    return record


@pytest.fixture
def reports(cast):
    return [
        include(
            RecordFactory(
                review=cast.review, authors=["Sigtermans, Marnix", "Dahan, Albert"], year=2009
            )
        ),
        include(RecordFactory(review=cast.review, authors=["Sigtermans, M."], year=2009)),
        include(RecordFactory(review=cast.review, authors=["Schwartzman RJ"], year=2009)),
        RecordFactory(review=cast.review, authors=["Excluded, E"], year=2010),
    ]


def test_every_included_report_becomes_a_study_named_author_year(cast, reports):
    created = services.studies_sync(review=cast.review)
    assert [s.name for s in created] == ["Sigtermans 2009", "Sigtermans 2009b", "Schwartzman 2009"]
    assert services.studies_sync(review=cast.review) == []


def test_the_lead_merges_a_follow_up_into_its_trial(cast, reports):
    first, second, _ = services.studies_sync(review=cast.review)
    services.study_merge(into=first, other=second)
    assert sorted(first.reports.values_list("pk", flat=True)) == [reports[0].pk, reports[1].pk]
    assert not Study.objects.filter(pk=second.pk).exists()
    services.study_unlink_report(study=first, record=reports[1])
    assert Study.objects.filter(review=cast.review).count() == 3


def test_names_stay_unique(cast, reports):
    first, second, _ = services.studies_sync(review=cast.review)
    with pytest.raises(ValidationError, match="already called “Sigtermans 2009”"):
        services.study_rename(study=second, name=" Sigtermans   2009 ")


def test_the_dashboard_counts_studies_once_they_exist(client, cast, reports):
    services.studies_sync(review=cast.review)
    client.force_login(cast.viewer)
    counts = {
        s.key: s.count for s in client.get(cast.review.get_absolute_url()).context["pipeline"]
    }
    assert counts["included"] == 3


def test_the_lead_makes_studies_from_the_page(client, cast, reports):
    client.force_login(cast.lead)
    client.post(reverse("study_list", args=[cast.review.pk]))
    assert Study.objects.filter(review=cast.review).count() == 3
    page = client.get(reverse("study_list", args=[cast.review.pk]))
    assert page.context["waiting"] == 0
