"""``python -m screening.simulate``: the command a user runs on a labelled data set."""

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.screening.labelled import records, write_csv

KEYS = {"wss95", "recall10", "screened_all", "stop_screened", "stop_recall", "n", "wall_s"}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "screening.simulate", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_it_prints_one_json_object_with_the_issues_keys(tmp_path):
    data = write_csv(tmp_path / "ketamine.csv")
    answer = run(data, "--json", "--seed", "2", "--prior-included", "2", "--prior-excluded", "3")
    assert answer.returncode == 0, answer.stderr
    stats = json.loads(answer.stdout)
    assert KEYS <= set(stats)
    assert stats["n"] == 60
    assert stats["screened_all"] <= 17  # 5 priors, then the 10 other ketamine trials at once
    assert 0 < stats["wss95"] <= 0.95
    assert stats["stop_screened"] <= 60 and 0 < stats["stop_recall"] <= 1


def test_it_prints_a_report_and_draws_the_recall_curve(tmp_path):
    data = write_csv(tmp_path / "ketamine.csv")
    answer = run(data, "--plot", tmp_path / "curve.png")
    assert answer.returncode == 0, answer.stderr
    lines = answer.stdout.splitlines()
    assert lines[0] == "ketamine.csv: 60 records, 12 included"
    assert [line.split(":")[0] for line in lines[1:4]] == [
        "recall at 10% screened",
        "recall at 25% screened",
        "recall at 50% screened",
    ]
    assert lines[4].startswith("WSS@95: ")
    assert "Callaghan & Müller-Hansen (2020)" in answer.stdout
    assert (tmp_path / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_bad_label_is_refused_with_its_line(tmp_path):
    rows = records()
    rows[6]["label_included"] = "yes"
    answer = run(write_csv(tmp_path / "bad.csv", rows))
    assert answer.returncode == 2
    assert "bad.csv, line 8: label_included is 'yes', not 0 or 1." in answer.stderr


def test_a_missing_column_and_a_missing_file_are_named(tmp_path):
    (tmp_path / "nolabel.csv").write_text("title,abstract\nKetamine,Pain\n", encoding="utf-8")
    answer = run(tmp_path / "nolabel.csv")
    assert answer.returncode == 2 and "no column label_included" in answer.stderr
    answer = run(tmp_path / "absent.csv")
    assert answer.returncode == 2 and "absent.csv: No such file or directory." in answer.stderr


def test_a_data_set_with_nothing_to_find_is_refused(tmp_path):
    rows = [row | {"label_included": 0} for row in records()]
    answer = run(write_csv(tmp_path / "none.csv", rows))
    assert answer.returncode == 2 and "no included record" in answer.stderr


@pytest.mark.parametrize(
    "name", ["cohen_2006_adhd.csv", "kitchenham_2010_software_engineering.csv"]
)
def test_it_runs_on_the_shared_data_sets(shared_dir, name):
    answer = run(shared_dir / "fixtures" / "screening" / name, "--json")
    assert answer.returncode == 0, answer.stderr
    stats = json.loads(answer.stdout)
    expected = {
        "cohen_2006_adhd.csv": (851, 20),
        "kitchenham_2010_software_engineering.csv": (1704, 45),
    }
    assert (stats["n"], stats["relevant"]) == expected[name]
    assert stats["screened_all"] < stats["n"]
    assert stats["wss95"] > 0.3  # far better than screening in random order (0)
