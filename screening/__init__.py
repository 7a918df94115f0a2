"""Screening: stages, decisions, conflicts, resolutions, agreement and prioritisation."""
