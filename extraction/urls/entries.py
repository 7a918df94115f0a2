from django.urls import path

from ..views import entries

R = "reviews/<int:review_id>/"
S = R + "studies/<int:study_id>/extraction/"

urlpatterns = [
    path(R + "extraction/", entries.extraction_list, name="extraction_list"),
    path(S, entries.study_extract, name="study_extract"),
    path(S + "fields/<int:field_id>/", entries.study_extract_field, name="study_extract_field"),
    path(S + "compare/", entries.study_extract_compare, name="study_extract_compare"),
]
