"""Outcome pages: the lead defines outcomes, reviewers enter data in the grid or by CSV."""

import json
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from extraction.models import Comparison, Outcome, OutcomeData, Study
from extraction.services import outcome_data, outcomes


@pytest.fixture
def studies(cast):
    return [
        Study.objects.create(review=cast.review, name=name)
        for name in ["Sigtermans 2009", "Schwartzman 2009"]
    ]


@pytest.fixture
def pain(cast):
    comparison = outcomes.comparison_create(
        review=cast.review,
        name="IV ketamine vs control",
        experimental="Ketamine",
        control="Placebo",
    )
    return outcomes.outcome_create(
        comparison=comparison,
        name="Pain intensity",
        data_type="continuous",
        measure="MD",
        unit="0–10 NRS",
    )


def grid_url(outcome):
    return reverse("outcome_data", args=[outcome.comparison.review_id, outcome.pk])


def grid_post(study, **values):
    return {f"{study.pk}-row": "1", **{f"{study.pk}-{k}": str(v) for k, v in values.items()}}


CONTINUOUS = dict(n_exp=25, mean_exp=4.1, sd_exp=1.9, n_ctrl=24, mean_ctrl=5.6, sd_ctrl=2.1)


def test_the_lead_defines_a_comparison_and_an_outcome(client, cast):
    client.force_login(cast.lead)
    url = reverse("outcome_list", args=[cast.review.pk])
    response = client.post(
        url, {"name": "IV ketamine vs control", "experimental": "Ketamine", "control": "Placebo"}
    )
    assert response.status_code == 302
    comparison = Comparison.objects.get()
    form = {
        "name": "Nausea",
        "data_type": "dichotomous",
        "measure": "MD",
        "direction": "lower",
        "unit": "",
        "timepoint": "24 h",
        "subgroup_variable": "",
    }
    create = reverse("outcome_create", args=[cast.review.pk, comparison.pk])
    response = client.post(create, form)
    assert (
        "Mean difference does not suit dichotomous data (use RR, OR, RD)."
        in response.content.decode()
    )
    response = client.post(create, form | {"measure": "RR", "direction": "higher"})
    outcome = Outcome.objects.get()
    assert response.url == grid_url(outcome)
    assert (outcome.measure, outcome.lower_is_better, outcome.timepoint) == ("RR", False, "24 h")
    page = client.get(url).content.decode()
    assert "Nausea" in page and "Higher is better" in page


def test_reviewers_cannot_define_outcomes(client, cast, pain):
    client.force_login(cast.reviewer1)
    url = reverse("outcome_create", args=[cast.review.pk, pain.comparison_id])
    assert (
        client.post(url, {"name": "X", "data_type": "generic", "measure": "MD"}).status_code == 403
    )


def test_the_grid_shows_every_study_with_the_arm_labels(client, cast, pain, studies):
    client.force_login(cast.reviewer1)
    page = client.get(grid_url(pain)).content.decode()
    assert "Ketamine" in page and "Placebo" in page
    assert f'name="{studies[0].pk}-sd_ctrl"' in page and f'name="{studies[1].pk}-n_exp"' in page
    assert "subgroup" not in page.lower().split("<tbody>")[1].split("</tbody>")[0]


def test_a_reviewer_saves_the_grid(client, cast, pain, studies):
    client.force_login(cast.reviewer1)
    data = grid_post(studies[0], **CONTINUOUS) | grid_post(studies[1], **CONTINUOUS | {"n_exp": 30})
    response = client.post(grid_url(pain), data)
    assert response.status_code == 302
    assert sorted(d.values["n_exp"] for d in OutcomeData.objects.all()) == [25, 30]
    assert OutcomeData.objects.filter(entered_by=cast.reviewer1).count() == 2


