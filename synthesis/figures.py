"""An analysis's figures drawn from its stored results, as bytes ready to store and serve.

The drawing itself is in the pure ``synthesis.plots`` package; this module turns
an :class:`~synthesis.models.Analysis`'s results (and its outcome's names) into
that package's inputs.
"""

from __future__ import annotations

import math
from dataclasses import replace

from matplotlib.figure import Figure as MplFigure

from extraction.models import DataType, Outcome
from synthesis import reporting
from synthesis.plots.canvas import figure_bytes
from synthesis.plots.forest import ForestPooled, ForestRow, ForestSubgroup, plot_forest
from synthesis.plots.funnel import plot_funnel
from synthesis.plots.prisma import PrismaFlow, plot_prisma
from synthesis.plots.rob import RobAssessment, plot_summary, plot_traffic_light
from synthesis.plots.robustness import plot_robustness
from synthesis.robustness import LEAVE_ONE_OUT, Robustness, RobustnessRow

FORMATS = ("png", "svg")
PRISMA_FORMATS = ("png", "svg", "pdf")


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def value_text(value: float) -> str:
    """A number as entered, to at most two decimals (derived SDs have many)."""
    return f"{round(float(value), 2):g}"


# The per-arm columns of the forest plot, experimental arm first (generic data has none).
ARM_KEYS = {
    DataType.DICHOTOMOUS: ("events_exp", "total_exp", "events_ctrl", "total_ctrl"),
    DataType.CONTINUOUS: ("mean_exp", "sd_exp", "n_exp", "mean_ctrl", "sd_ctrl", "n_ctrl"),
}


def _arm_columns(data_type: str, data: dict) -> tuple[str, ...]:
    return tuple(value_text(data[k]) for k in ARM_KEYS.get(DataType(data_type), ()))


def _row(outcome: Outcome, study: dict) -> ForestRow:
    return ForestRow(
        label=study["label"],
        arm_columns=_arm_columns(outcome.data_type, study["data"]),
        weight_percent=study.get("weight_percent") or 0.0,
        estimate=_nan(study.get("effect")),
        ci_lower=_nan(study.get("effect_ci_lower")),
        ci_upper=_nan(study.get("effect_ci_upper")),
    )


def _pooled(label: str, pooled: dict, interval: dict | None = None) -> ForestPooled:
    return ForestPooled(
        label=label,
        estimate=_nan(pooled["effect"]),
        ci_lower=_nan(pooled["effect_ci_lower"]),
        ci_upper=_nan(pooled["effect_ci_upper"]),
        prediction_lower=interval["effect_lower"] if interval else None,
        prediction_upper=interval["effect_upper"] if interval else None,
        prediction_label=reporting.prediction_label(interval),
    )


def forest_figure(analysis) -> MplFigure:
    """The RevMan-style forest plot of a done analysis, with subgroup blocks if any."""
    results, outcome = analysis.results, analysis.outcome
    comparison = outcome.comparison
    level = reporting.percent(results["level"])
    model = results["model"]
    studies = [_row(outcome, s) for s in results["studies"]]
    items: list[ForestRow | ForestSubgroup] = studies
    if results.get("subgroups"):
        items = []
        for block in results["subgroups"]:
            rows = tuple(
                row
                for row, s in zip(studies, results["studies"], strict=True)
                if (s.get("subgroup") or "Not given") == block["name"]
            )
            items.append(
                ForestSubgroup(
                    label=block["name"],
                    rows=rows,
                    pooled=_pooled(f"Subtotal ({level}% CI)", block["pooled"]),
                    heterogeneity_text=reporting.heterogeneity_text(
                        block["heterogeneity"], model=model, k=block["k"]
                    ),
                    overall_text=reporting.overall_text(block["pooled"]),
                )
            )
    interval = results.get("prediction_interval") if model == "random" else None
    rob = results.get("rob") or {}
    judged = [
        RobAssessment(study=name, judgements=given["judgements"], overall=given["overall"])
        for name, given in (rob.get("studies") or {}).items()
        if any(s["label"] == name for s in results["studies"])
    ]
    return plot_forest(
        items,
        _pooled(f"Total ({level}% CI)", results["pooled"], interval),
        measure_label=reporting.method_label(results),
        experimental=comparison.experimental,
        control=comparison.control,
        favours=reporting.favours(
            experimental=comparison.experimental,
            control=comparison.control,
            lower_is_better=outcome.lower_is_better,
        ),
        log_scale=results["log_scale"],
        heterogeneity_text=reporting.heterogeneity_text(
            results["heterogeneity"], model=model, k=results["pooled"]["k"]
        ),
        overall_text=reporting.overall_text(results["pooled"]),
        subgroup_text=reporting.subgroup_text(results.get("subgroup_differences")),
        rob=judged or None,
        rob_tool=rob.get("tool", "rob2"),
    )


