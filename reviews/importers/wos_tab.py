"""Web of Science tab-delimited export ("Tab-delimited (Win/Mac, UTF-8)").

A header row of field tags (``PT AU BA BE GP AF ... UT PM ...``) and one record
a row; list fields are joined with ``"; "``. Fields mean the same as in the
plain-text export, so the mapping is :func:`wos_txt.build`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import normalise as norm
from . import wos_txt
from .delimited import rows
from .record import ParsedRecord
from .source import TextSource

NAME = "wos_tab"
LABEL = "Web of Science tab-delimited (.txt with PT<tab>AU header)"

_SNIFF = re.compile(r"\A\s*PT\tAU\t")


def sniff(sample: str) -> bool:
    """True when the header row starts ``PT<tab>AU<tab>``."""
    return _SNIFF.match(sample) is not None


def parse(source: TextSource) -> Iterator[ParsedRecord]:
    """Yield one :class:`ParsedRecord` per data row."""
    for line, row in rows(source, delimiter="\t", quoting=False):
        fields = {
            tag: norm.split_list(value, ";") if tag in wos_txt.LIST_TAGS else [value]
            for tag, value in row.items()
            if value
        }
        pairs = [(tag, value) for tag, value in row.items() if value]
        yield wos_txt.build(fields, pairs, line, source_format=NAME)
