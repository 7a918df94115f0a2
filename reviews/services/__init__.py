"""Writes in the reviews app, one module per concept; import them from here."""

from .duplicates import clusters_apply, dedup_run, pair_decide, record_split
from .imports import (
    import_batch_commit,
    import_batch_create,
    import_batch_discard,
    import_batch_requeue,
    import_batch_run,
    import_preview,
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
    "clusters_apply",
    "dedup_run",
    "import_batch_commit",
    "import_batch_create",
    "import_batch_discard",
    "import_batch_requeue",
    "import_batch_run",
    "import_preview",
    "label_apply",
    "label_remove",
    "membership_add",
    "membership_remove",
    "membership_set_role",
    "pair_decide",
    "record_split",
    "records_lock",
    "user_find",
]
