"""Backups of one review: an archive that restores the whole review on another instance."""
