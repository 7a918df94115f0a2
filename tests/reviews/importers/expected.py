"""Read ``../shared/fixtures/exports/EXPECTED.md`` into test cases.

The expected values stay in the shared fixtures (the real records' text is
not copied into the project); this module only parses the tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO / ".." / "shared"
EXPORTS = SHARED / "fixtures" / "exports"
SKIP_REASON = f"../shared not present ({SHARED.resolve()}): a fresh clone has no shared fixtures"

_SECTION = re.compile(r"^## `([^`]+)`", re.MULTILINE)
_COUNT = re.compile(r"\*\*Records: ([0-9]+)\.\*\*")


@dataclass(frozen=True)
class ExpectedRecord:
    number: int  # 1-based position in the file
    title: str
    first_author: str
    year: int | None
    journal: str
    doi: str
    pmid: str
    has_abstract: bool


@dataclass(frozen=True)
class ExpectedFile:
    path: str
    count: int
    records: tuple[ExpectedRecord, ...]


def _value(cell: str) -> str:
    cell = cell.strip()
    return "" if cell in ("—", "-") else cell


def _journal(cell: str) -> str:
    # "BMC Proceedings (from `SO`)" and "Ecohydrology (from `Source`); year ..." name
    # where the value comes from; the journal is the part before the note.
    return _value(re.split(r" \(from `", cell)[0])


def _record(row: str) -> ExpectedRecord:
    cells = row.strip().strip("|").split("|")
    number, title, author, year, journal, doi, pmid, abstract = cells
    return ExpectedRecord(
        number=int(number),
        title=_value(title),
        first_author=_value(author),
        year=int(year) if _value(year).isdigit() else None,
        journal=_journal(journal),
        doi=_value(doi),
        pmid=_value(pmid),
        has_abstract=abstract.strip() == "yes",
    )


def expected_files() -> list[ExpectedFile]:
    """One entry per ``## `path``` section of EXPECTED.md (empty without ../shared)."""
    path = EXPORTS / "EXPECTED.md"
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    sections = _SECTION.split(text)[1:]
    files = []
    for name, body in zip(sections[::2], sections[1::2], strict=True):
        count = int(_COUNT.search(body).group(1))
        rows = [line for line in body.splitlines() if re.match(r"\| [0-9]+ \|", line)]
        files.append(ExpectedFile(name, count, tuple(_record(row) for row in rows)))
    return files