def test_a_bad_cell_saves_nothing_and_is_shown_in_place(client, cast, pain, studies):
    client.force_login(cast.reviewer1)
    data = grid_post(studies[0], **CONTINUOUS) | grid_post(
        studies[1], **CONTINUOUS | {"sd_exp": "-0.5"}
    )
    response = client.post(grid_url(pain), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 problem found. Nothing was saved." in page
    assert "Schwartzman 2009: SD cannot be negative" in page
    assert f'name="{studies[1].pk}-sd_exp" value="-0.5"' in page  # what was typed stays
    assert "is-invalid" in page
    assert not OutcomeData.objects.exists()


def test_viewers_read_the_grid_but_cannot_write(client, cast, pain, studies):
    outcome_data.outcome_data_save_grid(
        outcome=pain,
        rows=[outcome_data.GridRow(studies[0], {k: str(v) for k, v in CONTINUOUS.items()})],
        user=cast.lead,
    )
    client.force_login(cast.viewer)
    page = client.get(grid_url(pain)).content.decode()
    assert "4.1" in page and "<input" not in page.split("<tbody>")[1]
    response = client.post(grid_url(pain), grid_post(studies[0], **CONTINUOUS | {"n_exp": 2}))
    assert response.status_code == 403
    upload = reverse("outcome_data_csv", args=[cast.review.pk, pain.pk])
    file = SimpleUploadedFile("data.csv", b"study,n_exp\n")
    assert client.post(upload, {"file": file}).status_code == 403
    assert OutcomeData.objects.get().values["n_exp"] == 25


def test_outsiders_get_404(client, cast, pain):
    client.force_login(cast.outsider)
    assert client.get(grid_url(pain)).status_code == 404


def test_the_csv_template_has_the_header_and_the_studies(client, cast, pain, studies):
    pain.subgroup_variable = "Dose"
    pain.save()
    client.force_login(cast.viewer)
    response = client.get(reverse("outcome_data_csv_template", args=[cast.review.pk, pain.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().splitlines() == [
        "study,n_exp,mean_exp,sd_exp,n_ctrl,mean_ctrl,sd_ctrl,subgroup",
        "Schwartzman 2009,,,,,,,",
        "Sigtermans 2009,,,,,,,",
    ]


def test_a_csv_with_bad_lines_is_rejected_whole(client, cast, pain, studies):
    client.force_login(cast.reviewer1)
    url = reverse("outcome_data_csv", args=[cast.review.pk, pain.pk])
    header = "study,n_exp,mean_exp,sd_exp,n_ctrl,mean_ctrl,sd_ctrl\n"
    good = "Sigtermans 2009,25,4.1,1.9,24,5.6,2.1\n"

    def upload(*lines):
        content = (header + "".join(lines)).encode()
        return client.post(url, {"file": SimpleUploadedFile("pain.csv", content)})

    page = upload(good, "Schwartzman 2009,25,4.1,-1,0,5.6,2.1\n").content.decode()
    assert "2 problems found. Nothing was saved." in page
    assert "line 3: SD cannot be negative" in page
    assert "line 3: n must be a positive whole number" in page
    # Study names are matched once the file reads cleanly.
    page = upload(good, "Smith 2010,25,4.1,1.9,24,5.6,2.1\n").content.decode()
    assert "1 problem found. Nothing was saved." in page
    assert "line 3: no study of this review is called “Smith 2010”" in page
    assert not OutcomeData.objects.exists()
    response = upload(good, "SCHWARTZMAN  2009,25,4.1,1.9,24,5.6,2.1\n")
    assert response.status_code == 302
    assert OutcomeData.objects.count() == 2


def test_the_derive_helper_computes_and_the_grid_records_it(client, cast, pain, studies):
    client.force_login(cast.reviewer1)
    url = reverse("outcome_derive", args=[cast.review.pk, pain.pk])
    form = client.get(url, {"field": "sd_exp", "study": studies[0].pk, "n": "25"}).content.decode()
    assert 'name="n" value="25"' in form and "Confidence interval of the group mean" in form
    response = client.post(
        url,
        {
            "field": "sd_exp",
            "study": studies[0].pk,
            "method": "sd_from_ci",
            "lower": "8.3",
            "upper": "12.1",
            "n": "25",
            "level": "0.95",
        },
    )
    page = response.content.decode()
    assert "4.6029" in page and "SD = √n × (upper − lower)" in page
    request = {"method": "sd_from_ci", "inputs": {"lower": "8.3", "upper": "12.1", "n": "25"}}
    data = grid_post(studies[0], **CONTINUOUS | {"sd_exp": "4.6029"})
    data[f"{studies[0].pk}-derived-sd_exp"] = json.dumps(request)
    client.post(grid_url(pain), data)
    [record] = OutcomeData.objects.get().derivations
    assert record["method"] == "sd_from_ci"
    page = client.get(grid_url(pain)).content.decode()
    assert "SD, Ketamine: SD = √n × (upper − lower) / (2 × t(0.975, n − 1))" in page
    assert f'name="{studies[0].pk}-sd_exp" value="4.6029"' in page  # shown rounded
    client.post(grid_url(pain), grid_post(studies[0], **CONTINUOUS | {"sd_exp": "4.6029"}))
    assert len(OutcomeData.objects.get().derivations) == 1  # saving it again keeps the record


def test_the_derive_helper_says_what_is_wrong(client, cast, pain):
    client.force_login(cast.reviewer1)
    url = reverse("outcome_derive", args=[cast.review.pk, pain.pk])
    response = client.post(url, {"field": "sd_exp", "method": "sd_from_se", "se": "0", "n": "25"})
    assert "se must be greater than 0" in response.content.decode()


class _FormFields(HTMLParser):
    """The name and value of every input of a page's form, as a browser would send them."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif tag == "input" and self.inside and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def rendered_grid(client, outcome) -> dict[str, str]:
    parser = _FormFields("outcome-grid")
    parser.feed(client.get(grid_url(outcome)).content.decode())
    return parser.fields


def test_the_grid_counts_the_rows_it_saved_not_the_rows_it_showed(client, cast, pain):
    five = [Study.objects.create(review=cast.review, name=f"Trial {i} 2020") for i in range(5)]
    client.force_login(cast.reviewer1)
    form = rendered_grid(client, pain)
    assert sum(1 for name in form if name.endswith("-row")) == 5
    for study in five[:4]:  # the fifth row is left blank, as the page showed it
        form |= {f"{study.pk}-{k}": str(v) for k, v in CONTINUOUS.items()}
    page = client.post(grid_url(pain), form, follow=True).content.decode()
    assert "Saved the data of 4 studies." in page
    assert OutcomeData.objects.filter(outcome=pain).count() == 4

    form = rendered_grid(client, pain)
    form |= {f"{five[0].pk}-{k}": "" for k in CONTINUOUS}  # clear one row, keep three
    page = client.post(grid_url(pain), form, follow=True).content.decode()
    assert "Saved the data of 3 studies; cleared the data of 1 study." in page

    page = client.post(
        grid_url(pain),
        rendered_grid(client, outcome=pain) | {f"{s.pk}-{k}": "" for s in five for k in CONTINUOUS},
        follow=True,
    ).content.decode()
    assert "Cleared the data of 3 studies." in page and "Saved the data" not in page
    page = client.post(grid_url(pain), rendered_grid(client, pain), follow=True).content.decode()
    assert "Nothing saved: every row was blank." in page
