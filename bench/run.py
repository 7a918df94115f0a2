"""Run every benchmark in bench/ (bench_*.py), one after another, as `make bench` does.

    python bench/run.py [NAME ...] [--option ...]

Names pick benchmarks (``python bench/run.py synthesis`` runs only
bench_synthesis.py); every other argument goes to each benchmark run. Each benchmark prints
its figures next to a peer measured in the same run; BENCHMARKS.md records them.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    known = {script.stem.removeprefix("bench_"): script for script in scripts}
    names = [arg for arg in sys.argv[1:] if arg in known]
    options = [arg for arg in sys.argv[1:] if arg not in known]
    if names:
        scripts = [known[name] for name in names]
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        if subprocess.run([sys.executable, str(script), *options], cwd=HERE.parent).returncode:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
