"""Outcome data from a CSV upload: every row checked, all of it or nothing.

Columns are those of the grid entry: ``study``, the data type's fields and,
optionally, ``subgroup``. One problem anywhere rejects the whole file, and
:class:`OutcomeCSVError` then lists every problem with its line and column.

Reading rules
-------------
- UTF-8, with or without a byte-order mark.
- The delimiter is the one of comma, semicolon and tab that splits the header
  line into the most columns (a comma on a tie).
- Decimal commas (``1,5``) are read only in semicolon-separated files, where a
  decimal point works too. ``−`` (U+2212, pasted from PDFs) counts as a minus.
- Blank lines are ignored; line numbers count every physical line.
- Header names are matched ignoring case; any run of spaces, dots, hyphens or
  brackets counts as ``_`` (``Mean (E)`` is ``mean_e``, R meta's ``n.e`` is
  ``n_e``).

Header aliases
--------------
- ``study``: study, study_id, studyid, studlab, label, trial.
- ``subgroup``: subgroup, sub_group.
- Arm fields are a field word and an arm word joined by ``_`` in either order
  (``sd_e``, ``e_sd``, ``mean_control``), or glued when the arm word is ``e``
  or ``c`` (``ne``, ``sdc``).
  Arm words: exp, e, experimental, intervention, treatment (experimental
  arm); ctrl, c, control (control arm).
  Field words, continuous: n or total (``n_*``), mean or m (``mean_*``), sd
  (``sd_*``). Dichotomous: events or event (``events_*``), total or n
  (``total_*``).
- Generic: ``estimate``: estimate, est, effect, te, yi; ``se``: se, sete, sei.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

from .data import DataType, OutcomeData, data_class, field_label, field_names

DELIMITERS = (",", ";", "\t")
ARM_WORDS = {
    "exp": ("exp", "e", "experimental", "intervention", "treatment"),
    "ctrl": ("ctrl", "c", "control"),
}
FIELD_WORDS = {
    DataType.CONTINUOUS: {"n": ("n", "total"), "mean": ("mean", "m"), "sd": ("sd",)},
    DataType.DICHOTOMOUS: {"events": ("events", "event"), "total": ("total", "n")},
}
GENERIC_WORDS = {"estimate": ("estimate", "est", "effect", "te", "yi"), "se": ("se", "sete", "sei")}
O_MINUS_E_WORDS = {"o_minus_e": ("o_minus_e", "oe", "o_e"), "variance": ("variance", "var", "v")}
COMMON_WORDS = {
    "study": ("study", "study_id", "studyid", "studlab", "label", "trial"),
    "subgroup": ("subgroup", "sub_group"),
}
COUNT_FIELDS = frozenset(
    {"n_exp", "n_ctrl", "events_exp", "events_ctrl", "total_exp", "total_ctrl"}
)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class Row:
    """One study's data from one line of the file."""

    line: int
    study: str
    data: OutcomeData
    subgroup: str | None = None

    def to_dict(self) -> dict:
        return {"study": self.study, "subgroup": self.subgroup} | self.data.to_dict()


@dataclass(frozen=True)
class CSVProblem:
    """What is wrong, where: ``line 4, sd_exp: SD cannot be negative``.

    ``line`` is None for the file as a whole; ``column`` is the field name
    (``sd_exp``, ``study``), or empty when the whole line is at fault.
    """

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = ", ".join(filter(None, [f"line {self.line}" if self.line else "", self.column]))
        return f"{where}: {self.message}" if where else self.message


class OutcomeCSVError(ValueError):
    """The file was rejected; ``problems`` lists every problem found, in line order."""

    def __init__(self, problems: list[CSVProblem]):
        self.problems = tuple(sorted(problems, key=_place))
        super().__init__("\n".join(map(str, self.problems)))


def _place(problem: CSVProblem) -> tuple[int, int]:
    """Problems sort by line, then in the order of the columns of the grid."""
    order = ("", "study", *(field for data_type in DataType for field in field_names(data_type)))
    column = order.index(problem.column) if problem.column in order else len(order)
    return problem.line or 0, column


