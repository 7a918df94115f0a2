"""Decoded, streaming access to an export file: encoding detection, lines and chunks.

Parsers never touch bytes. They receive a :class:`TextSource`, which reads the
file in chunks, decodes them with the detected encoding and hands out either
text chunks (for XML) or lines split on ``\\r\\n``, bare ``\\r`` and ``\\n``.
Memory stays flat whatever the file size.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import BinaryIO

from .record import ParseError

CHUNK_BYTES = 1 << 20
SAMPLE_BYTES = 256 * 1024
MAX_WARNINGS = 1000

_FALLBACK_ERRORS = "prismatic-latin-1"
# Codecs (by codecs.lookup name) in which the byte 0x0A is always a line feed.
_ASCII_COMPATIBLE = frozenset({"utf-8", "utf-8-sig", "cp1252", "iso8859-1", "ascii"})


def _latin1_for_undefined(error: UnicodeDecodeError) -> tuple[str, int]:
    # cp1252 leaves five bytes undefined; Latin-1 maps every byte, so use it there.
    bad = error.object[error.start : error.end]
    return bad.decode("latin-1"), error.end


codecs.register_error(_FALLBACK_ERRORS, _latin1_for_undefined)


def detect_encoding(sample: bytes) -> tuple[str, str]:
    """Guess the encoding of ``sample`` (the first bytes of a file).

    Returns
    -------
    (name, codec)
        ``name`` is what we report (``utf-8``, ``utf-8-sig``, ``utf-16-le``,
        ``utf-16-be``, ``cp1252``); ``codec`` is what we decode with (it consumes
        any byte-order mark).

    Notes
    -----
    Byte-order marks win. Without one, many NUL bytes mean BOM-less UTF-16 (NULs
    at odd offsets: little-endian). Otherwise UTF-8 if the sample decodes
    strictly, else cp1252 with Latin-1 for its undefined bytes.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", "utf-32"
    if sample.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", "utf-16"
    if sample.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", "utf-16"
    utf16 = _bomless_utf16(sample)
    if utf16:
        return utf16, utf16
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252", "cp1252"
    return "utf-8", "utf-8"


def _bomless_utf16(sample: bytes) -> str:
    head = sample[:4096]
    if len(head) < 4 or head.count(0) < len(head) // 4:
        return ""
    odd_nuls = head[1::2].count(0)
    even_nuls = head[0::2].count(0)
    if odd_nuls > 3 * even_nuls:
        return "utf-16-le"
    if even_nuls > 3 * odd_nuls:
        return "utf-16-be"
    return ""


# Files that are containers of other files, by their first bytes. An archive
# can hold readable text (an uncompressed ZIP of a RIS file shows its records
# between binary headers), so it is refused before any parser sees it.
CONTAINERS = (
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"PK\x07\x08", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"),
    (b"%PDF-", "a PDF"),
)


def container_kind(head: bytes) -> str | None:
    """What kind of archive, compressed file or document ``head`` starts, or None."""
    for magic, kind in CONTAINERS:
        if head.startswith(magic):
            return kind
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "a tar archive"
    return None


