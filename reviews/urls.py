from django.urls import path

from .views import accounts, duplicates, imports, team

R = "reviews/<int:review_id>/"

urlpatterns = [
    path(R + "team/", team.review_team, name="review_team"),
    path(R + "team/<int:member_id>/role/", team.member_role, name="review_member_role"),
    path(R + "team/<int:member_id>/remove/", team.member_remove, name="review_member_remove"),
    path(R + "team/invitations/", team.invitation_create, name="invitation_create"),
    path(
        R + "team/invitations/<int:invitation_id>/resend/",
        team.invitation_resend,
        name="invitation_resend",
    ),
    path(
        R + "team/invitations/<int:invitation_id>/revoke/",
        team.invitation_revoke,
        name="invitation_revoke",
    ),
    path(R + "imports/", imports.import_list, name="import_list"),
    path(R + "imports/<int:batch_id>/", imports.import_detail, name="import_detail"),
    path(R + "imports/<int:batch_id>/progress/", imports.import_progress, name="import_progress"),
    path(R + "imports/<int:batch_id>/commit/", imports.import_commit, name="import_commit"),
    path(R + "imports/<int:batch_id>/discard/", imports.import_discard, name="import_discard"),
    path(R + "imports/<int:batch_id>/requeue/", imports.import_requeue, name="import_requeue"),
    path(R + "records/<int:record_id>/split/", duplicates.record_split, name="record_split"),
    path(R + "duplicates/", duplicates.duplicate_list, name="duplicate_list"),
    path(
        R + "duplicates/<int:pair_id>/decide/", duplicates.duplicate_decide, name="duplicate_decide"
    ),
    # Opened by people who are on no team yet.
    path(
        "invitations/<int:invitation_id>/<str:token>/",
        accounts.invitation_accept,
        name="invitation_accept",
    ),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/signup/<str:token>/", accounts.signup_complete, name="signup_complete"),
]
