"""The engine against every metafor 3.8-1 case of the conformance suite.

``data/metafor_cases.json`` is a copy of ``../shared/conformance/meta_analysis_cases.json``
(numbers computed by metafor on metadat's published datasets), so the suite runs
from a clean clone; when ``../shared`` is present the copy must equal it.
"""

import json
from pathlib import Path

import pytest

from synthesis.stats.conformance import run_case

COPY = Path(__file__).resolve().parent / "data" / "metafor_cases.json"
SHARED = Path(__file__).resolve().parents[3] / ".." / "shared" / "conformance"
CASES = json.loads(COPY.read_text(encoding="utf-8"))["cases"]


def test_the_copy_has_every_case():
    assert len(CASES) == 64
    assert len({case["id"] for case in CASES}) == 64


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_it_matches_metafor(case):
    mismatches = run_case(case)
    assert not mismatches, "; ".join(str(m) for m in mismatches[:5])


def test_the_copy_equals_the_shared_suite():
    shared = SHARED / "meta_analysis_cases.json"
    if not shared.exists():
        pytest.skip(f"shared conformance suite absent: {shared}")
    assert json.loads(shared.read_text(encoding="utf-8")) == json.loads(
        COPY.read_text(encoding="utf-8")
    ), "the shared suite changed: copy it to tests/synthesis/stats/data/metafor_cases.json"
