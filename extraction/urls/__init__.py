"""Extraction URLs: one module per concept, gathered here."""

from . import outcomes, studies

urlpatterns = [*studies.urlpatterns, *outcomes.urlpatterns]
