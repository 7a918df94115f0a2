"""Meta-analysis: pooling against statsmodels, and a whole analysis with its figures.

    python bench/bench_synthesis.py [--repeats 5]

1. Pooling, pure (no Django). The same seeded yi/vi for 10, 100 and 1,000
   studies go through our engine (``synthesis.stats.pooling.inverse_variance``:
   fixed effect, and random effects with DerSimonian-Laird) and through
   statsmodels' ``combine_effects(method_re="dl")``, which returns both
   estimates from one call. The pooled estimates must agree to 1e-8; the
   figure is the median time of one call, and its ratio ours / statsmodels.
   "entry RE-DL" is the same random-effects fit through the engine's public
   entry, ``synthesis.stats.analyse`` (input checks, study rows, no
   leave-one-out or small-study tests), as the web layer calls it.
2. An analysis end to end, 16 and 100 studies, in a fresh SQLite database with
   production settings: ``synthesis.services.analysis_run`` (read the data,
   compute with the Cochrane preset — REML, prediction interval,
   leave-one-out, small-study tests — and the robustness panel, draw the
   forest, funnel and robustness plots as PNG and SVG, store all) plus the
   PRISMA diagram as PNG and SVG from the review's live counts
   (``synthesis.figures.prisma_figures``). Each part is also timed alone. The peer for
   the drawing is a plain matplotlib errorbar forest of the same studies, as
   PNG and SVG. Targets: <= 1 s for 16 studies, <= 3 s for 100.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import ROOT  # noqa: E402
from databases import database_env, fresh_sqlite  # noqa: E402

sys.path.insert(0, str(ROOT))

POOLING_SIZES = (10, 100, 1000)
ANALYSIS_SIZES = (16, 100)
AGREEMENT = 1e-8
RECORDS = 2_000  # imported records behind the PRISMA diagram


def generated(k: int, seed: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Log risk ratios around -0.4 with tau² = 0.05, and their variances."""
    rng = np.random.default_rng(seed + k)
    vi = rng.uniform(0.01, 0.3, k)
    yi = rng.normal(-0.4, np.sqrt(0.05 + vi))
    return yi, vi


def median_call(function, calls: int) -> float:
    """Median seconds of one call, after two warm-up calls."""
    function(), function()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_pooling() -> None:
    from statsmodels.stats.meta_analysis import combine_effects

    from synthesis.stats import Method, analyse, study, tau2
    from synthesis.stats.effects import generic_effects
    from synthesis.stats.pooling import inverse_variance

    print("Pooling: median of one call; statsmodels gives FE and RE (DL) in one call")
    print(
        f"{'k':>5}  {'ours FE':>9}  {'ours RE-DL':>10}  {'entry RE-DL':>11}  {'statsmodels':>11}  "
        f"{'FE ratio':>8}  {'RE ratio':>8}  {'entry ratio':>11}  {'of RE: Q-profile':>16}  "
        "pooled RE (log RR)"
    )
    for k in POOLING_SIZES:
        yi, vi = generated(k)
        effects = generic_effects(yi, np.sqrt(vi), measure="RR")
        fixed = inverse_variance(effects)
        random = inverse_variance(effects, model="random", tau2_method="DL")
        studies = [
            study(str(i), "generic", {"estimate": y, "se": s})
            for i, (y, s) in enumerate(zip(yi, np.sqrt(vi), strict=True))
        ]
        method = Method("RR", model="random", tau2_estimator="DL")
        entry = analyse(studies, method, leave_one_out=False, small_study=False)
        assert abs(entry.pooled.estimate - random.pooled.estimate) <= AGREEMENT
        peer = combine_effects(yi, vi, method_re="dl")
        for ours, theirs in (
            (fixed.pooled.estimate, peer.mean_effect_fe),
            (random.pooled.estimate, peer.mean_effect_re),
            (random.heterogeneity.tau2, peer.tau2),
        ):
            assert abs(ours - theirs) <= AGREEMENT, (k, ours, theirs)
        calls = 200 if k <= 100 else 7  # the 1,000-study random-effects fit takes ~0.3 s
        ours_fe = median_call(lambda e=effects: inverse_variance(e), calls)
        ours_re = median_call(
            lambda e=effects: inverse_variance(e, model="random", tau2_method="DL"), calls
        )
        ours_entry = median_call(
            lambda s=studies, m=method: analyse(s, m, leave_one_out=False, small_study=False),
            calls,
        )
        sm = median_call(lambda y=yi, v=vi: combine_effects(y, v, method_re="dl"), calls)
        profile = median_call(lambda y=yi, v=vi: tau2.q_profile_interval(y, v), calls)
        print(
            f"{k:>5}  {ours_fe * 1e3:7.3f}ms  {ours_re * 1e3:8.3f}ms  {ours_entry * 1e3:9.3f}ms  "
            f"{sm * 1e3:9.3f}ms  {ours_fe / sm:7.1f}×  {ours_re / sm:7.1f}×  "
            f"{ours_entry / sm:10.1f}×  {profile * 1e3:14.3f}ms  "
            f"{random.pooled.estimate:.12f} (statsmodels {peer.mean_effect_re:.12f})"
        )


