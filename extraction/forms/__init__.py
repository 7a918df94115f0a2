"""Extraction forms, one module per concept: entries (the form builder and entry forms),
outcomes (comparisons, outcomes, CSV uploads, derivations) and rob (risk of bias)."""
