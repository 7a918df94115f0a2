"""Extraction URLs: one module per concept, gathered here."""

from . import outcomes, rob, studies

urlpatterns = [*studies.urlpatterns, *outcomes.urlpatterns, *rob.urlpatterns]
