"""The bundle of the demo review, unzipped part by part: rows, columns and numbers against
the database and the stored results, the RevMan and PRISMA2020 files, the RIS read back."""

import csv
import hashlib
import io
import json
import math
import zipfile

import openpyxl
import pandas as pd
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count

from extraction.models import OutcomeData, Study
from reviews.importers import read_records
from reviews.models import Record
from screening.models import Decision, Resolution
from synthesis.models import Analysis
from synthesis.prisma import prisma_flow
from workspace.demo import demo_load
from workspace.exports.bundle import data_tables
from workspace.exports.prisma2020 import HEADER as PRISMA_HEADER
from workspace.exports.records import RECORD_HEADER
from workspace.exports.scope import Scope
from workspace.exports.tables import plain_rows, when


@pytest.fixture(scope="module")
def demo_bundle(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo and its bundle, built once for the module in a transaction rolled back at
    its end (as Django's setUpTestData does); each test's own changes roll back to it."""
    with django_db_blocker.unblock(), transaction.atomic():
        review, _ = demo_load()
        out = tmp_path_factory.mktemp("bundle") / "bundle.zip"
        call_command("export_review", review.pk, "--out", str(out))
        yield review, out
        transaction.set_rollback(True)


@pytest.fixture
def demo(db, demo_bundle):
    review, out = demo_bundle
    return review, zipfile.ZipFile(out)


def frame(bundle, path) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(bundle.read(path)), keep_default_na=False)


def test_the_manifest_lists_every_file_with_its_sha256(demo):
    review, bundle = demo
    manifest = json.loads(bundle.read("manifest.json"))
    names = set(bundle.namelist()) - {"manifest.json"}
    assert set(manifest["files"]) == names
    for name in names:
        assert manifest["files"][name]["sha256"] == hashlib.sha256(bundle.read(name)).hexdigest()
    assert manifest["review"]["id"] == review.pk and manifest["scope"] == "whole review"
    assert {"Python", "Prismatic", "Django", "numpy", "scipy", "openpyxl"} <= set(
        manifest["versions"]
    )
    assert manifest["exported_by"].startswith("command line")


def test_the_data_tables_hold_every_record_and_decision(demo):
    review, bundle = demo
    records = frame(bundle, "data/records.csv")
    assert tuple(records.columns) == RECORD_HEADER
    assert len(records) == Record.objects.filter(review=review).count()
    duplicates = Record.objects.filter(review=review, duplicate_of__isnull=False)
    linked = records[records["duplicate_of"] != ""]
    assert set(linked["record_id"]) == set(duplicates.values_list("pk", flat=True))
    decisions = frame(bundle, "data/decisions.csv")
    assert len(decisions) == Decision.objects.filter(record__review=review).count()
    resolutions = frame(bundle, "data/resolutions.csv")
    assert len(resolutions) == Resolution.objects.filter(record__review=review).count()
    history = frame(bundle, "data/screening_history.csv")
    assert len(history) >= len(decisions) + len(resolutions)


def test_the_outcome_data_are_the_saved_numbers(demo):
    review, bundle = demo
    data = frame(bundle, "data/outcome_data.csv")
    saved = OutcomeData.objects.filter(outcome__comparison__review=review).select_related("study")
    assert len(data) == saved.count()
    for row in saved:
        line = data[(data["outcome_id"] == row.outcome_id) & (data["study_id"] == row.study_id)]
        for name, value in row.values.items():
            assert float(line.iloc[0][name]) == pytest.approx(value, rel=1e-12)


def test_the_workbook_has_the_same_sheets_as_the_csv_files(demo):
    review, bundle = demo
    workbook = openpyxl.load_workbook(io.BytesIO(bundle.read("data/workbook.xlsx")))
    tables = data_tables(Scope(review))
    assert workbook.sheetnames == [table.sheet for table in tables]
    for table in tables:
        rows = list(csv.reader(io.StringIO(bundle.read(table.path).decode())))
        sheet = list(workbook[table.sheet].iter_rows(values_only=True))
        assert len(sheet) == len(rows), table.name
        assert list(sheet[0]) == rows[0]


def test_the_analysis_files_are_the_stored_results(demo):
    review, bundle = demo
    pooled = frame(bundle, "analysis/pooled.csv")
    done = Analysis.objects.filter(review=review, status="done")
    assert (
        len(frame(bundle, "analysis/analyses.csv"))
        == Analysis.objects.filter(review=review).count()
    )
    for analysis in done:
        r = analysis.results
        overall = pooled[
            (pooled["analysis_id"] == analysis.pk) & (pooled["scope"] == "overall")
        ].iloc[0]
        for name in ("estimate", "se", "ci_lower", "ci_upper", "p", "effect"):
            assert float(overall[name]) == r["pooled"][name]
        assert float(overall["Q"]) == r["heterogeneity"]["Q"]
        tau2 = r["heterogeneity"]["tau2"]
        assert (overall["tau2"] == "") if tau2 is None else float(overall["tau2"]) == tau2
        studies = frame(bundle, f"analysis/analysis-{analysis.pk}/studies.csv")
        weights = {s["label"]: s.get("weight_percent") for s in r["studies"]}
        for _, line in studies.iterrows():
            stored = weights[line["study"]]
            assert (
                (line["weight_percent"] == "")
                if stored is None
                else math.isclose(float(line["weight_percent"]), stored)
            )
        assert json.loads(bundle.read(f"analysis/analysis-{analysis.pk}/results.json")) == r


def test_every_figure_is_there_in_three_formats(demo):
    review, bundle = demo
    names = set(bundle.namelist())
    magic = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml"}
    for analysis in Analysis.objects.filter(review=review, status="done"):
        for fmt, start in magic.items():
            assert bundle.read(f"figures/analysis-{analysis.pk}-forest.{fmt}").startswith(start)
    for fmt, start in magic.items():
        assert bundle.read(f"figures/prisma-2020-flow-diagram.{fmt}").startswith(start)
    assert any(
        name.startswith("figures/rob-rob2") and name.endswith("traffic-light.pdf") for name in names
    )


def test_the_ris_reads_back_as_the_same_records(demo):
    review, bundle = demo
    parsed = list(read_records(io.BytesIO(bundle.read("references/all_records.ris")), format="ris"))
    unique = Record.objects.filter(review=review, duplicate_of__isnull=True).order_by(
        "batch_id", "position", "pk"
    )
    assert len(parsed) == unique.count()
    fields = (
        "title",
        "year",
        "journal",
        "volume",
        "issue",
        "pages",
        "doi",
        "pmid",
        "embase_id",
        "abstract",
    )
    for back, record in zip(parsed, unique, strict=True):
        assert {f: getattr(back, f) for f in fields} == {
            f: getattr(record, f) or ("" if f != "year" else None) for f in fields
        }
        assert list(back.authors) == record.authors
        assert list(back.keywords[: len(record.keywords)]) == record.keywords
        resolution = record.resolutions.filter(stage="ta").first()
        if resolution:
            assert (
                f"Prismatic: title/abstract: {resolution.get_verdict_display().lower()}"
                in back.keywords
            )
    included = list(
        read_records(io.BytesIO(bundle.read("references/included_studies.ris")), format="ris")
    )
    assert len(included) == sum(s.reports.count() for s in Study.objects.filter(review=review))


def test_the_revman_files_have_a_row_per_study_and_arm(demo):
    review, bundle = demo
    info = frame(bundle, "revman/study_information.csv")
    assert list(info.columns[:2]) == ["Study ID", "Year"]
    assert set(info["Study ID"]) == set(
        Study.objects.filter(review=review).values_list("name", flat=True)
    )
    results = frame(bundle, "revman/study_results.csv")
    arm_rows = OutcomeData.objects.filter(outcome__comparison__review=review).exclude(
        outcome__data_type="generic"
    )
    assert len(results) == 2 * arm_rows.count()
    assert list(results.columns[:6]) == [
        "Study ID",
        "Comparison",
        "Outcome",
        "Subgroup",
        "Arm",
        "Intervention",
    ]
    rob2 = frame(bundle, "revman/risk_of_bias_rob2.csv")
    assert (
        list(rob2.columns[:2]) == ["Study ID", "Outcome"]
        and rob2.columns[-1] == "Overall: Judgement"
    )
    assert set(rob2["Overall: Judgement"]) <= {"Low risk", "Some concerns", "High risk"}


def test_the_prisma2020_csv_holds_the_diagram_s_counts(demo):
    review, bundle = demo
    rows = list(csv.reader(io.StringIO(bundle.read("prisma/PRISMA2020.csv").decode())))
    assert tuple(rows[0]) == PRISMA_HEADER
    n = {row[0]: row[7] for row in rows[1:] if row[0] != "NA"}
    flow = prisma_flow(review)
    assert n["database_specific_results"] == "; ".join(
        f"{k}, {v}" for k, v in flow.identified_by_source.items()
    )
    assert int(n["database_results"]) == sum(flow.identified_by_source.values())
    for key, value in (("duplicates", flow.duplicates_removed), ("records_screened", flow.records_screened),
                       ("records_excluded", flow.records_excluded), ("dbr_assessed", flow.reports_assessed),
                       ("new_studies", flow.studies_included), ("total_reports", flow.reports_included)):  # fmt: skip
        assert int(n[key]) == value, key
    if flow.reports_excluded:
        assert n["dbr_excluded"] == "; ".join(f"{k}, {v}" for k, v in flow.reports_excluded.items())


def test_methods_md_says_the_counts_and_fills_the_checklist(demo):
    review, bundle = demo
    text = bundle.read("methods.md").decode()
    flow = prisma_flow(review)
    assert f"{flow.records_screened:,} records were screened" in text
    assert "Cohen's κ" in text and "RoB 2" in text
    assert "## PRISMA 2020 checklist" in text and "| 16a |" in text and "[x]" in text


def test_the_command_refuses_a_missing_review_and_an_unknown_part(demo, tmp_path):
    with pytest.raises(CommandError, match="No review with id 999"):
        call_command("export_review", 999, "--out", str(tmp_path / "x.zip"))
    review, _ = demo
    with pytest.raises(CommandError, match="Unknown part 'slides'"):
        call_command(
            "export_review", review.pk, "--out", str(tmp_path / "x.zip"), "--parts", "data,slides"
        )


def test_plain_rows_read_what_the_orm_reads(demo):
    """The export's fast reader against Django's own conversions, on both databases."""
    review, _ = demo
    Decision.objects.filter(record__review=review).update(labels=["pilot", "=x"])
    fields = ("record_id", "reviewer__username", "verdict", "labels", "created", "updated")
    decisions = Decision.objects.filter(record__review=review).order_by("pk")
    fast = list(plain_rows(decisions, fields, times=("created", "updated"), lists=("labels",)))
    orm = [
        [r, who, v, labels, when(c), when(u)]
        for r, who, v, labels, c, u in decisions.values_list(*fields)
    ]
    assert fast == orm and len(fast) > 100
    assert fast[0][3] == ["pilot", "=x"] and fast[0][4].endswith("+00:00")
    with pytest.raises(ValueError, match="model fields first"):
        list(plain_rows(decisions.annotate(n=Count("pk")), ("n", "record_id")))
