"""CSV upload of outcome data: delimiters, encodings, aliases, and whole-file rejection."""

from pathlib import Path

import pytest

from extraction.outcomes import (
    ContinuousArms,
    CSVProblem,
    DichotomousArms,
    GenericEstimate,
    OutcomeCSVError,
    Row,
    aliases,
    parse_outcome_csv,
)
from extraction.outcomes.__main__ import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "outcomes"
CONTINUOUS_HEADER = "study,n_exp,mean_exp,sd_exp,n_ctrl,mean_ctrl,sd_ctrl\n"


def problems(data: str | bytes, data_type: str = "continuous") -> list[str]:
    with pytest.raises(OutcomeCSVError) as caught:
        parse_outcome_csv(data, data_type)
    return [str(problem) for problem in caught.value.problems]


# Reading good files


def test_it_reads_semicolons_decimal_commas_a_bom_crlf_and_aliases():
    rows = parse_outcome_csv((FIXTURES / "continuous_semicolon.csv").read_bytes(), "continuous")
    assert rows == [
        Row(2, "Alder 2011", ContinuousArms(20, 3.9, 1.8, 20, 5.1, 2.0), "single infusion"),
        # Line 3 is blank; the minus sign is U+2212, pasted from a PDF.
        Row(4, "Birch 2009", ContinuousArms(30, -0.5, 1.2, 30, 0.4, 1.1), "repeated infusions"),
        # A quoted name keeps its semicolon; decimal points work in semicolon files too.
        Row(5, "Cedar; Yew 2014", ContinuousArms(9, 5.1, 2.3, 10, 6.2, 2.4), "repeated infusions"),
    ]


def test_it_reads_tabs_and_dichotomous_aliases():
    rows = parse_outcome_csv((FIXTURES / "dichotomous_tab.tsv").read_text(), "dichotomous")
    assert [row.data for row in rows] == [
        DichotomousArms(7, 20, 3, 20),
        DichotomousArms(0, 30, 0, 30),
        DichotomousArms(12, 12, 9, 11),
    ]
    assert [row.subgroup for row in rows] == [None, None, None]


def test_it_reads_generic_estimates_with_r_meta_names():
    rows = parse_outcome_csv((FIXTURES / "generic.csv").read_bytes(), "generic")
    assert [row.to_dict() for row in rows] == [
        {"study": "Alder 2011", "subgroup": "adults", "estimate": 0.3507, "se": 0.2668},
        {"study": "Birch 2009", "subgroup": None, "estimate": -0.1054, "se": 0.31},
    ]
    assert isinstance(rows[0].data, GenericEstimate)


def test_counts_come_back_as_integers():
    rows = parse_outcome_csv(CONTINUOUS_HEADER + "Alder 2011,20.0,3,1.8,20,5,2\n", "continuous")
    assert rows[0].data.to_dict() == {
        "n_exp": 20, "mean_exp": 3.0, "sd_exp": 1.8, "n_ctrl": 20, "mean_ctrl": 5.0, "sd_ctrl": 2.0,
    }  # fmt: skip
    assert type(rows[0].data.n_exp) is int


def test_a_bom_in_text_is_dropped():
    rows = parse_outcome_csv("\ufeffStudy,estimate,se\nAlder 2011,0.1,0.2\n", "generic")
    assert rows[0].study == "Alder 2011"


def test_header_names_ignore_case_spacing_and_order():
    text = "SE ; Estimate ; Study ID\n0,2;0,1;Alder 2011\n"
    assert parse_outcome_csv(text, "generic")[0].data == GenericEstimate(0.1, 0.2)


def test_a_quoted_line_break_keeps_line_numbers_physical():
    text = 'study,estimate,se\n"Alder\n2011",0.1,0.2\nBirch 2009,0.1,0\n'
    assert problems(text, "generic") == ["line 4, se: SE must be greater than 0"]


