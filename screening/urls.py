from django.urls import path

from . import views

R = "reviews/<int:review_id>/"
S = R + "screen/<slug:stage_slug>/"

urlpatterns = [
    path(S, views.screen, name="screen"),
    path(S + "decide/", views.decide, name="screen_decide"),
    path(S + "skip/", views.skip, name="screen_skip"),
    path(S + "undo/", views.undo, name="screen_undo"),
    path(S + "mine/", views.my_decisions, name="screen_mine"),
    path(S + "order/", views.screen_order, name="screen_order"),
    path(R + "prioritisation/", views.prioritisation, name="prioritisation"),
    path(
        R + "prioritisation/rankings/<int:ranking_id>/retry/",
        views.ranking_retry,
        name="ranking_retry",
    ),
    path(R + "stopping/start/", views.stopping_start, name="stopping_start"),
    path(R + "stopping/extend/", views.stopping_extend, name="stopping_extend"),
    path(R + "stopping/close/", views.stopping_close, name="stopping_close"),
    path(R + "conflicts/", views.conflict_list, name="conflict_list"),
    path(R + "conflicts/<int:record_id>/resolve/", views.conflict_resolve, name="conflict_resolve"),
    path(R + "reasons/", views.reason_list, name="reason_list"),
    path(R + "reasons/<int:reason_id>/toggle/", views.reason_toggle, name="reason_toggle"),
    path(R + "records/<int:record_id>/full-text/", views.full_text_edit, name="full_text_edit"),
    path(R + "records/<int:record_id>/full-text/pdf/", views.full_text_file, name="full_text_file"),
]
