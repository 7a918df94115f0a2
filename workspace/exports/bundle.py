"""The export bundle: a zip written as it goes, every file's sha256 kept for the manifest.

``build_bundle(scope, stream, progress)`` writes the parts in order (data,
analysis, figures, references, revman, prisma, reproduce, methods.md) and
``manifest.json`` last. Tables stream from the database into their CSV and the
workbook in one pass, so memory stays flat however large the review.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import queue
import threading
import zipfile
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from reviews.models import Source
from reviews.selectors import identified_by_source
from reviews.spreadsheets import CSVWriter, Workbook
from synthesis.prisma import prisma_flow
from synthesis.services import analysis_is_stale

from . import analysis as analysis_files
from . import figures, methods, prisma2020, records, references, revman, rob, studies
from .scope import Scope
from .tables import Table

REPRODUCE = Path(__file__).resolve().parent / "reproduce"
#: Sheets past this many rows stay out of the workbook (the CSV holds them): openpyxl
#: writes about 30,000 cells a second, so 100,000 records would take minutes.
WORKBOOK_MAX_ROWS = 10_000
LIBRARIES = ("Django", "numpy", "scipy", "pandas", "matplotlib", "openpyxl", "celery")
Progress = Callable[[int, str], None]


def data_tables(scope: Scope) -> list[Table]:
    """Every table of ``data/``, in the workbook's sheet order."""
    return [
        records.imports_table(scope),
        records.records_table(scope),
        records.decisions_table(scope),
        records.resolutions_table(scope),
        records.conflicts_table(scope),
        records.history_table(scope),
        studies.studies_table(scope),
        studies.study_reports_table(scope),
        studies.extraction_table(scope),
        studies.outcomes_table(scope),
        studies.outcome_data_table(scope),
        studies.derivations_table(scope),
        rob.rob_table(scope),
        rob.rob_answers_table(scope),
    ]


class _Background:
    """A text sink: what is written is encoded, hashed and compressed into ``entry`` by a
    second thread, a megabyte at a time.

    zlib, sha256 and the file's write release the GIL, so one megabyte is
    compressed while the next is formatted: at 100,000 records a fifth of the
    export went to compressing, on the thread that formats the rows.
    """

    BLOCK = 1 << 20  # characters

    def __init__(self, entry, digest):
        self._parts: list[str] = []
        self._size = 0
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, args=(entry, digest), daemon=True)
        self._thread.start()

    def _drain(self, entry, digest) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    digest.update(data)
                    entry.write(data)
                except BaseException as error:  # handed to the writing thread
                    self._error = error

    def write(self, text: str) -> int:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.BLOCK:
            self._send()
        return len(text)

    def _send(self) -> None:
        if self._error is not None:
            raise self._error
        if self._parts:
            self._queue.put("".join(self._parts).encode("utf-8"))
            self._parts, self._size = [], 0

    def close(self, *, flush: bool) -> None:
        """Send what is left (when ``flush``) and wait for the thread."""
        try:
            if flush:
                self._send()
        finally:
            self._queue.put(None)
            self._thread.join()
        if flush and self._error is not None:
            raise self._error


@dataclass
class BundleWriter:
    """The zip being written and the sha256 of every file in it."""

    stream: object
    hashes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.zip = zipfile.ZipFile(self.stream, "w", zipfile.ZIP_DEFLATED, compresslevel=1)

    def write_bytes(self, path: str, data: bytes) -> None:
        self.zip.writestr(path, data)
        self.hashes[path] = hashlib.sha256(data).hexdigest()

    def write_text(self, path: str, text: str) -> None:
        self.write_bytes(path, text.encode("utf-8"))

    @contextmanager
    def open_text(self, path: str):
        """A text stream into the zip entry ``path``, hashed as it is written."""
        digest = hashlib.sha256()
        with self.zip.open(path, "w", force_zip64=True) as entry:
            text = _Background(entry, digest)
            try:
                yield text
            except BaseException:
                text.close(flush=False)
                raise
            text.close(flush=True)
        self.hashes[path] = digest.hexdigest()

    def write_pieces(self, path: str, pieces: Iterable[str]) -> None:
        """Stream the text ``pieces`` into ``path``: a large file never sits in memory whole."""
        with self.open_text(path) as text:
            for piece in pieces:
                text.write(piece)

    def write_csv(self, path: str, header, rows: Iterable, also=None) -> int:
        """Stream ``rows`` into ``path`` (and into the sheet ``also``); returns the row count."""
        count = 0
        with self.open_text(path) as text:
            writer = CSVWriter(text)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                if also is not None:
                    also.append(row)
                count += 1
        return count

    def close(self) -> None:
        self.zip.close()


