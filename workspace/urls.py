from django.urls import path

from . import record_pages, views

R = "reviews/<int:review_id>/"

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("reviews/new/", views.review_create, name="review_create"),
    path(R, views.review_dashboard, name="review_dashboard"),
    path(R + "history/", views.review_history_page, name="review_history"),
    # The records browser and story pages: record_split and full texts stay with their apps.
    path(R + "records/", record_pages.record_list, name="record_list"),
    path(R + "records/bulk/", record_pages.record_bulk, name="record_bulk"),
    path(R + "records/<int:record_id>/", record_pages.record_detail, name="record_detail"),
    path(R + "records/<int:record_id>/labels/", record_pages.record_label, name="record_label"),
]
