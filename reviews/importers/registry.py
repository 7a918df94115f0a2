"""The one list of supported formats, and format detection from a file's start."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType

from . import (
    bibtex,
    cochrane_csv,
    cochrane_txt,
    embase_csv,
    endnote_xml,
    ovid,
    ovid_display,
    pubmed,
    ris,
    scopus_csv,
    wos_tab,
    wos_txt,
)
from .record import ParsedRecord, ParseError
from .source import TextSource, detect_encoding


@dataclass(frozen=True)
class Format:
    """A supported export format: its short name, a label, a sniffer and a parser.

    ``sniff`` sees the decoded start of the file (about 64 KiB, no BOM, ``\\n``
    line endings) and answers whether it is this format; ``parse`` streams the
    records of a :class:`TextSource`.
    """

    name: str
    label: str
    sniff: Callable[[str], bool]
    parse: Callable[[TextSource], Iterator[ParsedRecord]]


def _format(module: ModuleType) -> Format:
    return Format(module.NAME, module.LABEL, module.sniff, module.parse)


# Detection tries these in order; keep the more specific sniffers first.
FORMATS: dict[str, Format] = {
    f.name: f
    for f in map(
        _format,
        (
            endnote_xml,
            wos_tab,
            scopus_csv,
            embase_csv,
            cochrane_csv,
            pubmed,
            wos_txt,
            ovid,
            ovid_display,
            cochrane_txt,
            ris,
            bibtex,
        ),
    )
}


def supported() -> str:
    """Human-readable list of the supported formats, for error messages and --help."""
    return "; ".join(f"{f.name} ({f.label})" for f in FORMATS.values())


def detect_format(first_bytes_or_text: bytes | str, *, filename: str = "") -> str:
    """The short name of the format of a file, judged from its first bytes or text.

    Parameters
    ----------
    first_bytes_or_text : bytes or str
        The start of the file (64 KiB is plenty). Bytes are decoded with the
        same encoding detection :func:`read_records` uses.
    filename : str, optional
        Named in the error message.

    Returns
    -------
    str
        A key of :data:`FORMATS`, such as ``"ris"`` or ``"pubmed"``.

    Raises
    ------
    ParseError
        When no supported format matches; the message lists the formats.
    """
    text = first_bytes_or_text
    if isinstance(text, bytes | bytearray):
        _, codec = detect_encoding(bytes(text))
        text = bytes(text).decode(codec, errors="replace")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    for fmt in FORMATS.values():
        if fmt.sniff(text):
            return fmt.name
    raise ParseError(
        f"not a supported bibliographic export; supported formats: {supported()}",
        filename=filename,
        line=None,
    )