PARTS = ("data", "analysis", "figures", "references", "revman", "prisma", "reproduce", "methods")


def build_bundle(
    scope: Scope, stream, progress: Progress | None = None, parts=PARTS
) -> dict[str, str]:
    """Write the bundle of ``scope`` into ``stream`` (``parts``: all by default); returns
    {path: sha256} of every file, ``manifest.json`` last."""
    progress = progress or (lambda percent, text: None)
    writer = BundleWriter(stream)
    started = timezone.now()
    analyses = analysis_files.review_analyses(scope.review)
    flow = prisma_flow(scope.review)
    steps = [
        ("data", 2, "Writing the records, decisions and extraction tables", lambda: _data(writer, scope, progress)),
        ("analysis", 45, "Writing the analyses", lambda: _analysis(writer, scope, analyses)),
        ("figures", 55, "Drawing the figures", lambda: _figures(writer, scope, analyses, progress)),
        ("references", 85, "Writing the references", lambda: _references(writer, scope)),
        ("revman", 88, "Writing the RevMan files", lambda: _revman(writer, scope)),
        ("prisma", 90, "Writing the PRISMA 2020 counts", lambda: _prisma(writer, scope, flow)),
        ("reproduce", 92, "Adding the reproduction scripts", lambda: _reproduce(writer)),
        ("methods", 94, "Writing methods.md", lambda: writer.write_text(
            "methods.md", methods.methods_markdown(scope, flow, analyses, version()))),
    ]  # fmt: skip
    try:
        for part, percent, text, write in steps:
            if part in parts:
                progress(percent, text)
                write()
        writer.write_text("README.md", _readme(scope))
        progress(98, "Writing the manifest")
        writer.write_text("manifest.json", manifest(scope, writer.hashes, started))
    finally:
        writer.close()
    return writer.hashes


