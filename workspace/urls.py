from django.urls import path

from . import views

R = "reviews/<int:review_id>/"

urlpatterns = [
    path("", views.review_list, name="review_list"),
    path("reviews/new/", views.review_create, name="review_create"),
    path(R, views.review_dashboard, name="review_dashboard"),
    path(R + "settings/", views.review_settings, name="review_settings"),
    path(R + "history/", views.review_history_page, name="review_history"),
]
