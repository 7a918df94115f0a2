from django.urls import path

from . import views

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/<int:review_id>/", views.review_dashboard, name="review_dashboard"),
    path("reviews/<int:review_id>/settings/", views.review_settings, name="review_settings"),
    path("reviews/<int:review_id>/team/", views.review_team, name="review_team"),
    path(
        "reviews/<int:review_id>/team/<int:member_id>/role/",
        views.member_role,
        name="review_member_role",
    ),
    path(
        "reviews/<int:review_id>/team/<int:member_id>/remove/",
        views.member_remove,
        name="review_member_remove",
    ),
    path("reviews/<int:review_id>/history/", views.review_history_page, name="review_history"),
]