@dataclass(frozen=True)
class _Header:
    line: int
    fields: tuple[str | None, ...]  # field name of each column, None when not used
    missing: frozenset[str]


def parse_outcome_csv(data: str | bytes, data_type: DataType | str) -> list[Row]:
    """Rows of outcome data from CSV text, or :class:`OutcomeCSVError` listing every problem.

    Parameters
    ----------
    data : str or bytes
        The file's content; bytes must be UTF-8 (a byte-order mark is allowed).
    data_type : DataType or str
        ``"continuous"``, ``"dichotomous"`` or ``"generic"``: decides the
        required columns and the dataclass of :attr:`Row.data`.

    Returns
    -------
    list of Row
        One per non-blank data line, in file order.

    Raises
    ------
    OutcomeCSVError
        When anything is wrong; nothing is returned then, so nothing is half-saved.
    ValueError
        When ``data_type`` is unknown.

    Notes
    -----
    The reading rules and header aliases are in this module's docstring.
    """
    data_type = DataType(data_class(data_type).DATA_TYPE)
    text = _decode(data)
    delimiter = _sniff(text)
    lines = _read(text, delimiter)
    if not lines:
        raise OutcomeCSVError([CSVProblem(None, "", "the file is empty")])
    header, problems = _read_header(*lines[0], data_type)
    if len(lines) == 1:
        problems.append(CSVProblem(None, "", "the file has no data rows under the header"))
    rows = []
    for line, cells in lines[1:]:
        row, row_problems = _read_row(line, cells, header, data_type, delimiter == ";")
        problems += row_problems
        rows += [row] if row else []
    problems += _repeated_studies(_studies(lines[1:], header))
    if problems:
        raise OutcomeCSVError(problems)
    return rows


def aliases(data_type: DataType | str) -> dict[str, str]:
    """Every accepted header name (normalised) and the field it stands for."""
    data_type = DataType(data_type)
    words = {field: names for field, names in COMMON_WORDS.items()}
    if data_type is DataType.GENERIC:
        words |= GENERIC_WORDS
    if data_type is DataType.O_MINUS_E:
        words |= O_MINUS_E_WORDS
    for stem, stem_words in FIELD_WORDS.get(data_type, {}).items():
        for arm, arm_words in ARM_WORDS.items():
            words[f"{stem}_{arm}"] = tuple(_arm_names(stem_words, arm_words))
    return {name: field for field, names in words.items() for name in names}


def _arm_names(stem_words: tuple[str, ...], arm_words: tuple[str, ...]) -> Iterator[str]:
    for stem, arm in product(stem_words, arm_words):
        yield from (f"{stem}_{arm}", f"{arm}_{stem}")
        if len(arm) == 1:
            yield f"{stem}{arm}"


