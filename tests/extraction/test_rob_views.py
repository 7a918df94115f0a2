"""Risk-of-bias pages: overview, assessment, blinding, consensus, suggestions, figures."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from extraction.models import Comparison, Outcome, OutcomeData, RobAssessment, Study
from extraction.services import rob as services

LOW = {"D1": "low", "D2": "low", "D3": "low", "D4": "low", "D5": "low"}


@pytest.fixture
def study(cast):
    return Study.objects.create(review=cast.review, name="Sigtermans 2009")


@pytest.fixture
def outcome(cast):
    comparison = Comparison.objects.create(review=cast.review, name="IV ketamine vs placebo")
    return Outcome.objects.create(
        comparison=comparison, name="Pain", data_type="continuous", measure="MD"
    )


def assess(study, outcome, assessor, judgements, overall="", consensus=False):
    return services.rob_save(
        study=study,
        outcome=outcome,
        tool="rob2",
        assessor=assessor,
        answers={},
        judgements=judgements,
        support={},
        overall=overall,
        consensus=consensus,
    )


def table(html: str) -> str:
    return html.split('id="rob-table"')[1].split("</table>")[0]


def assess_url(cast, study, outcome, name="rob_assess_outcome"):
    return reverse(name, args=[cast.review.pk, "rob2", study.pk, outcome.pk])


def list_url(cast, outcome=None):
    url = reverse("rob_list", args=[cast.review.pk, "rob2"])
    return url + (f"?outcome={outcome.pk}" if outcome else "")


def figure_url(cast, outcome, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("rob_figure", args=[cast.review.pk, "rob2"]) + f"?outcome={outcome.pk}&{query}"


def test_a_reviewer_saves_an_assessment_from_the_page(client, cast, study, outcome):
    client.force_login(cast.reviewer1)
    data = {"q1_1": "Y", "q1_2": "Y", "q1_3": "N", "judgement_D1": "low", "support_D1": "Central."}
    response = client.post(assess_url(cast, study, outcome), data)
    assert response.status_code == 302
    saved = RobAssessment.objects.get(assessor=cast.reviewer1)
    assert saved.answers == {"1.1": "Y", "1.2": "Y", "1.3": "N"}
    assert saved.judgements == {"D1": "low"}
    assert saved.support == {"D1": "Central."}


def test_an_override_without_support_shows_the_message_beside_the_domain(
    client, cast, study, outcome
):
    client.force_login(cast.reviewer1)
    data = {"q1_1": "Y", "q1_2": "Y", "q1_3": "N", "judgement_D1": "high"}
    response = client.post(assess_url(cast, study, outcome), data)
    assert response.status_code == 200
    assert "differs from the suggested low: say why in the support text" in response.text
    assert not RobAssessment.objects.exists()


def test_the_page_shows_the_suggestion_from_saved_answers(client, cast, study, outcome):
    services.rob_save(
        study=study,
        outcome=outcome,
        tool="rob2",
        assessor=cast.reviewer1,
        answers={"1.1": "Y", "1.2": "N"},
        judgements={},
        support={},
        overall="",
    )
    client.force_login(cast.reviewer1)
    response = client.get(assess_url(cast, study, outcome))
    block = response.text.split('data-suggested="D1"')[1].split("</div>")[0]
    assert 'title="High"' in block
    # 2.3 is asked only when participants or carers knew their group: hidden until then.
    assert 'class="rob-question rob-skipped" data-question="2.3"' in response.text


def test_the_suggest_endpoint_recomputes_from_the_answers(client, cast):
    client.force_login(cast.reviewer1)
    url = reverse("rob_suggest", args=[cast.review.pk, "rob2"])
    response = client.get(url, {"q1_1": "Y", "q1_2": "Y", "q1_3": "N", "q2_1": "Y"})
    data = response.json()
    assert data["suggested"]["D1"]["key"] == "low"
    assert data["suggested"]["D2"] is None
    assert "2.3" in data["applicable"]["D2"]
    assert data["suggested"]["overall"] is None


def test_an_assessor_never_sees_the_other_assessors_judgements(client, cast, study, outcome):
    assess(study, outcome, cast.reviewer2, LOW | {"D3": "high"}, overall="high")
    client.force_login(cast.reviewer1)
    overview = client.get(list_url(cast, outcome)).text
    assert "Not assessed by you" in overview
    assert 'title="High"' not in table(overview)
    page = client.get(assess_url(cast, study, outcome)).text
    assert 'title="High"' not in page and "carol" not in page
    figure = client.get(figure_url(cast, outcome, format="svg")).content
    assert b"Sigtermans" not in figure


def test_the_lead_sees_both_side_by_side_and_saves_the_consensus(client, cast, study, outcome):
    assess(study, outcome, cast.reviewer1, LOW, overall="low")
    assess(study, outcome, cast.reviewer2, LOW | {"D5": "some_concerns"}, overall="some_concerns")
    client.force_login(cast.lead)
    assert "Awaiting consensus (2 assessors)" in client.get(list_url(cast, outcome)).text
    url = assess_url(cast, study, outcome, "rob_consensus_outcome")
    page = client.get(url)
    assert page.text.count("rob-other") == 12  # 2 assessors x (5 domains + overall)
    # Where the assessors agree, the consensus form starts from their judgement.
    assert page.context["form"].initial["judgement_D1"] == "low"
    assert "judgement_D5" not in page.context["form"].initial
    data = {f"judgement_{key}": value for key, value in LOW.items()} | {"overall": "low"}
    assert client.post(url, data).status_code == 302
    consensus = RobAssessment.objects.get(consensus=True)
    assert consensus.assessor == cast.lead and consensus.judgements == LOW
    # Now every member, the reviewers too, sees the consensus.
    client.force_login(cast.reviewer2)
    overview = client.get(list_url(cast, outcome)).text
    assert "Consensus" in table(overview) and 'title="Some concerns"' not in table(overview)


def test_a_reviewer_cannot_open_the_consensus_page(client, cast, study, outcome):
    client.force_login(cast.reviewer1)
    response = client.get(assess_url(cast, study, outcome, "rob_consensus_outcome"))
    assert response.status_code == 403


def test_viewers_see_the_overview_but_cannot_assess(client, cast, study, outcome):
    assess(study, outcome, cast.reviewer1, LOW, overall="low")
    client.force_login(cast.viewer)
    assert client.get(list_url(cast, outcome)).status_code == 200
    assert client.get(assess_url(cast, study, outcome)).status_code == 403
    response = client.post(assess_url(cast, study, outcome), {"judgement_D1": "high"})
    assert response.status_code == 403
    assert RobAssessment.objects.get().judgements == LOW


def test_the_outsider_gets_404(client, cast, study, outcome):
    client.force_login(cast.outsider)
    assert client.get(list_url(cast, outcome)).status_code == 404
    assert client.get(assess_url(cast, study, outcome)).status_code == 404
    assert client.get(figure_url(cast, outcome)).status_code == 404


def test_an_outcome_of_another_review_is_not_found(client, cast, study, other_review):
    comparison = Comparison.objects.create(review=other_review, name="Other")
    other = Outcome.objects.create(
        comparison=comparison, name="Pain", data_type="continuous", measure="MD"
    )
    client.force_login(cast.lead)
    assert client.get(list_url(cast, other)).status_code == 404
    assert client.get(figure_url(cast, other)).status_code == 404


def test_a_tool_the_review_does_not_use_is_not_found(client, cast):
    client.force_login(cast.lead)
    assert client.get(reverse("rob_list", args=[cast.review.pk, "rob1"])).status_code == 404


def test_figures_are_served_as_png_and_svg(client, cast, study, outcome):
    assess(study, outcome, cast.reviewer1, LOW, overall="low")
    client.force_login(cast.viewer)
    for plot in ("traffic-light", "summary"):
        png = client.get(figure_url(cast, outcome, plot=plot, format="png"))
        assert png["Content-Type"] == "image/png"
        assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
        svg = client.get(figure_url(cast, outcome, plot=plot, format="svg"))
        assert svg["Content-Type"] == "image/svg+xml"
        assert ET.fromstring(svg.content).tag.endswith("svg")
    assert b"Sigtermans 2009" in client.get(figure_url(cast, outcome, format="svg")).content
    assert client.get(figure_url(cast, outcome, plot="pie")).status_code == 404


def test_the_summary_can_weigh_studies_by_participants(client, cast, study, outcome):
    other = Study.objects.create(review=cast.review, name="Schwartzman 2009")
    assess(study, outcome, cast.reviewer1, LOW, overall="low")
    assess(other, outcome, cast.reviewer1, LOW | {"D3": "high"}, overall="high")
    for each, n in ((study, 30), (other, 10)):
        values = {"n_exp": n, "mean_exp": 4, "sd_exp": 2, "n_ctrl": n, "mean_ctrl": 5, "sd_ctrl": 2}
        OutcomeData.objects.create(outcome=outcome, study=each, values=values)
    client.force_login(cast.lead)
    svg = client.get(figure_url(cast, outcome, plot="summary", format="svg", weights="n"))
    assert b"Share of total weight" in svg.content
    equal = client.get(figure_url(cast, outcome, plot="summary", format="svg"))
    assert b"Share of studies" in equal.content


def test_an_empty_figure_says_there_is_nothing_yet(client, cast, outcome):
    client.force_login(cast.lead)
    response = client.get(figure_url(cast, outcome, format="svg"))
    assert response.status_code == 200
    assert b"No RoB 2 assessments to plot yet." in response.content


def test_the_lead_picks_the_tools(client, cast):
    client.force_login(cast.lead)
    url = reverse("rob_settings", args=[cast.review.pk])
    assert client.post(url, {"tools": ["rob2", "robins_i"]}).status_code == 302
    cast.review.refresh_from_db()
    assert cast.review.rob_tools == ["rob2", "robins_i"]
    response = client.post(url, {})
    assert "Choose at least one risk-of-bias tool." in response.text


def test_rob1_is_judged_per_study_without_questions(client, cast, study):
    services.rob_tools_update(review=cast.review, tools=["rob1"])
    client.force_login(cast.reviewer1)
    url = reverse("rob_assess", args=[cast.review.pk, "rob1", study.pk])
    page = client.get(url)
    assert "Random sequence generation" in page.text and "data-question" not in page.text
    response = client.post(url, {"judgement_D1": "unclear", "support_D1": "Not described."})
    assert response.status_code == 302
    assert RobAssessment.objects.get(tool="rob1", outcome=None).judgements == {"D1": "unclear"}


def test_the_page_lists_every_saved_version(client, cast, study, outcome):
    client.force_login(cast.reviewer1)
    url = assess_url(cast, study, outcome)
    client.post(url, {"judgement_D2": "some_concerns"})
    client.post(url, {"judgement_D2": "some_concerns", "support_D2": "Open label."})
    page = client.get(url)
    assert len(page.context["history"]) == 2
    assert page.context["history"][0]["changed"] == ["support"]