class TextSource:
    """A decoded export file, read once, front to back.

    Attributes
    ----------
    filename : str
        Shown in errors and warnings.
    encoding : str
        The detected (or given) encoding.
    sample : str
        The decoded start of the file, used to detect the format.
    warnings : list of (line, message)
        Things a parser skipped (counters, search-history lines, ...). Capped at
        ``MAX_WARNINGS`` entries plus one note that more were dropped.
    """

    def __init__(
        self,
        stream: BinaryIO,
        *,
        filename: str = "",
        max_bytes: int | None = None,
        encoding: str | None = None,
    ):
        self.filename = filename
        self.warnings: list[tuple[int, str]] = []
        self._raw = _CountingReader(stream, self, max_bytes)
        head = self._raw.read_head(SAMPLE_BYTES)
        if kind := container_kind(head):
            raise self.error(
                f"this is {kind}, not a text export: take the export out of it and upload that",
                1,
            )
        if encoding:
            self.encoding, self._codec = encoding, encoding
        else:
            self.encoding, self._codec = detect_encoding(head)
        try:
            sample = head.decode(self._codec, errors="replace")
        except LookupError:
            raise self.error(f"unknown encoding {encoding!r}") from None
        self._kept_bom = sample.startswith("\ufeff")
        self.sample = sample[: SAMPLE_BYTES // 4].lstrip("\ufeff")
        errors = _FALLBACK_ERRORS if self._codec == "cp1252" else "strict"
        self._errors = errors
        self._piece_codec = "utf-8" if self._codec == "utf-8-sig" else self._codec
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._raw, buffer_size=CHUNK_BYTES),
            encoding=self._codec,
            errors=errors,
            newline=None,
        )
        self._text._CHUNK_SIZE = 1 << 16

    def error(self, message: str, line: int | None = None) -> ParseError:
        """A :class:`ParseError` naming this file (raise it)."""
        return ParseError(message, filename=self.filename, line=line)

    def warn(self, line: int, message: str) -> None:
        """Record something skipped, without stopping the import."""
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append((line, message))
        elif len(self.warnings) == MAX_WARNINGS:
            self.warnings.append((line, "further warnings not shown"))

    def lines(self) -> Iterator[str]:
        """The file's lines, each ending in ``"\\n"`` (the last one may not).

        ``\\r\\n`` and bare ``\\r`` are translated to ``"\\n"``. Read once.
        """
        self._skip_bom()
        return self._text

    def chunks(self, size: int = 1 << 16) -> Iterator[str]:
        """Decoded text in pieces of about ``size`` characters. Read once."""
        self._skip_bom()
        read = self._text.read
        while chunk := read(size):
            yield chunk

    def byte_chunks(self, size: int = 1 << 20) -> Iterator[bytes] | None:
        """Undecoded pieces ending at line breaks, for the fastest parsers; or None.

        Only for encodings where ``b"\\n"`` always means a line break (UTF-8,
        cp1252, Latin-1, ASCII); ``None`` otherwise, and the parser should use
        :meth:`chunks`. Line endings are translated to ``b"\\n"`` and a UTF-8
        BOM is dropped. Turn pieces into text with :meth:`decode`. Read once.
        """
        if codecs.lookup(self._codec).name not in _ASCII_COMPATIBLE:
            return None
        return self._byte_chunks(size)

    def _byte_chunks(self, size: int) -> Iterator[bytes]:
        read = self._text.buffer.read
        data = read(max(size, len(codecs.BOM_UTF8))).removeprefix(codecs.BOM_UTF8) or read(size)
        carry = b""
        while data:
            data = carry + data
            # A final "\r" may be half of a "\r\n": leave it for the next piece.
            limit = len(data) - 1 if data.endswith(b"\r") else len(data)
            end = max(data.rfind(b"\n", 0, limit), data.rfind(b"\r", 0, limit)) + 1
            data, carry = data[:end], data[end:]
            if b"\r" in data:
                data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            if data:
                yield data
            data = read(size)
        if carry:
            yield carry.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def decode(self, data: bytes, line: int) -> str:
        """Text of a piece from :meth:`byte_chunks` that starts on ``line``."""
        try:
            return data.decode(self._piece_codec, self._errors)
        except UnicodeDecodeError as exc:
            bad = data[exc.start : exc.start + 1].hex().upper()
            raise self.error(
                f"cannot decode byte 0x{bad} as {self.encoding} "
                "(is the file in another encoding? re-save it as UTF-8)",
                line + data.count(b"\n", 0, exc.start),
            ) from None

    def close(self) -> None:
        self._text.close()

    def decode_error(self, exc: UnicodeDecodeError) -> ParseError:
        """Turn a decoding failure into a :class:`ParseError` naming the line."""
        bad = exc.object[exc.start : exc.start + 1]
        what = f"byte 0x{bad.hex().upper()}" if bad else "the end of the file"
        return self.error(
            f"cannot decode {what} as {self.encoding} "
            "(is the file in another encoding? re-save it as UTF-8)",
            self._raw.find_bad_line(self._codec),
        )

    def _skip_bom(self) -> None:
        # A BOM the codec kept (encoding given as "utf-8") is not text.
        if self._kept_bom:
            self._kept_bom = False
            self._text.read(1)


class _CountingReader(io.RawIOBase):
    """The binary stream, with the size limit enforced while reading."""

    def __init__(self, stream: BinaryIO, source: TextSource, max_bytes: int | None):
        self._stream = stream
        self._source = source
        self._max_bytes = max_bytes
        self._head = b""
        self._start = _tell(stream)
        self.bytes_read = 0

    def read_head(self, size: int) -> bytes:
        self._head = self._read(size)
        return self._head

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer) :]
        else:
            data = self._read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _read(self, size: int) -> bytes:
        data = self._stream.read(size)
        if data is None:
            return b""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise self._source.error("expected a file opened in binary mode")
        self.bytes_read += len(data)
        if self._max_bytes is not None and self.bytes_read > self._max_bytes:
            raise self._source.error(f"file is larger than the limit of {self._max_bytes:,} bytes")
        return bytes(data)

    def find_bad_line(self, codec: str) -> int | None:
        """Re-read the file from the start to find the line of a decoding error.

        Only the error path pays for this; ``None`` when the stream cannot seek.
        """
        if self._start is None:
            return None
        try:
            self._stream.seek(self._start)
        except (OSError, ValueError):
            return None
        decoder = codecs.getincrementaldecoder(codec)()
        lines = 0
        while data := self._stream.read(CHUNK_BYTES):
            try:
                decoder.decode(data)
            except UnicodeDecodeError as exc:
                return lines + _count_line_breaks(exc.object[: exc.start]) + 1
            lines += _count_line_breaks(data)
        return lines + 1


def _tell(stream: BinaryIO) -> int | None:
    try:
        return stream.tell() if stream.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def _count_line_breaks(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