def child(repeats: int) -> None:
    """Build the reviews and measure, inside the process that owns the database."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures = {str(k): measure_analysis(k, repeats) for k in ANALYSIS_SIZES}
    print(json.dumps(figures))


def build(k: int):
    """A review with ``RECORDS`` imported records and a dichotomous outcome of k studies."""
    from django.contrib.auth import get_user_model

    from extraction.models import Comparison, Outcome, OutcomeData, Study
    from reviews.bulk import insert_rows
    from reviews.importers.record import ParsedRecord
    from reviews.models import ImportBatch, Record
    from reviews.records import ROW_FIELDS, record_row
    from workspace.services import review_create

    lead = get_user_model().objects.create(username=f"lead{k}")
    review = review_create(user=lead, title=f"Benchmark review, {k} studies")
    batch = ImportBatch.objects.create(
        review=review, source="medline", file_name="bench.nbib", sha256="0" * 64, status="done"
    )
    insert_rows(
        Record,
        ROW_FIELDS,
        (
            record_row(
                ParsedRecord(title=f"Trial {i} of ketamine", year=2000), batch=batch, position=i
            )
            for i in range(RECORDS)
        ),
    )
    comparison = Comparison.objects.create(
        review=review, name="Ketamine vs placebo", experimental="Ketamine", control="Placebo"
    )
    outcome = Outcome.objects.create(
        comparison=comparison, name="Pain relief", data_type="dichotomous", measure="RR"
    )
    rng = np.random.default_rng(k)
    for i in range(k):
        study = Study.objects.create(review=review, name=f"Study {i + 1:03d} {2000 + i % 25}")
        n_exp, n_ctrl = (int(n) for n in rng.integers(20, 200, 2))
        risk_ctrl = 0.3
        risk_exp = min(0.95, risk_ctrl * float(np.exp(rng.normal(-0.4, 0.25))))
        values = {
            "events_exp": int(rng.binomial(n_exp, risk_exp)),
            "total_exp": n_exp,
            "events_ctrl": int(rng.binomial(n_ctrl, risk_ctrl)),
            "total_ctrl": n_ctrl,
        }
        OutcomeData.objects.create(outcome=outcome, study=study, values=values)
    return review, outcome


def measure_analysis(k: int, repeats: int) -> dict:
    from extraction.selectors import outcome_dataset
    from synthesis import figures, services
    from synthesis.models import Analysis
    from synthesis.plots.canvas import figure_bytes
    from synthesis.prisma import prisma_flow
    from synthesis.robustness import robustness

    review, outcome = build(k)
    analysis = services.analysis_create(outcome=outcome, name="Pain relief")

    def run() -> None:
        Analysis.objects.filter(pk=analysis.pk).update(status="draft", input_hash="", attempts=0)
        assert services.analysis_run(analysis_id=analysis.pk).status == Analysis.Status.DONE

    def prisma() -> None:
        figures.prisma_figures(prisma_flow(review), formats=("png", "svg"))

    def both(draw) -> None:
        figure = draw(done)
        figure_bytes(figure, "png"), figure_bytes(figure, "svg")

    run()
    done = Analysis.objects.select_related("outcome__comparison").get(pk=analysis.pk)
    dataset = outcome_dataset(outcome)
    parts = {
        "run": run,
        "prisma": prisma,
        "compute": lambda: services.compute(outcome, done.settings, dataset),
        "robustness": lambda: robustness(outcome, done.settings, dataset, high_risk={}),
        "figures": lambda: figures.analysis_figures(done),
        "forest": lambda: both(figures.forest_figure),
        "funnel": lambda: both(figures.funnel_figure),
        "peer": lambda: both(plain_forest),
    }
    times: dict[str, list[float]] = {name: [] for name in parts}
    for _ in range(repeats):
        for name, part in parts.items():  # interleaved, so load hits every part alike
            start = time.perf_counter()
            part()
            times[name].append(time.perf_counter() - start)
    kinds = sorted(set(done.figures.values_list("kind", flat=True)))
    result = {name: statistics.median(values) for name, values in times.items()}
    return result | {"kinds": kinds, "k": done.results["pooled"]["k"]}


def plain_forest(analysis):
    """The peer: a bare matplotlib forest (errorbars, names, no-effect line), no table."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    studies = analysis.results["studies"]
    k = len(studies)
    estimates = np.array([s["effect"] for s in studies])
    lower = np.array([s["effect_ci_lower"] for s in studies])
    upper = np.array([s["effect_ci_upper"] for s in studies])
    figure = Figure(figsize=(6, 1 + 0.2 * k))
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ys = np.arange(k)
    ax.errorbar(estimates, ys, xerr=[estimates - lower, upper - estimates], fmt="s", color="black")
    ax.axvline(1, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks(ys, [s["label"] for s in studies])
    ax.invert_yaxis()
    figure.tight_layout()
    return figure


def report(figures: dict) -> None:
    print("\nAn analysis with its figures: median seconds (SQLite, production settings)")
    print(
        f"{'studies':>7}  {'run':>6}  {'PRISMA':>6}  {'total':>6}  {'target':>6}  "
        f"{'compute':>7}  {'robust':>6}  {'figures':>7}  {'forest':>6}  {'funnel':>6}  "
        f"{'brief':>6}  {'peer':>6}  forest / peer"
    )
    for k, part in figures.items():
        total = part["run"] + part["prisma"]
        brief = part["compute"] + part["forest"] + part["funnel"] + part["prisma"]
        target = 1.0 if int(k) <= 16 else 3.0
        print(
            f"{k:>7}  {part['run']:6.3f}  {part['prisma']:6.3f}  {total:6.3f}  {target:6.1f}  "
            f"{part['compute']:7.3f}  {part['robustness']:6.3f}  {part['figures']:7.3f}  "
            f"{part['forest']:6.3f}  {part['funnel']:6.3f}  {brief:6.3f}  {part['peer']:6.3f}  "
            f"{part['forest'] / part['peer']:5.1f}×"
        )
    print(
        f"run = analysis_run: read, compute, robustness panel, figures ({', '.join(part['kinds'])})"
        " as PNG and SVG, store;\nPRISMA = live counts, PNG and SVG; total = run + PRISMA. "
        "The parts are timed on their own:\nrobust = the robustness panel, figures = every "
        "analysis figure, PNG and SVG; brief = compute + forest + funnel + PRISMA."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.child:
        child(args.repeats)
        return
    started = time.perf_counter()
    bench_pooling()
    env = database_env(fresh_sqlite("bench-synthesis"))
    command = [sys.executable, __file__, "--child", f"--repeats={args.repeats}"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if result.returncode:
        sys.exit(result.stderr[-3000:])
    report(json.loads(result.stdout.strip().splitlines()[-1]))
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
