"""Prioritised screening and the stopping rule, beside ASReview LAB's default model.

    python bench/bench_prioritisation.py [--seeds 0,1,2] [--big] [--asreview-python PATH]

For every labelled data set in ``../shared/fixtures/screening/`` and every
seed, the same simulation as ``python -m screening.simulate`` (one prior
inclusion and one prior exclusion drawn by the seed) and ASReview LAB's
simulation with its default model (ELAS u4: TF-IDF 1-2-grams, linear SVM,
balanced sampling, retrained after every label) from the same prior records.
Both run until the last relevant record is found. Prints WSS@95 side by side,
each data set's wall times and their ratio, and for Prismatic where the
stopping rule stopped (recall reached, work saved).

ASReview's pins clash with ours (pandas < 3, rispy 0.9), so it lives in its
own environment: ``bench/out/venv-asreview``, made on first use from
``requirements-asreview.txt`` with the ordinary pip (or give
``--asreview-python``). ``--big`` adds the stretch goal: a 48,000-record review
(a data set replicated) simulated to full recall, Prismatic only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import ROOT  # noqa: E402

sys.path.insert(0, str(ROOT))

from screening.prioritisation.simulation import SimulationResult, prior_rows, simulate  # noqa: E402
from screening.simulate import read_data_set  # noqa: E402

DATA = ROOT.parent / "shared" / "fixtures" / "screening"
VENV = ROOT / "bench" / "out" / "venv-asreview"
PINS = ROOT / "requirements-asreview.txt"
RUNNER = ROOT / "bench" / "asreview_simulation.py"
BIG = 48_000


def asreview_python(given: str | None) -> Path:
    """ASReview's interpreter: given, or the bench's own environment (made once)."""
    if given:
        return Path(given)
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"making ASReview's environment in {VENV} from {PINS.name} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(PINS)], check=True)
    return python


def run_asreview(python: Path, path: Path, labels: np.ndarray, seed: int) -> SimulationResult:
    priors = prior_rows(labels, seed, 1, 1)
    command = [str(python), str(RUNNER), str(path), "--seed", str(seed), "--prior-idx"]
    answer = subprocess.run(
        command + [str(row) for row in priors], capture_output=True, text=True, check=True
    )
    found = json.loads(answer.stdout.strip().splitlines()[-1])
    return SimulationResult(
        n=len(labels),
        relevant=int(labels.sum()),
        order=np.array(found["order"]),
        labels=labels,
        fits=len(found["order"]) - len(priors),
        check=None,
        wall_s=found["wall_s"],
    )


def compare(path: Path, seeds: list[int], python: Path) -> dict:
    texts, labels = read_data_set(path)
    labels = np.array(labels)
    ours, theirs = [], []
    for seed in seeds:
        ours.append(simulate(texts, labels, seed=seed))
        theirs.append(run_asreview(python, path, labels, seed))
        print(
            f"  {path.stem[:28]:28} seed {seed}: WSS@95 {ours[-1].wss95:.3f} vs "
            f"{theirs[-1].wss95:.3f}; {ours[-1].wall_s:.1f} s vs {theirs[-1].wall_s:.1f} s",
            flush=True,
        )
    return {"name": path.name, "n": len(labels), "ours": ours, "asreview": theirs}


def mean(values) -> float:
    return float(np.mean(list(values)))


def report(rows: list[dict]) -> None:
    print(
        "\n| data set | records | WSS@95 Prismatic | WSS@95 ASReview | difference (points)"
        " | wall Prismatic | wall ASReview | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        ours, theirs = mean(r.wss95 for r in row["ours"]), mean(r.wss95 for r in row["asreview"])
        wall_ours = sum(r.wall_s for r in row["ours"])
        wall_theirs = sum(r.wall_s for r in row["asreview"])
        print(
            f"| {row['name']} | {row['n']} | {ours:.1%} | {theirs:.1%} | {100 * (ours - theirs):+.1f}"
            f" | {wall_ours:.1f} s | {wall_theirs:.1f} s | {wall_ours / wall_theirs:.2f} |"
        )
    ours = [r for row in rows for r in row["ours"]]
    theirs = [r for row in rows for r in row["asreview"]]
    wall = sum(r.wall_s for r in ours) / sum(r.wall_s for r in theirs)
    print(
        f"| **all** | | **{mean(r.wss95 for r in ours):.1%}** | **{mean(r.wss95 for r in theirs):.1%}**"
        f" | {100 * (mean(r.wss95 for r in ours) - mean(r.wss95 for r in theirs)):+.1f} |"
        f" {sum(r.wall_s for r in ours):.1f} s | {sum(r.wall_s for r in theirs):.1f} s | {wall:.2f} |"
    )
    stopping(rows)


def stopping(rows: list[dict]) -> None:
    print("\n| data set | runs | reached 95% recall | mean recall at stop | mean work saved |")
    print("|---|---:|---:|---:|---:|")
    every = []
    for row in rows:
        runs = row["ours"]
        every += runs
        print(
            f"| {row['name']} | {len(runs)} | {mean(r.stop_recall >= 0.95 for r in runs):.0%}"
            f" | {mean(r.stop_recall for r in runs):.1%}"
            f" | {mean(1 - r.stop_screened / r.n for r in runs):.1%} |"
        )
    print(
        f"| **all** | {len(every)} | **{mean(r.stop_recall >= 0.95 for r in every):.0%}**"
        f" | {mean(r.stop_recall for r in every):.1%}"
        f" | {mean(1 - r.stop_screened / r.n for r in every):.1%} |"
    )


def big_review(path: Path) -> None:
    """The stretch goal: one data set replicated to 48,000 records, simulated to full recall."""
    texts, labels = read_data_set(path)
    copies = -(-BIG // len(texts))
    # A copy number in every text keeps the copies apart (TF-IDF sees them as distinct records).
    big_texts = [f"{text} copy{c}" for c in range(copies) for text in texts][:BIG]
    big_labels = np.tile(labels, copies)[:BIG]
    started = time.perf_counter()
    result = simulate(big_texts, big_labels, seed=0)
    print(
        f"\n48,000 records ({path.name} x {copies}, {int(big_labels.sum())} relevant): "
        f"every relevant record found after {result.screened_all} screened, WSS@95 "
        f"{result.wss95:.1%}, {result.fits} retrainings, {time.perf_counter() - started:.0f} s "
        f"(goal: under 600 s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--big", action="store_true")
    parser.add_argument("--asreview-python")
    args, _ = parser.parse_known_args()
    if not DATA.is_dir():
        print(f"skipped: {DATA} is not present (a fresh clone has no ../shared)")
        return 0
    seeds = [int(seed) for seed in args.seeds.split(",")]
    python = asreview_python(args.asreview_python)
    version = subprocess.run(
        [str(python), "-c", "import asreview; print(asreview.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"ASReview LAB {version} (ELAS u4) beside Prismatic, seeds {seeds}")
    rows = [compare(path, seeds, python) for path in sorted(DATA.glob("*.csv"))]
    report(rows)
    if args.big:
        big_review(DATA / "nagtegaal_2019_nudging.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
