"""The ``analysis/`` part: each analysis's settings and stored results as JSON and CSV.

This is the one module that reads the shape of ``Analysis.results`` (the JSON
``synthesis.computation.compute`` stores); when that shape changes, only this
module and the reproduction scripts' readers of ``analysis/*.csv`` change.

Files, named by the analysis's id (never by its name):

- ``analysis/analyses.csv``: one row per analysis, its settings flattened (the
  reproduction scripts read these);
- ``analysis/pooled.csv``: every stored pooled result, one row per analysis and
  scope (``overall``, each ``subgroup``, each ``leave-one-out``): estimate, CI,
  test, heterogeneity, τ² and its interval, prediction interval, subgroup test;
- ``analysis/analysis-<id>/``: ``settings.json``, ``results.json`` (as stored),
  ``studies.csv`` (effects and weights), ``subgroups.csv``,
  ``leave_one_out.csv``, ``small_study.csv`` and ``robustness.csv``.
"""

from __future__ import annotations

import json

from extraction.models import Study
from synthesis.models import Analysis
from synthesis.services import analysis_is_stale

from .tables import number

ANALYSES_HEADER = (
    "analysis_id", "name", "outcome_id", "outcome", "data_type", "status", "up_to_date",
    "measure", "pooling", "model", "tau2_estimator", "hksj", "ci_level", "i2",
    "prediction_interval", "zero_cell_correction", "exclude_double_zero",
    "revman5_zero_cells", "subgroups", "excluded_study_ids", "excluded_studies",
)  # fmt: skip
POOLED_FIELDS = (
    "k", "estimate", "se", "ci_lower", "ci_upper", "statistic", "statistic_type",
    "statistic_df", "p", "effect", "effect_ci_lower", "effect_ci_upper",
)  # fmt: skip
HETEROGENEITY_FIELDS = (
    "Q", "df", "p", "I2", "I2_from_Q", "I2_reported", "H2", "tau2", "tau2_ci_lower",
    "tau2_ci_upper",
)  # fmt: skip
PREDICTION_FIELDS = ("lower", "upper", "effect_lower", "effect_upper", "distribution", "df")
POOLED_HEADER = (
    "analysis_id", "scope", "subgroup", "omitted_study_id", *POOLED_FIELDS,
    *("Q", "Q_df", "Q_p", "I2", "I2_from_Q", "I2_reported", "H2", "tau2"),
    *("tau2_ci_lower", "tau2_ci_upper"),
    *(f"pi_{name}" for name in PREDICTION_FIELDS),
    "subgroup_Q", "subgroup_df", "subgroup_p", "subgroup_I2",
)  # fmt: skip
STUDIES_HEADER = (
    "study_id", "study", "subgroup", "included", "yi", "vi", "se", "ci_lower", "ci_upper",
    "effect", "effect_ci_lower", "effect_ci_upper", "weight_percent",
)  # fmt: skip


def review_analyses(review) -> list[Analysis]:
    return list(
        Analysis.objects.filter(review=review).select_related("outcome__comparison").order_by("pk")
    )


def study_ids(review) -> dict[str, int]:
    """Study name → id: stored results name studies; the files carry ids as well."""
    return dict(Study.objects.filter(review=review).values_list("name", "pk"))


def _yes(value) -> str:
    return "yes" if value else "no"


def analyses_rows(analyses: list[Analysis], ids: dict[str, int]):
    for a in analyses:
        s, outcome = a.settings, a.outcome
        excluded = [item["study"] for item in s.get("excluded", [])]
        subgroups = bool(s.get("subgroups", True) and outcome.subgroup_variable)
        yield (
            a.pk, a.name, outcome.pk, outcome.name, outcome.data_type, a.status,
            _yes(a.status == Analysis.Status.DONE and not analysis_is_stale(a)),
            s["measure"], s["pooling"], s["model"], s["tau2_estimator"], _yes(s["hksj"]),
            s["ci_level"], s["i2"], _yes(s.get("prediction_interval")),
            s.get("zero_cell_correction", 0.5), _yes(s.get("exclude_double_zero", True)),
            _yes(s.get("revman5_zero_cells")), _yes(subgroups),
            ";".join(str(ids[name]) for name in excluded if name in ids), "; ".join(excluded),
        )  # fmt: skip


def _block(block: dict | None, names) -> list:
    block = block or {}
    return [number(block.get(name)) for name in names]


def _pooled_row(analysis_id, scope, subgroup, omitted, pooled, heterogeneity, interval, test):
    return (
        analysis_id, scope, subgroup, omitted, *_block(pooled, POOLED_FIELDS),
        *_block(heterogeneity, HETEROGENEITY_FIELDS),
        *_block(interval, PREDICTION_FIELDS),
        *_block(test, ("Q", "df", "p", "I2")),
    )  # fmt: skip


