"""The conformance runner's report: one line a case, then ``N passed, M failed``."""

import json

from synthesis.stats.conformance import main

CASE = {
    "id": "tiny-md-fixed",
    "data_type": "generic",
    "effect_measure": "MD",
    "studies": [
        {"label": "A", "estimate": 1.0, "se": 1.0},
        {"label": "B", "estimate": 3.0, "se": 1.0},
    ],
    "method": {"pooling": "inverse_variance", "model": "fixed", "ci_level": 0.95},
    "expected": {
        "pooled": {"k": 2, "estimate": 2.0, "se": 0.7071067811865476},
        "heterogeneity": {"Q": 2.0, "df": 1},
    },
    "tolerance": {"default": {"rel": 1e-6, "abs": 1e-10}},
}


def _run(tmp_path, cases, capsys):
    path = tmp_path / "cases.json"
    path.write_text(json.dumps({"cases": cases}), encoding="utf-8")
    code = main([str(path)])
    return code, capsys.readouterr().out.splitlines()


def test_it_passes_a_matching_case(tmp_path, capsys):
    code, lines = _run(tmp_path, [CASE], capsys)
    assert code == 0
    assert lines == ["PASS tiny-md-fixed", "1 passed, 0 failed"]


def test_it_names_the_field_that_differs(tmp_path, capsys):
    wrong = json.loads(json.dumps(CASE)) | {"id": "tiny-wrong"}
    wrong["expected"]["pooled"]["estimate"] = 2.1
    code, lines = _run(tmp_path, [CASE, wrong], capsys)
    assert code == 1
    assert lines[1] == "FAIL tiny-wrong: pooled.estimate expected 2.1 got 2.0"
    assert lines[-1] == "1 passed, 1 failed"


def test_a_refused_case_is_a_failure_line_with_the_engines_words(tmp_path, capsys):
    refused = {
        "id": "impossible-counts",
        "data_type": "dichotomous",
        "effect_measure": "RR",
        "studies": [
            {
                "label": "Smith 2010",
                "events_exp": 300,
                "total_exp": 231,
                "events_ctrl": 3,
                "total_ctrl": 230,
            }
        ],
        "method": {"pooling": "inverse_variance", "model": "fixed", "ci_level": 0.95},
        "expected": {"pooled": {"k": 1}},
        "tolerance": {"default": {"rel": 1e-6, "abs": 1e-10}},
    }
    code, lines = _run(tmp_path, [refused, CASE], capsys)
    assert code == 1
    assert lines == [
        "FAIL impossible-counts: refused: Smith 2010: 300 events in the experimental arm "
        "but only 231 participants",
        "PASS tiny-md-fixed",
        "1 passed, 1 failed",
    ]
