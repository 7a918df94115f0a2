"""What the reviews app tells the apps built on it, which it never imports.

``records_imported(sender=ImportBatch, review=Review, batch=ImportBatch)`` is
sent inside the import's transaction once the batch's records are stored and
deduplicated (screening puts the new unique records in its queue).
"""

from django.dispatch import Signal

records_imported = Signal()
