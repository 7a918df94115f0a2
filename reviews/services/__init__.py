"""Writes in the reviews app, one module per concept; import them from here."""

from .accounts import signup_complete, signup_request, signup_token_email, user_create
from .duplicates import clusters_apply, dedup_run, pair_decide, record_split
from .imports import (
    import_batch_commit,
    import_batch_create,
    import_batch_discard,
    import_batch_fail,
    import_batch_requeue,
    import_batch_resend,
    import_batch_run,
    import_preview,
)
from .invitations import (
    InvitationSent,
    invitation_accept,
    invitation_accept_new_account,
    invitation_create,
    invitation_for_token,
    invitation_has_account,
    invitation_resend,
    invitation_revoke,
)
from .labels import label_apply, label_remove
from .selection import records_lock
from .team import (
    membership_add,
    membership_remove,
    membership_set_role,
    user_find,
)

__all__ = [
    "InvitationSent",
    "clusters_apply",
    "dedup_run",
    "import_batch_commit",
    "import_batch_create",
    "import_batch_discard",
    "import_batch_fail",
    "import_batch_requeue",
    "import_batch_resend",
    "import_batch_run",
    "import_preview",
    "invitation_accept",
    "invitation_accept_new_account",
    "invitation_create",
    "invitation_for_token",
    "invitation_has_account",
    "invitation_resend",
    "invitation_revoke",
    "label_apply",
    "label_remove",
    "membership_add",
    "membership_remove",
    "membership_set_role",
    "pair_decide",
    "record_split",
    "signup_complete",
    "signup_request",
    "signup_token_email",
    "user_create",
    "records_lock",
    "user_find",
]
