"""How an analysis's stored results are written for people: labels, P values, the
statistics lines under a forest plot, and the settings in plain words.

RevMan's wording is kept where people know it ("Heterogeneity: Tau² = 0.04;
Chi² = 21.30, df = 15 (P = 0.13); I² = 30%").
"""

from __future__ import annotations

from extraction.outcomes.measures import MEASURES

# RevMan's headings ("Risk Ratio"), from the registry of effect measures.
MEASURE_NAMES = {key: measure.heading for key, measure in MEASURES.items()}
POOLING_SHORT = {"inverse_variance": "IV", "mantel_haenszel": "M-H", "peto": "Peto"}
NOT_APPLICABLE = "Not applicable"

POOLING_WORDS = {
    "inverse_variance": "Inverse variance: each study weighs by how precise it is",
    "mantel_haenszel": "Mantel-Haenszel: sturdier when events are few (events per arm only)",
    "peto": "Peto odds ratio: for rare events in trials with balanced arms",
}
MODEL_WORDS = {
    "random": "Random effects: the true effect may differ from study to study (recommended)",
    "fixed": "Fixed effect: every study estimates one common true effect",
}
TAU2_WORDS = {
    "REML": "Restricted maximum likelihood (REML), the Cochrane default",
    "DL": "DerSimonian-Laird, RevMan 5's method",
    "PM": "Paule-Mandel",
}
PREDICTION_WORDS = {
    "metafor": "Normal distribution (t with k − 1 df under HKSJ), as metafor and RevMan Web "
    "compute it: the same as the confidence interval when the studies do not differ (τ² = 0)",
    "hts": "t distribution with k − 2 df (Higgins, Thompson and Spiegelhalter), the Cochrane "
    "Handbook's formula: wider when there are few studies; needs three studies",
}
PREDICTION_NAMES = {"metafor": "normal", "hts": "Higgins–Thompson–Spiegelhalter"}


def measure_name(measure: str) -> str:
    return MEASURE_NAMES.get(measure, measure)


def method_label(results: dict) -> str:
    """The forest plot's column header, e.g. "Risk Ratio\\nM-H, Random, 95% CI"."""
    pooling = POOLING_SHORT.get(results["pooling"], results["pooling"])
    model = "Random" if results["model"] == "random" else "Fixed"
    name = "Peto Odds Ratio" if results["pooling"] == "peto" else measure_name(results["measure"])
    return f"{name}\n{pooling}, {model}, {percent(results['level'])}% CI"


def percent(level: float) -> str:
    """0.95 → "95", 0.975 → "97.5"."""
    return f"{100 * level:g}"


def p_text(p: float | None) -> str:
    """P as RevMan prints it: "P < 0.00001", "P = 0.0003", "P = 0.04", "P = 0.27"."""
    if p is None:
        return "P not estimable"
    if p < 0.00001:
        return "P < 0.00001"
    for decimals, floor in ((5, 0.0001), (4, 0.001), (3, 0.01)):
        if p < floor:
            return f"P = {p:.{decimals}f}"
    return f"P = {p:.2f}"


def number(value: float | None, decimals: int = 2) -> str:
    return "—" if value is None else f"{value:.{decimals}f}"


def heterogeneity_text(heterogeneity: dict, *, model: str, k: int) -> str:
    """ "Heterogeneity: Tau² = 0.04; Chi² = 21.30, df = 15 (P = 0.13); I² = 30%"."""
    h = heterogeneity
    if k < 2 or h.get("Q") is None:
        return f"Heterogeneity: {NOT_APPLICABLE}"
    parts = []
    if model == "random" and h.get("tau2") is not None:
        parts.append(f"Tau² = {h['tau2']:.2f}; ")
    i2 = h.get("I2_reported", h.get("I2"))
    i2_text = "" if i2 is None else f"; I² = {i2:.0f}%"
    return (
        f"Heterogeneity: {''.join(parts)}Chi² = {h['Q']:.2f}, df = {h['df']} "
        f"({p_text(h['p'])}){i2_text}"
    )


def overall_text(pooled: dict) -> str:
    """ "Test for overall effect: Z = 3.10 (P = 0.002)" (t with its df under HKSJ)."""
    if pooled.get("statistic") is None:
        return f"Test for overall effect: {NOT_APPLICABLE}"
    name = "Z" if pooled.get("statistic_type", "z") == "z" else "t"
    df = f" (df = {pooled['statistic_df']})" if name == "t" and pooled.get("statistic_df") else ""
    return f"Test for overall effect: {name}{df} = {abs(pooled['statistic']):.2f} ({p_text(pooled['p'])})"


def subgroup_text(differences: dict | None) -> str:
    """ "Test for subgroup differences: Chi² = 1.20, df = 1 (P = 0.27), I² = 17%", then the
    subgroups the engine could not estimate and left out of the test, if any."""
    if not differences:
        return ""
    note = differences.get("note", "")
    if differences.get("p") is None:
        return f"Test for subgroup differences: {NOT_APPLICABLE}. {note}".strip() if note else ""
    text = (
        f"Test for subgroup differences: Chi² = {differences['Q']:.2f}, df = {differences['df']} "
        f"({p_text(differences['p'])}), I² = {differences['I2']:.0f}%"
    )
    return f"{text}. {note}" if note else text


