from django.urls import path

from ..views import studies

R = "reviews/<int:review_id>/"

urlpatterns = [
    path(R + "studies/", studies.study_list, name="study_list"),
    path(R + "studies/<int:study_id>/", studies.study_detail, name="study_detail"),
]
