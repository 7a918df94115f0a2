"""The engine against every case of ../shared/conformance/meta_analysis_cases.json (metafor 3.8-1)."""

import json
from pathlib import Path

import pytest

from synthesis.stats.conformance import run_case

CASES_FILE = (
    Path(__file__).resolve().parents[3]
    / ".."
    / "shared"
    / "conformance"
    / ("meta_analysis_cases.json")
)

# Cases the engine does not pass yet; strict, so a case that starts passing is noticed.
NOT_YET = {
    "bcg-rr-small-study-random-dl": "small-study effects (Egger, Begg, trim-and-fill) not implemented",
    "egger2001-or-small-study-iv-fixed": "small-study effects not implemented",
    "hackshaw1998-small-study-iv-fixed": "small-study effects not implemented",
    "raudenbush1985-small-study-random-reml": "small-study effects not implemented",
}


def _cases() -> list:
    if not CASES_FILE.exists():
        return [
            pytest.param(
                None,
                marks=pytest.mark.skip(reason=f"conformance suite absent: {CASES_FILE}"),
                id="suite-absent",
            )
        ]
    cases = json.loads(CASES_FILE.read_text(encoding="utf-8"))["cases"]
    params = []
    for case in cases:
        marks = []
        if case["id"] in NOT_YET:
            marks.append(pytest.mark.xfail(strict=True, reason=NOT_YET[case["id"]]))
        params.append(pytest.param(case, marks=marks, id=case["id"]))
    return params


@pytest.mark.parametrize("case", _cases())
def test_it_matches_metafor(case):
    mismatches = run_case(case)
    assert not mismatches, "; ".join(str(m) for m in mismatches[:5])