def _data(writer: BundleWriter, scope: Scope, progress: Progress) -> None:
    workbook = Workbook()
    tables = data_tables(scope)
    for i, table in enumerate(tables):
        progress(2 + 40 * i // len(tables), f"Writing {table.sheet.lower()}")
        size = table.size() if table.size else 0
        sheet = None
        if size <= WORKBOOK_MAX_ROWS:
            sheet = workbook.add_sheet(table.sheet, table.header)
        rows = writer.write_csv(table.path, table.header, table.rows(), also=sheet)
        if sheet is None:
            note = workbook.add_sheet(table.sheet, ["note"])
            note.append([f"{rows:,} rows: too many for this workbook; see {table.path}."])
    buffer = io.BytesIO()
    workbook.save(buffer)
    writer.write_bytes("data/workbook.xlsx", buffer.getvalue())


def _analysis(writer: BundleWriter, scope: Scope, analyses) -> None:
    ids = analysis_files.study_ids(scope.review)
    writer.write_csv(
        "analysis/analyses.csv",
        analysis_files.ANALYSES_HEADER,
        analysis_files.analyses_rows(analyses, ids),
    )
    writer.write_csv(
        "analysis/pooled.csv",
        analysis_files.POOLED_HEADER,
        analysis_files.pooled_rows(analyses, ids),
    )
    for a in analyses:
        folder = f"analysis/analysis-{a.pk}"
        up_to_date = a.status == "done" and not analysis_is_stale(a)
        writer.write_text(f"{folder}/settings.json", analysis_files.settings_json(a, up_to_date))
        if a.status != "done" or not a.results:
            continue
        writer.write_text(f"{folder}/results.json", analysis_files.results_json(a))
        writer.write_csv(
            f"{folder}/studies.csv",
            analysis_files.STUDIES_HEADER,
            analysis_files.study_rows(a, ids),
        )
        for name, (header, rows) in (
            ("subgroups", analysis_files.subgroup_rows(a)),
            ("leave_one_out", analysis_files.leave_one_out_rows(a, ids)),
            ("small_study", analysis_files.small_study_rows(a)),
            ("robustness", analysis_files.robustness_rows(a)),
        ):
            writer.write_csv(f"{folder}/{name}.csv", header, rows)


def _figures(writer: BundleWriter, scope: Scope, analyses, progress: Progress) -> None:
    for i, a in enumerate(analyses):
        progress(55 + 25 * i // max(1, len(analyses)), f"Drawing the figures of {a.name}")
        for path, data in figures.analysis_figures(a):
            writer.write_bytes(path, data)
    for path, data in figures.rob_figures(scope):
        writer.write_bytes(path, data)
    for path, data in figures.prisma_files(scope):
        writer.write_bytes(path, data)


def _references(writer: BundleWriter, scope: Scope) -> None:
    writer.write_pieces("references/included_studies.ris", references.included_studies(scope))
    writer.write_pieces("references/excluded_full_texts.ris", references.excluded_full_texts(scope))
    writer.write_pieces("references/all_records.ris", references.all_records(scope))


def _revman(writer: BundleWriter, scope: Scope) -> None:
    for name, (header, rows) in (
        ("study_information.csv", revman.study_information(scope)),
        ("study_arms.csv", revman.study_arms(scope)),
        ("study_results.csv", revman.study_results(scope)),
    ):
        writer.write_csv(f"revman/{name}", header, rows)
    for name, header, rows in revman.risk_of_bias(scope):
        writer.write_csv(f"revman/{name}", header, rows)
    writer.write_pieces("revman/included_studies.ris", references.included_studies(scope))
    writer.write_bytes("revman/README.md", (REPRODUCE / "REVMAN.md").read_bytes())


def register_counts(scope: Scope, flow) -> dict[str, int]:
    """The sources of the diagram's left column that are trial registers, with its counts."""
    labels = {
        row.label for row in identified_by_source(scope.review) if row.source == Source.REGISTER
    }
    return {label: n for label, n in flow.identified_by_source.items() if label in labels}


def _prisma(writer: BundleWriter, scope: Scope, flow) -> None:
    rows = prisma2020.prisma2020_rows(flow, register_counts(scope, flow))
    writer.write_csv("prisma/PRISMA2020.csv", prisma2020.HEADER, rows)


def _reproduce(writer: BundleWriter) -> None:
    for name in ("reproduce.py", "reproduce.R", "README.md"):
        writer.write_bytes(f"reproduce/{name}", (REPRODUCE / name).read_bytes())


def _readme(scope: Scope) -> str:
    return (
        (REPRODUCE / "BUNDLE.md")
        .read_text(encoding="utf-8")
        .replace("{review}", scope.review.title)
    )


def version() -> str:
    """Prismatic's version, from pyproject.toml."""
    import tomllib

    with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def manifest(scope: Scope, hashes: dict[str, str], started) -> str:
    versions = {"Python": platform.python_version(), "Prismatic": version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    document = {
        "prismatic": version(),
        "versions": versions,
        "review": {
            "id": scope.review.pk,
            "title": scope.review.title,
            "protocol_id": scope.review.protocol_id,
        },
        "exported_by": scope.who,
        "scope": "whole review" if scope.full else "without other reviewers' unresolved decisions",
        "started": started.isoformat(),
        "finished": timezone.now().isoformat(),
        "files": {path: {"sha256": digest} for path, digest in sorted(hashes.items())},
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
