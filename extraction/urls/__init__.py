"""Extraction URLs: one module per concept, gathered here."""

from . import studies

urlpatterns = [*studies.urlpatterns]
