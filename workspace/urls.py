from django.urls import path

from . import record_pages, views

R = "reviews/<int:review_id>/"
EXPORT = R + "export/"

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("reviews/new/", views.review_create, name="review_create"),
    path(R, views.review_dashboard, name="review_dashboard"),
    path(R + "settings/", views.review_settings, name="review_settings"),
    path(R + "history/", views.review_history_page, name="review_history"),
    path(EXPORT, views.review_export, name="review_export"),
    path(EXPORT + "<int:export_id>/status/", views.export_status, name="export_status"),
    path(EXPORT + "<int:export_id>/download/", views.export_download, name="export_download"),
    path(EXPORT + "records/", views.export_records, name="export_records"),
    path(EXPORT + "conflicts.csv", views.export_conflicts, name="export_conflicts"),
    path(EXPORT + "PRISMA2020.csv", views.export_prisma2020, name="export_prisma2020"),
    path(EXPORT + "analyses/<int:analysis_id>.zip", views.export_analysis, name="export_analysis"),
    # The records browser and story pages: record_split and full texts stay with their apps.
    path(R + "records/", record_pages.record_list, name="record_list"),
    path(R + "records/bulk/", record_pages.record_bulk, name="record_bulk"),
    path(R + "records/<int:record_id>/", record_pages.record_detail, name="record_detail"),
    path(R + "records/<int:record_id>/labels/", record_pages.record_label, name="record_label"),
]
