"""The blinding canary, for bundles: a reviewer's bundle never holds another reviewer's
unresolved decision, and nothing in it depends on one.

Bob decides records with a note and labels carrying a random token (the fixtures of
tests/screening/test_blinding.py). Carol's bundle must not hold the token, and must be the
same, file by file, when Bob's decisions are swapped for others in a transaction rolled back.
The lead's bundle holds the token; Carol's holds Bob's decision once the record is resolved.
"""

import io
import zipfile

import openpyxl

from reviews.models import Membership
from screening import services
from screening.models import Stage, Verdict
from tests.screening import test_blinding as canary
from workspace.exports.bundle import build_bundle
from workspace.exports.scope import Scope

records, bobs_decisions, token, swapped = (
    canary.records,
    canary.bobs_decisions,
    canary.token,
    canary.swapped,
)
# The times of the export itself, not of the review.
MOVING = {"manifest.json"}


def bundle_of(review, user) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    build_bundle(Scope(review, Membership.objects.get(review=review, user=user)), buffer)
    return zipfile.ZipFile(buffer)


def contents(bundle: zipfile.ZipFile) -> dict[str, object]:
    """Every file's bytes; the workbook's cell values (its own timestamps aside)."""
    found = {}
    for name in bundle.namelist():
        if name in MOVING:
            continue
        data = bundle.read(name)
        if name.endswith(".xlsx"):
            workbook = openpyxl.load_workbook(io.BytesIO(data))
            data = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook}
        found[name] = data
    return found


def holds(bundle: zipfile.ZipFile, text: str) -> list[str]:
    return [name for name in bundle.namelist() if text.encode() in bundle.read(name)]


def test_carol_s_bundle_holds_nothing_of_bob_s_unresolved_decisions(
    cast,
    records,
    bobs_decisions,
    token,
):
    reasons = list(cast.review.exclusion_reasons.all())
    services.decision_record(
        record=records[0], reviewer=cast.reviewer2, stage=Stage.TITLE_ABSTRACT, verdict="include"
    )  # a conflict with Bob, still open
    carol = bundle_of(cast.review, cast.reviewer2)
    assert holds(carol, token) == []
    assert b"carol" in carol.read("data/decisions.csv")  # her own decision is there
    before = contents(carol)
    with swapped(bobs_decisions, reasons, "other-token"):
        after = contents(bundle_of(cast.review, cast.reviewer2))
    changed = [name for name in before if before[name] != after.get(name)]
    assert changed == [] and set(after) == set(before)

    assert holds(bundle_of(cast.review, cast.lead), token), "the lead's bundle has every decision"


def test_bob_s_decision_is_in_carol_s_bundle_once_the_record_is_resolved(
    cast,
    records,
    bobs_decisions,
    token,
):
    services.decision_record(
        record=records[1],
        reviewer=cast.reviewer2,
        stage=Stage.TITLE_ABSTRACT,
        verdict=Verdict.INCLUDE,
    )  # agrees with Bob: resolved
    carol = bundle_of(cast.review, cast.reviewer2)
    decisions = carol.read("data/decisions.csv").decode()
    assert f"{records[1].pk},Title and abstract,bob,include" in decisions
    assert f"{records[2].pk},Title and abstract,bob" not in decisions  # still open
    assert "data/decisions.csv" in holds(carol, token)


def test_a_viewer_s_bundle_has_no_unresolved_decision_either(
    cast,
    records,
    bobs_decisions,
    token,
):
    assert holds(bundle_of(cast.review, cast.viewer), token) == []
