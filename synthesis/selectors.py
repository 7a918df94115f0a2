"""Reads for the analysis pages: the review's analyses and one analysis's results as text."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from extraction.models import DataType
from reviews.models import Review

from . import reporting
from .figures import ARM_KEYS, value_text
from .models import Analysis, Figure


def analyses(review: Review) -> QuerySet[Analysis]:
    return Analysis.objects.filter(review=review).select_related("outcome__comparison")


def figure_kinds(analysis: Analysis) -> set[str]:
    """The kinds of figure drawn for the analysis's current results."""
    return set(
        Figure.objects.filter(analysis=analysis, input_hash=analysis.input_hash).values_list(
            "kind", flat=True
        )
    )


@dataclass(frozen=True)
class StudyLine:
    label: str
    subgroup: str
    data: tuple[str, ...]
    effect: str
    weight: str
    included: bool


@dataclass(frozen=True)
class ResultsPage:
    """An analysis's results, formatted for its page."""

    measure: str
    method: str
    level: str
    arm_headers: tuple[str, ...]
    studies: list[StudyLine]
    pooled: str
    overall: str
    heterogeneity: str
    tau2_interval: str
    prediction: str
    subgroups: list[tuple[str, str, str]]
    subgroup_test: str
    leave_one_out: list[tuple[str, str, str, str]]
    small_study: dict
    excluded: list[dict]
    robustness: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    prediction_method: str = ""
    left_out: list[dict] = field(default_factory=list)


def _interval(effect, lower, upper) -> str:
    if effect is None:
        return "Not estimable"
    return f"{effect:.2f} [{lower:.2f}, {upper:.2f}]"


ARM_HEADERS = {
    DataType.DICHOTOMOUS: ("Events", "Total"),
    DataType.CONTINUOUS: ("Mean", "SD", "Total"),
    DataType.GENERIC: (),
}
DATA_KEYS = ARM_KEYS | {DataType.GENERIC: ("estimate", "se")}


def results_page(analysis: Analysis) -> ResultsPage | None:
    """The done analysis's results as text for its page (None before a run finishes)."""
    r = analysis.results
    if analysis.status != Analysis.Status.DONE or not r:
        return None
    data_type = DataType(analysis.outcome.data_type)
    keys = DATA_KEYS[data_type]
    studies = [
        StudyLine(
            label=s["label"],
            subgroup=s.get("subgroup") or "",
            data=tuple(value_text(s["data"][k]) for k in keys),
            effect=_interval(s.get("effect"), s.get("effect_ci_lower"), s.get("effect_ci_upper")),
            weight="—" if s.get("weight_percent") is None else f"{s['weight_percent']:.1f}%",
            included=s["included"],
        )
        for s in r["studies"]
    ]
    p, h = r["pooled"], r["heterogeneity"]
    k = p["k"]
    prediction = reporting.prediction_text(r)
    interval = r.get("prediction_interval") if r["model"] == "random" else None
    tau2_interval = ""
    if r["model"] == "random" and h.get("tau2_ci_lower") is not None:
        tau2_interval = f"{h['tau2_ci_lower']:.3f} to {h['tau2_ci_upper']:.3f}"
    subgroups = [
        (
            block["name"],
            _interval(
                block["pooled"]["effect"],
                block["pooled"]["effect_ci_lower"],
                block["pooled"]["effect_ci_upper"],
            ),
            reporting.heterogeneity_text(block["heterogeneity"], model=r["model"], k=block["k"]),
        )
        for block in r.get("subgroups") or []
    ]
    leave_one_out = [
        (
            row["omitted"],
            _interval(row["effect"], row["effect_ci_lower"], row["effect_ci_upper"]),
            reporting.p_text(row["p"]),
            "—" if row["I2"] is None else f"{row['I2']:.0f}%",
        )
        for row in r.get("leave_one_out") or []
    ]
    notes = []
    if any(not s.included for s in studies):
        notes.append(
            "Studies marked “not estimable” have no events in either arm and carry no "
            "information on a ratio; they are listed but not pooled."
        )
    return ResultsPage(
        measure=reporting.measure_name(r["measure"]),
        method=reporting.method_label(r).replace("\n", " · "),
        level=reporting.percent(r["level"]),
        arm_headers=ARM_HEADERS[data_type],
        studies=studies,
        pooled=_interval(p["effect"], p["effect_ci_lower"], p["effect_ci_upper"]),
        overall=reporting.overall_text(p),
        heterogeneity=reporting.heterogeneity_text(h, model=r["model"], k=k),
        tau2_interval=tau2_interval,
        prediction=prediction,
        prediction_method=reporting.prediction_method(interval),
        left_out=r.get("left_out") or [],
        subgroups=subgroups,
        subgroup_test=reporting.subgroup_text(r.get("subgroup_differences")),
        leave_one_out=leave_one_out,
        small_study=_small_study(r.get("small_study") or {}, r),
        excluded=r.get("excluded") or [],
        robustness=_robustness(r.get("robustness")),
        notes=notes,
    )


@dataclass(frozen=True)
class RobustnessLine:
    label: str
    k: str
    effect: str
    p: str
    i2: str
    note: str
    is_primary: bool


def _robustness(panel: dict | None) -> list[tuple[str, list[RobustnessLine]]]:
    """The panel's rows by group, as text; the effect is in each row's own measure."""
    groups: dict[str, list[RobustnessLine]] = {}
    for row in (panel or {}).get("rows", []):
        effect = _interval(row["estimate"], row["ci_lower"], row["ci_upper"])
        if row["estimate"] is not None and row["measure"] != panel["measure"]:
            effect = f"{row['measure']} {effect}"
        groups.setdefault(row["group"], []).append(
            RobustnessLine(
                label=row["label"],
                k="—" if row["k"] is None else str(row["k"]),
                effect=effect if row["estimate"] is not None else "—",
                p="—"
                if row["p"] is None
                else reporting.p_text(row["p"]).removeprefix("P = ").removeprefix("P "),
                i2="—" if row["i2"] is None else f"{row['i2']:.0f}%",
                note=row["note"],
                is_primary=row["is_primary"],
            )
        )
    return list(groups.items())


def _small_study(block: dict, results: dict) -> dict:
    words = {"note": block.get("note", "")}
    if egger := block.get("egger"):
        words["egger"] = (
            f"Egger's regression test: t = {egger['statistic']:.2f}, df = {egger['df']}, "
            f"{reporting.p_text(egger['p'])}"
        )
    if begg := block.get("begg"):
        words["begg"] = (
            f"Begg's rank correlation: Kendall's τ = {begg['kendall_tau']:.2f}, "
            f"{reporting.p_text(begg['p'])}"
        )
    if trim := block.get("trim_and_fill"):
        pooled = trim["pooled"]
        words["trim"] = (
            f"Trim-and-fill ({trim['estimator']}, {trim['side']} side): {trim['k0']} "
            f"stud{'y' if trim['k0'] == 1 else 'ies'} filled; adjusted "
            f"{reporting.measure_name(results['measure']).lower()} "
            f"{_interval(pooled['effect'], pooled['effect_ci_lower'], pooled['effect_ci_upper'])}"
        )
    return words


def analysis_status_counts(review: Review) -> dict[str, int]:
    """The review's analyses by status (``{"done": 4, "failed": 1}``), statuses with none left out."""
    rows = Analysis.objects.filter(review=review).values_list("status").annotate(n=Count("pk"))
    return dict(rows.order_by())
