"""Extraction URLs: one module per concept, gathered here."""

from . import entries, form_builder, outcomes, rob, studies

urlpatterns = [
    *studies.urlpatterns,
    *outcomes.urlpatterns,
    *form_builder.urlpatterns,
    *entries.urlpatterns,
    *rob.urlpatterns,
]
