"""Invented RIS records in bulk, for tests of large imports (our own text, no real records)."""

WORDS = (
    "ketamine infusion chronic pain trial randomised placebo neuropathic dose sleep nausea".split()
)


def ris_record(i: int, *, closed: bool = True) -> str:
    title = " ".join(WORDS[(i * k) % len(WORDS)] for k in (1, 3, 5, 7)) + f" study {i}"
    lines = [
        "TY  - JOUR",
        f"TI  - {title.capitalize()}",
        f"AU  - Author{i % 997}, A.",
        f"PY  - {1990 + i % 35}",
        f"JO  - Illustrative Journal {i % 50}",
        f"DO  - 10.5555/bulk.{i}",
        "AB  - An invented abstract for a bulk import test.",
    ]
    if closed:
        lines.append("ER  - ")
    return "\n".join(lines) + "\n\n"


def ris_corpus(n: int, *, unclosed: int | None = None) -> bytes:
    """``n`` records; record number ``unclosed`` (1-based) lacks its ER line."""
    return "".join(ris_record(i, closed=i + 1 != unclosed) for i in range(n)).encode()


def record_start_line(number: int) -> int:
    """The line on which record ``number`` (1-based) starts in :func:`ris_corpus`."""
    return (number - 1) * 9 + 1
