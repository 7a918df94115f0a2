"""Synthesis: analyses, the Celery tasks that run them, results, figures and exports."""
