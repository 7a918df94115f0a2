"""The generated benchmark corpus, built once into bench/out/ (git-ignored).

``../shared/fixtures/make_big_corpus.py`` writes ``corpus.ris``, ``corpus.nbib``
and ``duplicate_pairs.csv`` for N records, 15 % of them near-duplicates.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
GENERATOR = ROOT.parent / "shared" / "fixtures" / "make_big_corpus.py"


def corpus(n: int = 100_000) -> Path:
    """The folder holding the n-record corpus, built when missing."""
    folder = OUT / f"corpus_{n}"
    if all(
        (folder / name).is_file() for name in ("corpus.ris", "corpus.nbib", "duplicate_pairs.csv")
    ):
        return folder
    if not GENERATOR.is_file():
        sys.exit(f"{GENERATOR} not found: the benchmarks need ../shared (CI has it)")
    print(f"building the {n:,}-record corpus in {folder} ...", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, str(GENERATOR), "--n", str(n), "--out", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder
