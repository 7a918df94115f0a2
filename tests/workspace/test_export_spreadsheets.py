"""Formula injection: a study renamed to a formula comes out as text in every CSV and workbook."""

import csv
import io

from django.urls import reverse

from extraction.models import Study
from extraction.services import outcomes

PAYLOAD = '=HYPERLINK("http://127.0.0.1/x","click")'


def test_a_study_renamed_to_a_formula_is_text_in_the_outcome_csv_template(client, cast):
    study = Study.objects.create(review=cast.review, name="Sigtermans 2009")
    comparison = outcomes.comparison_create(review=cast.review, name="Ketamine vs placebo")
    pain = outcomes.outcome_create(
        comparison=comparison, name="Pain", data_type="continuous", measure="MD"
    )
    client.force_login(cast.lead)
    url = reverse("study_detail", args=[cast.review.pk, study.pk])
    client.post(url, {"action": "rename", "name": PAYLOAD})
    study.refresh_from_db()
    assert study.name == PAYLOAD

    client.force_login(cast.viewer)
    response = client.get(reverse("outcome_data_csv_template", args=[cast.review.pk, pain.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][0] == "'" + PAYLOAD
    assert not any(cell.startswith("=") for row in rows for cell in row)
