"""Extraction: studies, the extraction form, outcome data and risk-of-bias assessments."""
