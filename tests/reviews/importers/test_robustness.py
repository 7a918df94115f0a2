"""Random and mangled input never raises anything but ParseError, and never hangs."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.importers import FORMATS, ParseError, read_records

from .expected import EXPORTS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "importers"
SMALL_REAL = sorted(
    p for p in EXPORTS.rglob("*") if p.is_file() and p.suffix != ".md" and p.stat().st_size < 30_000
)
SAMPLES = [p.read_bytes() for p in sorted(FIXTURES.iterdir()) + SMALL_REAL]

fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse(data: bytes, format: str | None = None) -> None:
    try:
        for _ in read_records(io.BytesIO(data), format=format, filename="fuzz"):
            pass
    except ParseError:
        pass


@fast
@given(st.binary(max_size=2000), st.sampled_from([None, *sorted(FORMATS)]))
def test_random_bytes_raise_only_parse_error(data, format):
    _parse(data, format)


@fast
@given(st.text(alphabet='TYERAUPMID-<>.:{}@=,"#\t\r\n 0123456789abc', max_size=400))
def test_tag_soup_raises_only_parse_error(text):
    for format in (None, *sorted(FORMATS)):
        _parse(text.encode(), format)


@st.composite
def mangled(draw):
    """A real or invented sample, truncated, or with lines deleted or duplicated."""
    lines = draw(st.sampled_from(SAMPLES)).splitlines(keepends=True)
    action = draw(st.sampled_from(["truncate", "delete", "duplicate", "swap"]))
    if lines:
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        if action == "truncate":
            cut = draw(st.integers(0, len(lines[i])))
            lines = lines[:i] + [lines[i][:cut]]
        elif action == "delete":
            del lines[min(i, j) : max(i, j) + 1]
        elif action == "duplicate":
            lines.insert(j, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


@fast
@given(mangled())
def test_mangled_files_raise_only_parse_error(data):
    _parse(data)
