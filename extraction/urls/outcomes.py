from django.urls import path

from ..views import outcomes

R = "reviews/<int:review_id>/"
OUTCOME = R + "outcomes/<int:outcome_id>/"
COMPARISON = R + "comparisons/<int:comparison_id>/"

urlpatterns = [
    path(R + "outcomes/", outcomes.outcome_list, name="outcome_list"),
    path(COMPARISON, outcomes.comparison_edit, name="comparison_edit"),
    path(COMPARISON + "delete/", outcomes.comparison_delete, name="comparison_delete"),
    path(COMPARISON + "outcomes/new/", outcomes.outcome_create, name="outcome_create"),
    path(OUTCOME, outcomes.outcome_data, name="outcome_data"),
    path(OUTCOME + "edit/", outcomes.outcome_edit, name="outcome_edit"),
    path(OUTCOME + "delete/", outcomes.outcome_delete, name="outcome_delete"),
    path(OUTCOME + "csv/", outcomes.outcome_data_csv, name="outcome_data_csv"),
    path(
        OUTCOME + "csv/template/",
        outcomes.outcome_data_csv_template,
        name="outcome_data_csv_template",
    ),
    path(OUTCOME + "derive/", outcomes.outcome_derive, name="outcome_derive"),
]
