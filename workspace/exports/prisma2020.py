"""The ``prisma/`` part: the review's PRISMA 2020 counts in the CSV template of the
PRISMA2020 R package (Haddaway et al. 2022), so a reader can redraw the diagram there.

Columns ``data,node,box,description,boxtext,tooltips,url,n``, one row per
count the package reads (its ``inst/extdata/PRISMA.csv``); per-database
counts and exclusion reasons go in ``n`` as "Embase, 650; MEDLINE, 497" and
"Reason, n; Reason, n". The counts come from
:func:`synthesis.prisma.prisma_flow` only.

References
----------
Haddaway NR, Page MJ, Pritchard CC, McGuinness LA. PRISMA2020: An R package
and Shiny app for producing PRISMA 2020-compliant flow diagrams. Campbell
Systematic Reviews 2022;18:e1230.
"""

from __future__ import annotations

from collections.abc import Mapping

from reviews.models import Source
from synthesis.plots.prisma import PrismaFlow

HEADER = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")
REGISTERS = {Source.REGISTER.label}


def _pairs(counts: Mapping[str, int] | None) -> str:
    """ "Embase, 650; MEDLINE, 497": the package splits on ";" then on the first ","."""
    return "; ".join(
        f"{name.replace(';', ' -').replace(',', ' -')}, {n}" for name, n in (counts or {}).items()
    )


def _row(data, node, box, text, n) -> tuple:
    return (data, node, box, text, text, text if node != "NA" else "NA", "NA", n)


def prisma2020_rows(flow: PrismaFlow, registers: Mapping[str, int]) -> list[tuple]:
    """The template's rows filled from ``flow``; ``registers`` are the sources of
    ``flow.identified_by_source`` that are trial registers (the rest are databases)."""
    databases = {k: v for k, v in flow.identified_by_source.items() if k not in registers}
    other = dict(flow.other_identified or {})
    websites = other.get(Source.WEBSITE.label, 0)
    citations = other.get(Source.CITATION.label, 0)
    rows = [
        _row("NA", "node4", "prevstud", "Previous studies", 0),
        _row("previous_studies", "node5", "box1", "Studies included in previous version of review", 0),
        _row("previous_reports", "NA", "box1", "Reports of studies included in previous version of review", 0),
        _row("NA", "node6", "newstud", "Identification of new studies via databases and registers", 0),
        _row("database_results", "node7", "box2", "Databases", sum(databases.values())),
        _row("database_specific_results", "NA", "box2", "Specific databases", _pairs(databases) or 0),
        _row("register_results", "NA", "box2", "Registers", sum(registers.values())),
        _row("register_specific_results", "NA", "box2", "Specific registers", _pairs(registers) or 0),
        _row("NA", "node16", "othstud", "Identification of new studies via other methods", 0),
        _row("website_results", "node17", "box11", "Websites", websites),
        _row("organisation_results", "NA", "box11", "Organisations", 0),
        _row("citations_results", "NA", "box11", "Citation searching", citations),
        _row("duplicates", "node8", "box3", "Duplicate records", flow.duplicates_removed),
        _row("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools", 0),
        _row("excluded_other", "NA", "box3", "Records removed for other reasons", flow.other_removed),
        _row("records_screened", "node9", "box4", "Records screened", flow.records_screened),
        _row("records_excluded", "node10", "box5", "Records excluded", flow.records_excluded),
        _row("dbr_sought_reports", "node11", "box6", "Reports sought for retrieval", flow.reports_sought),
        _row("dbr_notretrieved_reports", "node12", "box7", "Reports not retrieved", flow.reports_not_retrieved),
        _row("other_sought_reports", "node18", "box12", "Reports sought for retrieval", flow.other_sought),
        _row("other_notretrieved_reports", "node19", "box13", "Reports not retrieved", flow.other_not_retrieved),
        _row("dbr_assessed", "node13", "box8", "Reports assessed for eligibility", flow.reports_assessed),
        _row("dbr_excluded", "node14", "box9", "Reports excluded", _pairs(flow.reports_excluded) or 0),
        _row("other_assessed", "node20", "box14", "Reports assessed for eligibility", flow.other_assessed),
        _row("other_excluded", "node21", "box15", "Reports excluded", _pairs(flow.other_excluded) or 0),
        _row("new_studies", "node15", "box10", "New studies included in review", flow.studies_included),
        _row("new_reports", "NA", "box10", "Reports of new included studies", flow.reports_included),
        _row("total_studies", "node22", "box16", "Total studies included in review", flow.studies_included),
        _row("total_reports", "NA", "box16", "Reports of total included studies", flow.reports_included),
        _row("identification", "node1", "identification", "Identification", 0),
        _row("screening", "node2", "screening", "Screening", 0),
        _row("included", "node3", "included", "Included", 0),
    ]  # fmt: skip
    return rows