def _normalise(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def _decode(data: str | bytes) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = "the file is not UTF-8 text (in Excel, save as 'CSV UTF-8')"
        raise OutcomeCSVError([CSVProblem(line, "", message)]) from None


def _sniff(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=first.count)


def _read(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """``(line, cells)`` of every non-blank row; a broken quote rejects the file."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    lines, line = [], 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                lines.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise OutcomeCSVError([CSVProblem(line, "", f"malformed CSV ({exc})")]) from None
    return lines


def _read_header(
    line: int, cells: list[str], data_type: DataType
) -> tuple[_Header, list[CSVProblem]]:
    known, fields, problems, seen = aliases(data_type), [], [], {}
    names = _without_trailing_blanks(cells)
    for position, name in enumerate(names, start=1):
        field = known.get(_normalise(name))
        message = _header_problem(position, name, field, seen)
        problems += [CSVProblem(line, "", message)] if message else []
        fields.append(None if message else field)
        seen.setdefault(field, name)
    missing = frozenset(_required(data_type)) - set(fields)
    problems += [CSVProblem(line, "", f"missing column '{field}'") for field in sorted(missing)]
    return _Header(line, tuple(fields), missing), problems


def _header_problem(position: int, name: str, field: str | None, seen: dict) -> str | None:
    if not name.strip():
        return f"column {position} has no name"
    if field is None:
        return f"unknown column '{name.strip()}'"
    if field not in seen:
        return None
    if _normalise(seen[field]) == _normalise(name):
        return f"column '{name.strip()}' appears twice"
    return f"columns '{seen[field].strip()}' and '{name.strip()}' are both {field}"


def _without_trailing_blanks(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def _required(data_type: DataType) -> tuple[str, ...]:
    fields = field_names(data_type)
    return ("study", *fields)


def _read_row(
    line: int, cells: list[str], header: _Header, data_type: DataType, decimal_comma: bool
) -> tuple[Row | None, list[CSVProblem]]:
    width = len(header.fields)
    if len(_without_trailing_blanks(cells)) > width or len(cells) < width:
        message = f"{len(cells)} values, but the header has {width} columns"
        return None, [CSVProblem(line, "", message)]
    values = {
        field: cell.strip() for field, cell in zip(header.fields, cells, strict=False) if field
    }
    numbers, problems = _numbers(line, values, data_type, decimal_comma)
    study = values.get("study", "")
    if "study" not in header.missing and not study:
        problems.append(CSVProblem(line, "study", "the study name is missing"))
    data = data_class(data_type)(**numbers)
    skipped = header.missing | {problem.column for problem in problems}
    problems += [
        CSVProblem(line, problem.field, problem.message)
        for problem in data.validate()
        if problem.field not in skipped
    ]
    subgroup = values.get("subgroup") or None
    return (None if problems else Row(line, study, data, subgroup)), problems


def _numbers(
    line: int, values: dict[str, str], data_type: DataType, decimal_comma: bool
) -> tuple[dict[str, float | None], list[CSVProblem]]:
    numbers, problems = {}, []
    for field in field_names(data_type):
        raw = values.get(field, "")
        try:
            numbers[field] = _number(raw, field, decimal_comma)
        except ValueError as exc:
            numbers[field] = None
            problems.append(CSVProblem(line, field, str(exc)))
    return numbers, problems


def _number(raw: str, field: str, decimal_comma: bool) -> float | None:
    """The cell's number, None when empty (``validate`` reports it missing)."""
    text = raw.strip().replace("\u2212", "-")
    if decimal_comma and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    if not text:
        return None
    if not _NUMBER.fullmatch(text) or float(text) in (float("inf"), float("-inf")):
        raise ValueError(_not_a_number(raw, field, decimal_comma))
    value = float(text)
    return int(value) if field in COUNT_FIELDS and value.is_integer() else value


def _not_a_number(raw: str, field: str, decimal_comma: bool) -> str:
    message = f"{field_label(field)} '{raw}' is not a number"
    if "," in raw and not decimal_comma:
        message += " (decimal commas are read only when the delimiter is a semicolon)"
    return message


def _studies(lines: list[tuple[int, list[str]]], header: _Header) -> Iterator[tuple[int, str]]:
    if "study" in header.fields:
        column = header.fields.index("study")
        for line, cells in lines:
            if column < len(cells) and cells[column].strip():
                yield line, cells[column].strip()


def _repeated_studies(studies: Iterator[tuple[int, str]]) -> list[CSVProblem]:
    """Names compare ignoring case and runs of spaces: 'Smith  2010' is 'smith 2010'."""
    first_line, count, problems = {}, {}, []
    for line, study in studies:
        key = " ".join(study.casefold().split())
        count[key] = count.get(key, 0) + 1
        if key in first_line:
            times = "twice" if count[key] == 2 else f"{count[key]} times"
            message = f"'{study}' appears {times} (first on line {first_line[key]})"
            problems.append(CSVProblem(line, "study", message))
        first_line.setdefault(key, line)
    return problems
