"""Backups of one review: an archive that restores the whole review on another instance.

``plan`` says which models travel and in what order, ``archive`` is the file format,
``write`` makes a backup and ``restore`` reads one back as a new review. The commands
``backup_review`` and ``restore_review`` call ``write.review_backup`` and
``restore.review_restore``.
"""
