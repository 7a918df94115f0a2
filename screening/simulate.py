"""Replay a labelled screening data set through prioritisation and the stopping rule.

    python -m screening.simulate DATASET.csv [--seed S] [--prior-included N
        --prior-excluded M] [--json] [--plot FILE.png]

The data set is a CSV with the columns ``title``, ``abstract`` and
``label_included`` (1 = included), as in ``../shared/fixtures/screening/``.
Prints recall at 10/25/50% screened, work saved over sampling at 95% recall
(WSS@95), the records screened to find every relevant one, where the stopping
rule stopped and the recall there, and the wall time. Runs the same ranking
and stopping code as the app (``screening.prioritisation``), and imports no
Django.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from screening.prioritisation.model import record_text
from screening.prioritisation.simulation import SimulationResult, StoppingPolicy, simulate
from screening.prioritisation.stopping import METHOD

REQUIRED = ("title", "abstract", "label_included")
JSON_KEYS = ("wss95", "recall10", "screened_all", "stop_screened", "stop_recall", "n", "wall_s")


class DataSetError(ValueError):
    """The data set cannot be read; the message names the file, line and column."""


def read_data_set(path: Path) -> tuple[list[str], list[int]]:
    """Texts and labels of a labelled screening CSV, or DataSetError naming what is wrong."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
            if missing:
                raise DataSetError(f"{path}: no column {', '.join(missing)} in the header line.")
            texts, labels = [], []
            for row in reader:
                labels.append(_label(path, reader.line_num, row["label_included"]))
                texts.append(record_text(row["title"], row["abstract"]))
    except OSError as error:
        raise DataSetError(f"{path}: {error.strerror}.") from None
    except UnicodeDecodeError as error:
        raise DataSetError(f"{path}: not UTF-8 text ({error.reason}).") from None
    if not labels:
        raise DataSetError(f"{path}: no records.")
    return texts, labels


def _label(path: Path, line: int, value: str | None) -> int:
    value = (value or "").strip()
    if value not in ("0", "1"):
        raise DataSetError(f"{path}, line {line}: label_included is {value!r}, not 0 or 1.")
    return int(value)


def summary(result: SimulationResult, path: Path, policy: StoppingPolicy) -> str:
    """The report, one figure a line."""
    stats = result.to_dict()
    lines = [
        f"{path.name}: {result.n} records, {result.relevant} included",
        *(f"recall at {p}% screened: {stats[f'recall{p}']:.1%}" for p in (10, 25, 50)),
        f"WSS@95: {result.wss95:.1%}",
        f"records screened to find every included one: {result.screened_all} of {result.n}",
        f"stopping rule ({METHOD}, {policy.recall_target:.0%} recall at "
        f"{policy.confidence:.0%} confidence): {_stop_words(result)}",
        f"wall time: {result.wall_s:.2f} s ({result.fits} retrainings)",
    ]
    return "\n".join(lines)


def _stop_words(result: SimulationResult) -> str:
    check = result.check
    if check is None:
        return "no check started before every record was screened"
    verdict = "stopped" if check.stopped else "did not stop; screened everything"
    return (
        f"check started after {check.started_at} records, random sample of "
        f"{check.sample_screened}; {verdict} at {result.stop_screened} records, "
        f"recall {result.stop_recall:.1%}"
    )


def plot(result: SimulationResult, path: Path, out: Path) -> None:
    """Draw the recall curve with where the stopping rule stopped (a Figure, no pyplot)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.5), layout="constrained")
    ax = figure.add_subplot()
    screened = range(1, len(result.order) + 1)
    ax.plot(screened, result.found / result.relevant, label="Prioritised screening")
    ax.plot([0, result.n], [0, 1], linestyle=":", color="grey", label="Random order")
    ax.axvline(
        result.stop_screened,
        color="tab:red",
        linestyle="--",
        label=f"Stopping rule: stop at {result.stop_screened} (recall {result.stop_recall:.1%})",
    )
    if result.check is not None:
        ax.axvline(
            result.check.started_at, color="tab:orange", linestyle=":", label="Check started"
        )
    ax.set(xlim=(0, result.n), ylim=(0, 1.02), xlabel="Records screened", ylabel="Recall")
    ax.set_title(f"{path.name}: WSS@95 {result.wss95:.1%}")
    ax.legend(loc="lower right")
    figure.savefig(out, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m screening.simulate", description=__doc__)
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prior-included", type=int, default=1, metavar="N")
    parser.add_argument("--prior-excluded", type=int, default=1, metavar="M")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--plot", type=Path, metavar="FILE.png")
    args = parser.parse_args(argv)
    if args.prior_included < 0 or args.prior_excluded < 0:
        parser.error("the numbers of prior records cannot be negative")
    policy = StoppingPolicy()
    try:
        texts, labels = read_data_set(args.dataset)
        result = simulate(
            texts,
            labels,
            seed=args.seed,
            prior_included=args.prior_included,
            prior_excluded=args.prior_excluded,
            policy=policy,
        )
    except ValueError as error:
        message = str(error) if isinstance(error, DataSetError) else f"{args.dataset}: {error}"
        print(f"error: {message}", file=sys.stderr)
        return 2
    if args.plot:
        plot(result, args.dataset, args.plot)
    if args.json:
        print(json.dumps(result.to_dict()))
    else:
        print(summary(result, args.dataset, policy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