@pytest.mark.parametrize(
    "name, field",
    [
        ("n_e", "n_exp"), ("ne", "n_exp"), ("total_experimental", "n_exp"), ("n_c", "n_ctrl"),
        ("mean_intervention", "mean_exp"), ("m_c", "mean_ctrl"), ("sde", "sd_exp"),
        ("control_sd", "sd_ctrl"), ("study_id", "study"), ("trial", "study"),
    ],
)  # fmt: skip
def test_continuous_aliases(name, field):
    assert aliases("continuous")[name] == field


def test_it_reads_the_column_names_of_r_meta():
    text = "studlab,n.e,mean.e,sd.e,n.c,mean.c,sd.c\nAlder 2011,20,3.9,1.8,20,5.1,2\n"
    rows = parse_outcome_csv(text, "continuous")
    assert rows[0].data == ContinuousArms(20, 3.9, 1.8, 20, 5.1, 2.0)


def test_n_means_the_total_in_dichotomous_data():
    assert aliases("dichotomous")["n_e"] == "total_exp"
    assert aliases("dichotomous")["event_c"] == "events_ctrl"
    assert "sd_e" not in aliases("dichotomous")


# Rejecting bad files: every problem, with its line and column


def test_it_lists_every_problem_of_a_broken_continuous_file():
    assert problems((FIXTURES / "continuous_broken.csv").read_bytes()) == [
        "line 1: unknown column 'sdev'",
        "line 3, n_exp: n must be a positive whole number",
        "line 4, sd_ctrl: SD cannot be negative",
        "line 6, study: the study name is missing",
        "line 7, n_exp: n must be a positive whole number",
        "line 7, mean_exp: mean 'abc' is not a number",
        "line 7, mean_ctrl: mean '5,1' is not a number"
        " (decimal commas are read only when the delimiter is a semicolon)",
        "line 7, sd_ctrl: SD is missing",
        "line 8, study: 'alder  2011' appears twice (first on line 2)",
        "line 9: 4 values, but the header has 8 columns",
    ]


def test_it_lists_every_problem_of_a_broken_dichotomous_file():
    assert problems((FIXTURES / "dichotomous_broken.tsv").read_bytes(), "dichotomous") == [
        "line 2, events_exp: events (12) cannot exceed the total (10)",
        "line 3, events_exp: events must be a whole number (0 or more)",
        "line 3, events_ctrl: events must be a whole number (0 or more)",
        "line 4, total_exp: total must be a positive whole number",
        "line 4, total_ctrl: total is missing",
    ]


def test_the_error_carries_line_and_column_for_the_grid():
    with pytest.raises(OutcomeCSVError) as caught:
        parse_outcome_csv(CONTINUOUS_HEADER + "Alder 2011,20,3.9,-1.8,20,5.1,2\n", "continuous")
    assert caught.value.problems == (CSVProblem(2, "sd_exp", "SD cannot be negative"),)
    assert str(caught.value) == "line 2, sd_exp: SD cannot be negative"
    assert isinstance(caught.value, ValueError)


def test_a_missing_column_is_reported_once_not_on_every_row():
    text = (
        "study,n_exp,mean_exp,sd_exp,n_ctrl,mean_ctrl\nAlder 2011,20,3.9,1.8,20,5.1\nB,1,2,3,4,5\n"
    )
    assert problems(text) == ["line 1: missing column 'sd_ctrl'"]


def test_a_header_after_blank_lines_keeps_its_line_number():
    text = (
        "\n\n" + CONTINUOUS_HEADER.replace("sd_ctrl", "sdev") + "Alder 2011,20,3.9,1.8,20,5.1,2\n"
    )
    assert problems(text) == [
        "line 3: unknown column 'sdev'",
        "line 3: missing column 'sd_ctrl'",
    ]


def test_it_rejects_repeated_and_unnamed_columns():
    text = "study,n_e,n_exp,,mean_exp,sd_exp,n_ctrl,mean_ctrl,sd_ctrl,sd_ctrl\n"
    assert problems(text + "Alder 2011,20,20,,3.9,1.8,20,5.1,2,2\n") == [
        "line 1: columns 'n_e' and 'n_exp' are both n_exp",
        "line 1: column 4 has no name",
        "line 1: column 'sd_ctrl' appears twice",
    ]


def test_a_study_named_three_times_is_reported_each_time():
    text = "study,estimate,se\nAlder 2011,1,1\nBirch 2009,1,1\nALDER 2011,1,1\nAlder 2011,1,1\n"
    assert problems(text, "generic") == [
        "line 4, study: 'ALDER 2011' appears twice (first on line 2)",
        "line 5, study: 'Alder 2011' appears 3 times (first on line 2)",
    ]


def test_a_repeated_study_is_found_even_when_its_row_has_other_problems():
    text = "study,estimate,se\nAlder 2011,1,1\nAlder 2011,1,0\n"
    assert problems(text, "generic") == [
        "line 3, study: 'Alder 2011' appears twice (first on line 2)",
        "line 3, se: SE must be greater than 0",
    ]


@pytest.mark.parametrize(
    "cell, message",
    [
        ("1.234,5", "SE '1.234,5' is not a number"),
        ("nan", "SE 'nan' is not a number"),
        ("1e999", "SE '1e999' is not a number"),
        ("1_000", "SE '1_000' is not a number"),
        ("0,0", "SE must be greater than 0"),
    ],
)
def test_semicolon_files_read_only_plain_decimal_commas(cell, message):
    assert problems(f"study;estimate;se\nAlder 2011;0,1;{cell}\n", "generic") == [
        f"line 2, se: {message}"
    ]


def test_trailing_empty_cells_are_allowed_but_extra_values_are_not():
    text = "study,estimate,se\nAlder 2011,0.1,0.2,,\nBirch 2009,0.1,0.2,x\n"
    assert problems(text, "generic") == ["line 3: 4 values, but the header has 3 columns"]


def test_nothing_is_returned_when_one_row_of_many_is_bad():
    good = "".join(f"Study {i},20,3.9,1.8,20,5.1,2\n" for i in range(200))
    assert problems(CONTINUOUS_HEADER + good + "Bad 2020,20,3.9,0,20,5.1,0\n") == [
        "line 202, sd_exp: SD cannot be 0 in both arms",
        "line 202, sd_ctrl: SD cannot be 0 in both arms",
    ]


@pytest.mark.parametrize(
    "data, message",
    [
        ("", "the file is empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "the file is empty"),
        (CONTINUOUS_HEADER, "the file has no data rows under the header"),
        (
            CONTINUOUS_HEADER.encode()
            + b"Alder 2011,20,3.9,1.8,20,5.1,2\nM\xfcller 2012,1,1,1,1,1,1\n",
            "line 3: the file is not UTF-8 text (in Excel, save as 'CSV UTF-8')",
        ),
        (
            'study,estimate,se\n"Alder 2011,0.1,0.2\n',
            "line 2: malformed CSV (unexpected end of data)",
        ),
    ],
)
def test_it_rejects_files_it_cannot_read(data, message):
    assert problems(data, "generic" if "estimate" in str(data) else "continuous") == [message]


def test_an_unknown_data_type_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown data type 'binary'"):
        parse_outcome_csv(CONTINUOUS_HEADER, "binary")


# Command line


def test_the_command_prints_rows_as_json(capsys):
    assert main([str(FIXTURES / "generic.csv"), "--type", "generic"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        '{"study": "Alder 2011", "subgroup": "adults", "estimate": 0.3507, "se": 0.2668}'
    )


def test_the_command_lists_problems_and_fails(capsys):
    path = FIXTURES / "dichotomous_broken.tsv"
    assert main([str(path), "--type", "dichotomous"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{path}: 5 problems"
    assert err[1] == "line 2, events_exp: events (12) cannot exceed the total (10)"
