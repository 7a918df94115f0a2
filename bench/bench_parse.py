"""Benchmark reviews.importers against rispy: records/s and peak memory.

    python bench/bench_parse.py [--corpus DIR] [--repeat N]

Uses the generated 100,000-record corpus (``corpus.ris``, ``corpus.nbib``),
building it with ../shared/fixtures/make_big_corpus.py into
bench/out/corpus_100000 (git-ignored) when missing. Every measurement runs in a
fresh Python process so that its peak RSS (``resource.getrusage``) belongs to
that parser alone:

- our RIS parser (``read_records(..., format="ris")``, records consumed one by
  one, as an import does);
- rispy 0.10.0 (``rispy.load``) on the same file, the peer;
- our MEDLINE parser on the PubMed-format copy of the corpus.

It prints wall and CPU seconds, records/s and peak RSS for each, and the time and memory
ratios ours/rispy (target: time ratio at most 0.8, memory no higher). With
``--repeat N`` the runs are interleaved and each figure is the best of N.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from corpus import corpus  # noqa: E402

SHARED = ROOT.parent / "shared" / "fixtures"

# Each snippet runs alone in a subprocess and prints one JSON line.
MEASURE = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
kind, path = {kind!r}, {path!r}
start, cpu = time.perf_counter(), time.process_time()
if kind == "rispy":
    import rispy
    with open(path, encoding="utf-8") as handle:
        count = len(rispy.load(handle))
else:
    from reviews.importers import read_records
    count = 0
    for record in read_records(path, format=kind):
        count += 1
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"records": count, "seconds": seconds, "cpu": cpu, "peak_mb": peak}}))
"""


def measure_once(kind: str, path: Path) -> dict:
    code = MEASURE.format(root=str(ROOT), kind=kind, path=str(path))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(jobs: dict[str, tuple[str, Path]], repeat: int) -> dict[str, dict]:
    """Run every job ``repeat`` times, interleaved so that a busy machine slows
    ours and the peer alike; keep the fastest time and the lowest peak."""
    runs: dict[str, list[dict]] = {label: [] for label in jobs}
    for _ in range(repeat):
        for label, (kind, path) in jobs.items():
            runs[label].append(measure_once(kind, path))
    best = {}
    for label, results in runs.items():
        best[label] = min(results, key=lambda run: run["seconds"])
        best[label]["cpu"] = min(run["cpu"] for run in results)
        best[label]["peak_mb"] = min(run["peak_mb"] for run in results)
    return best


def show(label: str, figures: dict) -> None:
    rate = figures["records"] / figures["seconds"]
    print(
        f"{label:<27} {figures['records']:>7,} records {figures['seconds']:6.2f} s "
        f"(cpu {figures['cpu']:5.2f} s) {rate:>7,.0f} records/s  peak {figures['peak_mb']:5.1f} MB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args = parser.parse_args()
    args.corpus = args.corpus or corpus(100_000)
    ris, nbib = args.corpus / "corpus.ris", args.corpus / "corpus.nbib"
    print(f"corpus: {ris} ({ris.stat().st_size / 1e6:.0f} MB)")

    jobs = {
        "reviews.importers RIS": ("ris", ris),
        "rispy 0.10.0 RIS": ("rispy", ris),
        "reviews.importers MEDLINE": ("pubmed", nbib),
    }
    results = measure(jobs, args.repeat)
    for label, figures in results.items():
        show(label, figures)
    ours, peer = results["reviews.importers RIS"], results["rispy 0.10.0 RIS"]
    print(
        f"ratio ours/rispy: time {ours['seconds'] / peer['seconds']:.2f} "
        f"(cpu {ours['cpu'] / peer['cpu']:.2f}; target <= 0.80), "
        f"peak memory {ours['peak_mb'] / peer['peak_mb']:.2f} (target <= 1.00)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