def pooled_rows(analyses: list[Analysis], ids: dict[str, int]):
    """Every pooled result stored, overall, per subgroup and leaving each study out."""
    for a in analyses:
        r = a.results
        if a.status != Analysis.Status.DONE or not r:
            continue
        interval = r.get("prediction_interval") if r["model"] == "random" else None
        differences = r.get("subgroup_differences")
        yield _pooled_row(
            a.pk, "overall", "", "", r["pooled"], r["heterogeneity"], interval, differences
        )
        for block in r.get("subgroups") or []:
            yield _pooled_row(
                a.pk, "subgroup", block["name"], "", block["pooled"], block["heterogeneity"],
                None, None,
            )  # fmt: skip
        for row in r.get("leave_one_out") or []:
            pooled = {name: row.get(name) for name in POOLED_FIELDS}
            heterogeneity = {"I2": row.get("I2"), "tau2": row.get("tau2")}
            omitted = ids.get(row["omitted"], "")
            yield _pooled_row(a.pk, "leave-one-out", "", omitted, pooled, heterogeneity, None, None)


def study_rows(analysis: Analysis, ids: dict[str, int]):
    for s in (analysis.results or {}).get("studies", []):
        yield (
            ids.get(s["label"], ""), s["label"], s.get("subgroup") or "", _yes(s["included"]),
            *(number(s.get(n)) for n in STUDIES_HEADER[4:]),
        )  # fmt: skip


def subgroup_rows(analysis: Analysis):
    header = ("subgroup", "k", *POOLED_FIELDS[1:], *HETEROGENEITY_FIELDS)
    rows = [
        (
            b["name"],
            b["k"],
            *_block(b["pooled"], POOLED_FIELDS[1:]),
            *_block(b["heterogeneity"], HETEROGENEITY_FIELDS),
        )  # fmt: skip
        for b in (analysis.results or {}).get("subgroups") or []
    ]
    return header, rows


def leave_one_out_rows(analysis: Analysis, ids: dict[str, int]):
    names = ("k", "effect", "effect_ci_lower", "effect_ci_upper", "p", "I2", "tau2")
    header = ("omitted_study_id", "omitted_study", *names)
    rows = [
        (ids.get(row["omitted"], ""), row["omitted"], *_block(row, names))
        for row in (analysis.results or {}).get("leave_one_out") or []
    ]
    return header, rows


def small_study_rows(analysis: Analysis):
    """Egger's and Begg's tests and trim-and-fill, one row per test."""
    block = (analysis.results or {}).get("small_study") or {}
    header = ("test", "statistic", "df", "p", "k0", "adjusted_effect", "adjusted_ci_lower",
              "adjusted_ci_upper", "note")  # fmt: skip
    rows = []
    if egger := block.get("egger"):
        rows.append(("Egger regression", egger["statistic"], egger["df"], egger["p"],
                     "", "", "", "", block.get("note", "")))  # fmt: skip
    if begg := block.get("begg"):
        rows.append(("Begg rank correlation (Kendall's tau)", begg["kendall_tau"], "",
                     begg["p"], "", "", "", "", ""))  # fmt: skip
    if trim := block.get("trim_and_fill"):
        p = trim["pooled"]
        rows.append((f"Trim-and-fill ({trim['estimator']}, {trim['side']} side)", "", "", "",
                     trim["k0"], p["effect"], p["effect_ci_lower"], p["effect_ci_upper"], ""))  # fmt: skip
    if not rows and block.get("note"):
        rows.append(("none", "", "", "", "", "", "", "", block["note"]))
    return header, rows


def robustness_rows(analysis: Analysis):
    header = ("group", "variant", "measure", "k", "estimate", "ci_lower", "ci_upper", "p",
              "I2", "tau2", "primary", "note")  # fmt: skip
    panel = (analysis.results or {}).get("robustness") or {}
    rows = [
        (
            row["group"],
            row["label"],
            row["measure"],
            number(row["k"]),
            number(row["estimate"]),
            number(row["ci_lower"]),
            number(row["ci_upper"]),
            number(row["p"]),
            number(row["i2"]),
            number(row["tau2"]),
            _yes(row["is_primary"]),
            row["note"],
        )  # fmt: skip
        for row in panel.get("rows", [])
    ]
    return header, rows


def settings_json(analysis: Analysis, up_to_date: bool) -> str:
    outcome = analysis.outcome
    document = {
        "analysis_id": analysis.pk,
        "name": analysis.name,
        "status": analysis.status,
        "up_to_date": up_to_date,
        "error": analysis.error,
        "outcome": {
            "outcome_id": outcome.pk,
            "name": outcome.name,
            "comparison": outcome.comparison.name,
            "experimental_arm": outcome.comparison.experimental,
            "control_arm": outcome.comparison.control,
            "data_type": outcome.data_type,
            "measure": outcome.measure,
            "subgroup_variable": outcome.subgroup_variable,
        },
        "settings": analysis.settings,
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def results_json(analysis: Analysis) -> str:
    return json.dumps(analysis.results, indent=2, ensure_ascii=False)
