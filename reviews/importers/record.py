"""The normalised bibliographic record every parser yields, and the parse error."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One bibliographic record, normalised the same way whatever the source format.

    Identifiers are already normalised: ``doi`` is bare and lower case
    (``10.1002/cam4.747``), ``pmid`` holds digits only. ``raw`` keeps the
    original fields as ``(tag, value)`` pairs in file order so nothing the
    export said is lost. ``line`` is the 1-based line where the record starts.
    """

    title: str = ""
    abstract: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    embase_id: str = ""
    central_id: str = ""
    accession: str = ""
    keywords: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()
    language: str = ""
    publication_type: str = ""
    url: str = ""
    source_format: str = ""
    line: int = 0
    raw: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (tuples become lists, ``raw`` a list of pairs)."""
        return {
            name: list(map(list, value))
            if name == "raw"
            else list(value)
            if isinstance(value, tuple)
            else value
            for name in self.__slots__
            for value in [getattr(self, name)]
        }


class ParseError(ValueError):
    """Malformed or unsupported input: names the file, the line and the problem."""

    def __init__(self, message: str, *, filename: str = "", line: int | None = None):
        self.message = message
        self.filename = filename
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.filename or "<input>"
        if self.line is not None:
            where = f"{where}, line {self.line}"
        return f"{where}: {self.message}"
