"""Records that open with a header line and hold ``TAG: value`` lines (Ovid, CENTRAL text)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .source import TextSource

Pairs = list[tuple[str, str]]


def header_blocks(
    source: TextSource, header: re.Pattern, tag: re.Pattern
) -> Iterator[tuple[int, Pairs]]:
    """Yield ``(first line, [(tag, value), ...])`` for every record.

    A record opens on a line matching ``header``; ``tag`` matches a field line
    (group 1 the tag, group 2 the value). Other lines continue the last field;
    text before the first record is skipped with a warning. A header with no
    field after it ends the file as truncated.
    """
    pairs: Pairs | None = None
    start = 0
    for lineno, line in enumerate(source.lines(), 1):
        if header.match(line):
            if pairs:
                yield start, pairs
            pairs, start = [], lineno
            continue
        match = tag.match(line)
        if match and pairs is not None:
            pairs.append((match.group(1), match.group(2).strip()))
        elif line.isspace() or not line:
            continue
        elif pairs:
            name, value = pairs[-1]
            pairs[-1] = (name, f"{value}\n{line.strip()}")
        else:
            source.warn(lineno, f"text outside a record skipped: {line.strip()[:60]!r}")
    if pairs:
        yield start, pairs
    elif pairs is not None:
        raise source.error("record has no fields (file truncated?)", start)
