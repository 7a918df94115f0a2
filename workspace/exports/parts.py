"""The parts of the bundle on their own, for the export page: one analysis with its
figures, and the PRISMA 2020 counts. The same bytes each time for the same data."""

from __future__ import annotations

import io
import zipfile

from reviews.spreadsheets import csv_text
from synthesis.models import Analysis
from synthesis.prisma import prisma_flow
from synthesis.services import analysis_is_stale

from . import analysis as analysis_files
from . import figures, prisma2020
from .bundle import register_counts
from .scope import Scope


def zip_bytes(files: list[tuple[str, bytes]], when) -> bytes:
    """A zip of ``files`` dated ``when`` (not now), so a download is the same bytes twice."""
    stamp = when.timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files:
            archive.writestr(zipfile.ZipInfo(path, date_time=stamp), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def analysis_zip(analysis: Analysis) -> bytes:
    """One analysis: its settings and results (JSON and CSV) and its figures."""
    ids = analysis_files.study_ids(analysis.review)
    folder = f"analysis-{analysis.pk}"
    up_to_date = analysis.status == Analysis.Status.DONE and not analysis_is_stale(analysis)
    files = [
        (f"{folder}/settings.json", analysis_files.settings_json(analysis, up_to_date).encode())
    ]
    if analysis.status == Analysis.Status.DONE and analysis.results:
        files.append((f"{folder}/results.json", analysis_files.results_json(analysis).encode()))
        tables = [
            ("studies", (analysis_files.STUDIES_HEADER, analysis_files.study_rows(analysis, ids))),
            ("pooled", (analysis_files.POOLED_HEADER, analysis_files.pooled_rows([analysis], ids))),
            ("subgroups", analysis_files.subgroup_rows(analysis)),
            ("leave_one_out", analysis_files.leave_one_out_rows(analysis, ids)),
            ("small_study", analysis_files.small_study_rows(analysis)),
            ("robustness", analysis_files.robustness_rows(analysis)),
        ]
        for name, (header, rows) in tables:
            files.append((f"{folder}/{name}.csv", csv_text(header, rows).encode()))
        files += [
            (path.replace("figures/", f"{folder}/"), data)
            for path, data in figures.analysis_figures(analysis)
        ]
    return zip_bytes(files, analysis.updated)


def prisma2020_csv(scope: Scope) -> str:
    flow = prisma_flow(scope.review)
    rows = prisma2020.prisma2020_rows(flow, register_counts(scope, flow))
    return csv_text(prisma2020.HEADER, rows)
