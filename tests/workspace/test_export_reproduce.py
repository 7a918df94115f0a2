"""The reproduction scripts, run from an unzipped bundle: every method the engine offers
passes, and a stored result changed by hand fails."""

import os
import shutil
import subprocess
import sys

import pytest

from synthesis.models import Analysis
from tests.conftest import require_service
from tests.workspace.export_fixtures import ANALYSES, bundle, method_review

PARTS = ("data", "analysis", "reproduce")


@pytest.fixture
def analyses(cast, monkeypatch):
    # figures play no part here; drawing 16 analyses' plots would only slow the test
    monkeypatch.setattr("synthesis.services.analysis_figures", lambda analysis, kinds=(): {})
    return method_review(cast.review)


def unzip(review, folder):
    bundle(review, parts=PARTS).extractall(folder)
    return folder


def run(command, folder):
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)


def tamper(analysis: Analysis) -> None:
    results = analysis.results
    results["pooled"]["estimate"] += 0.001
    Analysis.objects.filter(pk=analysis.pk).update(results=results)


def test_every_analysis_is_reproduced_by_the_python_script(cast, analyses, tmp_path):
    assert all(a.status == "done" for a in analyses), [a.error for a in analyses]
    folder = unzip(cast.review, tmp_path / "bundle")
    answer = run([sys.executable, "reproduce/reproduce.py"], folder)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    lines = answer.stdout.splitlines()
    assert sum(line.startswith("PASS") for line in lines) == len(ANALYSES), answer.stdout
    assert lines[-1].startswith("0 failed")

    tamper(analyses[6])
    folder = unzip(cast.review, tmp_path / "tampered")
    answer = run([sys.executable, "reproduce/reproduce.py"], folder)
    assert answer.returncode == 1
    failed = [line for line in answer.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and f"analysis {analyses[6].pk} " in failed[0]
    assert "estimate stored" in failed[0]


def rscript() -> str:
    found = shutil.which("Rscript")
    if found is None:
        require_service(
            "R", "Rscript is not installed (apt-get install r-base-core r-cran-metafor)"
        )
    probe = subprocess.run([found, "-e", "library(metafor)"], capture_output=True, text=True)
    if probe.returncode:
        require_service("R's metafor", probe.stderr.strip()[-200:])
    return found


def test_every_analysis_is_reproduced_by_metafor(cast, analyses, tmp_path):
    r = rscript()
    folder = unzip(cast.review, tmp_path / "bundle")
    answer = run([r, "reproduce/reproduce.R"], folder)
    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert sum(line.startswith("PASS") for line in answer.stdout.splitlines()) == len(ANALYSES)

    tamper(analyses[0])
    folder = unzip(cast.review, tmp_path / "tampered")
    answer = run([r, "reproduce/reproduce.R"], folder)
    assert answer.returncode == 1, answer.stdout + answer.stderr
    failed = [line for line in answer.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and f"analysis {analyses[0].pk} " in failed[0]


@pytest.mark.skipif(os.environ.get("CI") == "true", reason="statsmodels is always installed in CI")
def test_the_python_script_needs_no_statsmodels(cast, analyses, tmp_path):
    folder = unzip(cast.review, tmp_path / "bundle")
    script = folder / "reproduce" / "reproduce.py"
    script.write_text(script.read_text().replace("from statsmodels", "from no_such_module"))
    answer = run([sys.executable, "reproduce/reproduce.py"], folder)
    assert answer.returncode == 0, answer.stdout
    assert "(numpy/scipy)" in answer.stdout.splitlines()[-1]