def funnel_figure(analysis) -> MplFigure | None:
    """The funnel plot with trim-and-fill studies hollow; None below three studies."""
    results = analysis.results
    small = results.get("small_study") or {}
    if small.get("k", 0) < 3:
        return None
    included = [s for s in results["studies"] if s["included"] and s.get("yi") is not None]
    trim = small.get("trim_and_fill")
    filled = None
    if trim and trim["k0"]:
        filled = (trim["filled_yi"], [math.sqrt(v) for v in trim["filled_vi"]])
    name = reporting.measure_name(results["measure"])
    return plot_funnel(
        [s["yi"] for s in included],
        [s["se"] for s in included],
        pooled=results["pooled"]["estimate"],
        log_scale=results["log_scale"],
        filled=filled,
        xlabel=f"{name} (log scale)" if results["log_scale"] else name,
    )


def robustness_figure(analysis) -> MplFigure | None:
    """The robustness panel's plot: each variant's pooled effect beside the primary one."""
    panel = analysis.results.get("robustness")
    if not panel or len(panel["rows"]) < 2:
        return None
    stored = Robustness(
        measure=panel["measure"],
        log_scale=panel["log_scale"],
        level=panel["level"],
        rows=tuple(RobustnessRow(**row) for row in panel["rows"]),
    )
    return plot_robustness(
        _most_influential(stored.plot_rows(), stored.log_scale),
        log_scale=stored.log_scale,
        measure_label=stored.measure_label,
    )


SHOWN_OMISSIONS = 5


def _most_influential(lines: list, log_scale: bool) -> list:
    """All lines but, past ten studies, only the five leave-one-out lines that move the
    estimate most (the page's table lists every one); a note says how many are not drawn."""
    omissions = [line for line in lines if line.group == LEAVE_ONE_OUT]
    if len(omissions) <= 2 * SHOWN_OMISSIONS:
        return lines
    primary = next(line for line in lines if line.is_primary)
    scale = math.log if log_scale else (lambda x: x)

    def shift(line) -> float:
        if line.estimate is None or primary.estimate is None:
            return -1.0
        return abs(scale(line.estimate) - scale(primary.estimate))

    shown = set(map(id, sorted(omissions, key=shift, reverse=True)[:SHOWN_OMISSIONS]))
    kept = [line for line in lines if line.group != LEAVE_ONE_OUT or id(line) in shown]
    last = max(i for i, line in enumerate(kept) if line.group == LEAVE_ONE_OUT)
    hidden = len(omissions) - SHOWN_OMISSIONS
    note = replace(
        kept[last],
        label=f"… {hidden} more in the table",
        k=None,
        estimate=None,
        ci_lower=None,
        ci_upper=None,
        is_primary=False,
        note=f"Drawn: the {SHOWN_OMISSIONS} that move the estimate most.",
    )
    return [*kept[: last + 1], note, *kept[last + 1 :]]


# The figures the results page opens on, then the one behind the robustness button.
MAIN_FIGURES = ("forest", "funnel")
LATER_FIGURES = ("robustness",)
DRAW = {"forest": forest_figure, "funnel": funnel_figure, "robustness": robustness_figure}


def analysis_figures(analysis, kinds=MAIN_FIGURES + LATER_FIGURES) -> dict[tuple[str, str], bytes]:
    """The figures ``kinds`` of a done analysis: {(kind, format): bytes}."""
    drawn: dict[tuple[str, str], bytes] = {}
    for kind in kinds:
        draw = DRAW[kind]
        figure = draw(analysis)
        if figure is None:
            continue
        for fmt in FORMATS:
            drawn[kind, fmt] = figure_bytes(figure, fmt)
    return drawn


def prisma_figures(flow: PrismaFlow, formats=PRISMA_FORMATS) -> dict[str, bytes]:
    """The PRISMA 2020 flow diagram in each format."""
    figure = plot_prisma(flow)
    return {fmt: figure_bytes(figure, fmt) for fmt in formats}


ROB_PLOTS = ("traffic-light", "summary")


def rob_figure(tool, plotted: list, plot: str) -> MplFigure:
    """A risk-of-bias ``plot`` ("traffic-light" or "summary") of the rows
    :func:`extraction.selectors.rob_plotted` gives, or a one-line note when there are none."""
    rows = [RobAssessment(p.study, p.judgements, p.overall, p.weight) for p in plotted]
    if not rows:
        figure = MplFigure(figsize=(4, 0.6))
        figure.text(
            0.5,
            0.5,
            f"No {tool.name} assessments to plot yet.",
            ha="center",
            va="center",
            fontsize=10,
            color="#555",
        )
        return figure
    if plot == "summary":
        return plot_summary(rows, tool=tool)
    return plot_traffic_light(rows, tool=tool)