def prediction_text(results: dict) -> str:
    """The prediction interval of a random-effects result, "0.40 to 1.20", or why there is none."""
    if results["model"] != "random":
        return ""
    interval = results.get("prediction_interval")
    if interval and interval.get("effect_lower") is not None:
        return f"{interval['effect_lower']:.2f} to {interval['effect_upper']:.2f}"
    note = results.get("prediction_note")
    if interval is None and note:
        return note[:1].upper() + note[1:]  # "Not estimable with k = 2 (needs at least 3 studies)"
    return ""


def prediction_method(interval: dict | None) -> str:
    """How the interval was computed, in words and symbols, for the page and the export:
    "t distribution, k − 2 = 14 df (Higgins–Thompson–Spiegelhalter): μ ± t(0.975, ...) × √(τ² + SE²)"."""
    if not interval:
        return ""
    kind = interval.get("kind", "metafor")
    if interval.get("distribution") == "t":
        words = f"t distribution, k − {2 if kind == 'hts' else 1} = {interval['df']} df"
    else:
        words = "normal distribution"
    words += " (Higgins–Thompson–Spiegelhalter)" if kind == "hts" else ""
    formula = interval.get("formula")
    return f"{words}: {formula}" if formula else words


def prediction_label(interval: dict | None) -> str:
    """The forest plot's line under the diamond: "Prediction interval (t, k − 2 = 14 df, HTS)"."""
    if not interval:
        return "Prediction interval"
    kind = interval.get("kind", "metafor")
    if interval.get("distribution") != "t":
        return "Prediction interval (normal)"
    df = f"k − {2 if kind == 'hts' else 1} = {interval['df']} df"
    return f"Prediction interval (t, {df}{', Higgins–Thompson–Spiegelhalter' if kind == 'hts' else ''})"


def favours(*, experimental: str, control: str, lower_is_better: bool) -> tuple[str, str]:
    """The labels under the axis, left then right of the line of no effect.

    Left of the line is a lower value (a ratio below 1); it favours the
    intervention when lower is better (pain) and the control otherwise.
    """
    left, right = f"Favours {experimental}", f"Favours {control}"
    return (left, right) if lower_is_better else (right, left)


def settings_words(settings: dict, *, subgroup_variable: str = "") -> list[tuple[str, str]]:
    """The analysis's choices as (question, answer) pairs a clinician can read."""
    words = [
        ("Effect measure", measure_name(settings["measure"])),
        ("How studies are combined", POOLING_WORDS[settings["pooling"]]),
        ("Model", MODEL_WORDS[settings["model"]]),
    ]
    if settings["model"] == "random":
        words.append(("Between-study variance (τ²)", TAU2_WORDS[settings["tau2_estimator"]]))
        words.append(
            (
                "Confidence interval",
                "Widened for the uncertainty in τ² (Hartung-Knapp-Sidik-Jonkman)"
                if settings["hksj"]
                else "Normal approximation (Wald)",
            )
        )
        words.append(("Prediction interval", _prediction_words(settings)))
    words.append(("Confidence level", f"{percent(settings['ci_level'])}%"))
    words.append(
        ("I² (inconsistency)", "From Q, as RevMan 5" if settings.get("i2") == "Q" else "From τ²")
    )
    if subgroup_variable:
        words.append(
            (
                f"Subgroups by {subgroup_variable}",
                "Pooled within each subgroup, with a test for differences"
                if settings.get("subgroups", True)
                else "Not analysed",
            )
        )
    words.append(("Excluded studies", _excluded_words(settings.get("excluded", []))))
    return words


def _prediction_words(settings: dict) -> str:
    if not settings.get("prediction_interval"):
        return "Not shown"
    kind = PREDICTION_WORDS[settings.get("prediction_interval_kind", "metafor")]
    return f"Shown: where the effect of a new, similar study would be expected to lie. {kind}"


def _excluded_words(excluded: list[dict]) -> str:
    if not excluded:
        return "None"
    return "; ".join(f"{item['study']} ({item['reason']})" for item in excluded)


def result_line(analysis) -> str:
    """One line for people: “Pain: MD -1.20 [95% CI -2.00, -0.40], z = -2.95, P = 0.003, I² = 12%, k = 3”.

    ``analysis`` is an :class:`~synthesis.models.Analysis` (name, status, results, error).
    """
    if analysis.status == "failed":
        return f"{analysis.name}: failed: {analysis.error}"
    results = analysis.results
    if analysis.status != "done" or not results:
        return f"{analysis.name}: {analysis.status}"
    p, h = results["pooled"], results["heterogeneity"]
    i2 = h.get("I2_reported")
    i2_text = "n/a" if i2 is None else f"{i2:.0f}%"
    level = percent(results["level"])
    return (
        f"{analysis.name}: {results['measure']} {number(p['effect'])} "
        f"[{level}% CI {number(p['effect_ci_lower'])}, {number(p['effect_ci_upper'])}], "
        f"{p['statistic_type']} = {p['statistic']:.2f}, {p_text(p['p'])}, "
        f"I² = {i2_text}, k = {p['k']}"
    )
