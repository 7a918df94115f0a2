"""CSVWriter joins rows itself for speed: it writes what csv.writer writes, except that a
carriage return is quoted too (csv.writer leaves it bare when lines end in "\\n", and a
spreadsheet then breaks the row there), and every file reads back cell for cell."""

import csv
import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.spreadsheets import CSVWriter, safe_row

CELLS = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.text(alphabet=',"\r\n =+-@\tab', max_size=12),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False),
)


def by_csv(rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(safe_row(row))
    return buffer.getvalue()


def by_ours(rows) -> str:
    buffer = io.StringIO()
    CSVWriter(buffer).writerows(rows)
    return buffer.getvalue()


def as_text(row) -> list[str]:
    return ["" if v is None else (repr(v) if isinstance(v, float) else str(v)) for v in row]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(CELLS, max_size=6), max_size=5))
def test_every_row_is_written_as_the_csv_module_writes_it_and_reads_back(rows):
    ours = by_ours(rows)
    if not any("\r" in str(v) for row in rows for v in row):
        assert ours == by_csv(rows)
    back = list(csv.reader(io.StringIO(ours, newline="")))
    assert back == [as_text(safe_row(row)) for row in rows]


def test_the_cases_that_need_quotes_and_the_ones_that_do_not():
    rows = [
        ["a,b", 'say "hi"', "line\nbreak", "plain", ""],
        ["", ""],
        [""],
        ["=HYPERLINK(1)", -1.5, "-1.5", Decimal("2.50"), True, None],
    ]
    assert by_ours(rows) == by_csv(rows)
    assert by_ours(rows).split("\n")[4] == "'=HYPERLINK(1),-1.5,-1.5,2.50,True,"
    assert by_ours([["cr\rhere", "x"]]) == '"cr\rhere",x\n'
