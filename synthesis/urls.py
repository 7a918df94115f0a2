from django.urls import path

from . import views

R = "reviews/<int:review_id>/"
ANALYSIS = R + "analyses/<int:analysis_id>/"

urlpatterns = [
    path(R + "analyses/", views.analysis_list, name="analysis_list"),
    path(R + "analyses/run-all/", views.analysis_run_all, name="analysis_run_all"),
    path(ANALYSIS, views.analysis_detail, name="analysis_detail"),
    path(ANALYSIS + "status/", views.analysis_status, name="analysis_status"),
    path(ANALYSIS + "settings/", views.analysis_settings, name="analysis_settings"),
    path(ANALYSIS + "run/", views.analysis_run, name="analysis_run"),
    path(ANALYSIS + "delete/", views.analysis_delete, name="analysis_delete"),
    path(ANALYSIS + "<str:kind>.<str:fmt>", views.analysis_figure, name="analysis_figure"),
    # The risk-of-bias figures of the extraction pages, at the path beside them.
    path(R + "rob/<str:tool_key>/figure/", views.rob_figure, name="rob_figure"),
    path(R + "prisma/", views.prisma_diagram, name="prisma_diagram"),
    path(R + "prisma/status/", views.prisma_status, name="prisma_status"),
    path(R + "prisma/diagram.<str:fmt>", views.prisma_figure, name="prisma_figure"),
]
