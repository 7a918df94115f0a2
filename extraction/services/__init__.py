"""Writes in extraction, one module per concept (studies, form_builder, outcomes, rob)."""
