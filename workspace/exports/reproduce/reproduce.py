#!/usr/bin/env python3
"""Recompute every stored meta-analysis of this bundle, without Prismatic.

    python reproduce/reproduce.py [BUNDLE_DIR]

Reads the outcome data (``data/outcome_data.csv``) and each analysis's
settings and stored results (``analysis/analyses.csv``, ``analysis/pooled.csv``),
recomputes every pooled estimate, confidence interval, test, heterogeneity
statistic, τ² (with its Q-profile interval) and prediction interval, overall,
per subgroup (with the test for subgroup differences) and leaving each study
out, and prints one line per analysis. Exits 1 when any number differs from
the stored one beyond the tolerances of Prismatic's conformance suite
(relative 1e-6 for closed forms, 1e-5 for iterative τ² estimators, 1e-4 for
the Q-profile limits), 0 otherwise.

Needs Python 3.10+, numpy and scipy; statsmodels, when installed, computes the
methods it covers (inverse-variance fixed effect, DerSimonian-Laird and
Paule-Mandel random effects, Hartung-Knapp-Sidik-Jonkman).

Methods (as in R's metafor): effect sizes MD, SMD (Hedges' g, exact
correction, large-sample variance), log RR, log OR, RD, Peto log OR, generic
estimate and SE; 0.5 (or the analysis's value) added to every cell of a study
with a zero cell, double-zero studies left out of ratios unless the analysis
keeps them; inverse-variance fixed and random effects (DL, REML, PM; Wald or
HKSJ), Mantel-Haenszel fixed effect (raw counts, or RevMan 5's corrected
table) and RevMan's random effects after Mantel-Haenszel, Peto.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np
from scipy import optimize, special, stats

try:
    from statsmodels.stats.meta_analysis import combine_effects
except ImportError:  # numpy and scipy do it all
    combine_effects = None

CLOSED, ITERATIVE, PROFILE = (1e-6, 1e-10), (1e-5, 1e-8), (1e-4, 1e-8)
FIELDS = {
    "continuous": ("n_exp", "mean_exp", "sd_exp", "n_ctrl", "mean_ctrl", "sd_ctrl"),
    "dichotomous": ("events_exp", "total_exp", "events_ctrl", "total_ctrl"),
    "generic": ("estimate", "se"),
}
RATIOS = {"RR", "OR", "PETO_OR", "HR"}
COMPARED = (
    "k", "estimate", "se", "ci_lower", "ci_upper", "statistic", "p", "effect",
    "effect_ci_lower", "effect_ci_upper", "Q", "Q_df", "Q_p", "I2", "I2_from_Q", "H2",
    "tau2", "tau2_ci_lower", "tau2_ci_upper", "pi_lower", "pi_upper", "pi_effect_lower",
    "pi_effect_upper",
    "subgroup_Q", "subgroup_df", "subgroup_p", "subgroup_I2",
)  # fmt: skip


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def num(text: str):
    return None if text in ("", None) else float(text)


# --- effect sizes (metafor's escalc) -------------------------------------------------------


def smd(m1, s1, n1, m2, s2, n2):
    """Hedges' g with the exact correction and var = 1/n1 + 1/n2 + g²/(2N) (metafor)."""
    big = n1 + n2
    d = (m1 - m2) / np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (big - 2))
    m = big - 2
    j = np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))
    g = j * d
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * big)


def double_zero(a, n1, c, n2):
    return ((a == 0) & (c == 0)) | ((a == n1) & (c == n2))


def corrected(a, n1, c, n2, value):
    add = np.where((a == 0) | (c == 0) | (a == n1) | (c == n2), value, 0.0)
    return a + add, n1 + 2 * add, c + add, n2 + 2 * add


def binary(measure, a, n1, c, n2, value, drop):
    dz = double_zero(a, n1, c, n2)
    a, n1, c, n2 = corrected(a, n1, c, n2, value)
    b, d = n1 - a, n2 - c
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            yi, vi = np.log((a / n1) / (c / n2)), 1 / a - 1 / n1 + 1 / c - 1 / n2
        elif measure == "OR":
            yi, vi = np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d
        else:
            p1, p2 = a / n1, c / n2
            yi, vi = p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    keep = np.isfinite(yi) & np.isfinite(vi) & (vi > 0)
    return yi[keep & ~dz] if drop else yi[keep], vi[keep & ~dz] if drop else vi[keep]


def columns(rows, names):
    return [np.array([float(r[n]) for r in rows]) for n in names]


def study_effects(rows, a: dict):
    """yi and vi of the usable studies on the analysis scale (log for ratios)."""
    kind, measure = a["data_type"], a["measure"]
    if kind == "continuous":
        n1, m1, s1, n2, m2, s2 = columns(rows, FIELDS[kind])
        if measure == "SMD":
            return smd(m1, s1, n1, m2, s2, n2)
        return m1 - m2, s1**2 / n1 + s2**2 / n2
    if kind == "generic":
        est, se = columns(rows, FIELDS[kind])
        keep = np.isfinite(est) & np.isfinite(se) & (se > 0)
        return est[keep], se[keep] ** 2
    e1, n1, e2, n2 = columns(rows, FIELDS[kind])
    if a["pooling"] == "peto":
        big, events = n1 + n2, e1 + e2
        o_e = e1 - n1 * events / big
        v = n1 * n2 * events * (big - events) / (big**2 * (big - 1))
        return o_e[v > 0] / v[v > 0], 1 / v[v > 0]
    drop = a["exclude_double_zero"] == "yes" and measure != "RD"
    return binary(measure, e1, n1, e2, n2, float(a["zero_cell_correction"]), drop)


# --- τ² and pooling (metafor's rma.uni, rma.mh, rma.peto) ----------------------------------


def generalised_q(yi, vi, tau2):
    w = 1 / (vi + tau2)
    return float(np.sum(w * (yi - np.sum(w * yi) / w.sum()) ** 2))


def _root(fun, start):
    upper = max(1.0, 10 * float(np.var(start)))
    while fun(upper) > 0:
        upper *= 10
    return optimize.brentq(fun, 0.0, upper, xtol=1e-15, rtol=4 * np.finfo(float).eps)


def tau2_dl(yi, vi):
    w = 1 / vi
    q = generalised_q(yi, vi, 0.0)
    return max(0.0, (q - (len(yi) - 1)) / (w.sum() - np.sum(w**2) / w.sum()))


def tau2_pm(yi, vi):
    target = len(yi) - 1
    if generalised_q(yi, vi, 0.0) <= target:
        return 0.0
    return _root(lambda t: generalised_q(yi, vi, t) - target, yi)


def tau2_reml(yi, vi):
    """The root of the REML estimating equation y'PPy = tr(P) (Viechtbauer 2005)."""

    def score(t):
        w = 1 / (vi + t)
        py = w * (yi - np.sum(w * yi) / w.sum())
        return float(py @ py - (w.sum() - np.sum(w**2) / w.sum()))

    return 0.0 if score(0.0) <= 0 else _root(score, yi)


def q_profile(yi, vi, level):
    """Q-profile interval for τ² (Viechtbauer 2007)."""
    df, alpha = len(yi) - 1, 1 - level
    limits = []
    for quantile in (stats.chi2.ppf(1 - alpha / 2, df), stats.chi2.ppf(alpha / 2, df)):
        fun = lambda t, q=quantile: generalised_q(yi, vi, t) - q  # noqa: E731
        limits.append(0.0 if fun(0.0) <= 0 else _root(fun, yi))
    return limits


def q_block(q, df):
    if df < 1:
        return {"Q": q, "Q_df": df, "Q_p": None, "I2_from_Q": None, "H2_from_Q": None}
    return {
        "Q": q,
        "Q_df": df,
        "Q_p": float(stats.chi2.sf(q, df)),
        "I2_from_Q": max(0.0, (q - df) / q) * 100 if q > 0 else 0.0,
        "H2_from_Q": q / df,
    }


def test_block(estimate, se, level, df=None):
    crit = stats.norm.ppf(0.5 + level / 2) if df is None else stats.t.ppf(0.5 + level / 2, df)
    z = estimate / se
    p = 2 * (stats.norm.sf(abs(z)) if df is None else stats.t.sf(abs(z), df))
    return {
        "estimate": estimate,
        "se": se,
        "ci_lower": estimate - crit * se,
        "ci_upper": estimate + crit * se,
        "statistic": z,
        "p": p,
        "df_t": df,
    }


def random_block(yi, vi, q, tau2, weights_estimate, se, level, df_t, interval=True):
    k = len(yi)
    w = 1 / vi
    out = {"tau2": tau2, **q_block(q, k - 1), **test_block(weights_estimate, se, level, df_t)}
    if k > 1:
        s2 = (k - 1) * w.sum() / (w.sum() ** 2 - np.sum(w**2))
        out["I2"], out["H2"] = 100 * tau2 / (tau2 + s2), (tau2 + s2) / s2
        if interval:
            out["tau2_ci_lower"], out["tau2_ci_upper"] = q_profile(yi, vi, level)
    crit = stats.norm.ppf(0.5 + level / 2) if df_t is None else stats.t.ppf(0.5 + level / 2, df_t)
    spread = math.sqrt(tau2 + se**2)
    out["pi_lower"], out["pi_upper"] = (
        weights_estimate - crit * spread,
        weights_estimate + crit * spread,
    )
    return out


def with_statsmodels(yi, vi, tau2_method):
    """Fixed and random-effects estimates from statsmodels, or None where it does not apply."""
    if combine_effects is None or tau2_method not in ("DL", "PM", None) or len(yi) < 2:
        return None
    fit = combine_effects(yi, vi, method_re="chi2" if tau2_method != "PM" else "iterated")
    if tau2_method is not None and not fit.tau2 > 0:
        return None  # statsmodels does not truncate τ² at 0; the formulas below do
    return fit


def inverse_variance(yi, vi, a, level):
    k, w = len(yi), 1 / vi
    fit = with_statsmodels(yi, vi, a["tau2_estimator"] if a["model"] == "random" else None)
    fixed = float(np.sum(w * yi) / w.sum()) if fit is None else float(fit.mean_effect_fe)
    q = float(np.sum(w * (yi - fixed) ** 2))
    if a["model"] == "fixed":
        se = math.sqrt(1 / w.sum()) if fit is None else float(fit.sd_eff_w_fe)
        block = {**q_block(q, k - 1), **test_block(fixed, se, level)}
        return block | {"I2": block["I2_from_Q"], "H2": block["H2_from_Q"]}
    if fit is not None:
        tau2, estimate = float(fit.tau2), float(fit.mean_effect_re)
    else:
        tau2 = {"DL": tau2_dl, "REML": tau2_reml, "PM": tau2_pm}[a["tau2_estimator"]](yi, vi)
        tau2 = tau2 if k > 1 else 0.0
        wr = 1 / (vi + tau2)
        estimate = float(np.sum(wr * yi) / wr.sum())
    wr = 1 / (vi + tau2)
    se, df_t = math.sqrt(1 / wr.sum()), None
    if a["hksj"] == "yes" and k > 1:
        se = math.sqrt(np.sum(wr * (yi - estimate) ** 2) / ((k - 1) * wr.sum()))
        if fit is not None:
            se = float(fit.sd_eff_w_re_hksj)
        df_t = k - 1
    return random_block(yi, vi, q, tau2, estimate, se, level, df_t)


def mantel_haenszel(rows, a, level):
    e1, n1, e2, n2 = columns(rows, FIELDS["dichotomous"])
    measure, value = a["measure"], float(a["zero_cell_correction"])
    keep = ~double_zero(e1, n1, e2, n2) if measure != "RD" else np.ones(len(e1), bool)
    if a["revman5_zero_cells"] == "yes":
        e1, n1, e2, n2 = corrected(e1, n1, e2, n2, value)
        yi, vi = binary(measure, *(x[keep] for x in (e1, n1, e2, n2)), 0.0, False)
    else:
        yi, vi = binary(measure, e1, n1, e2, n2, value, measure != "RD")
    estimate, se = mh_estimate(measure, *(x[keep] for x in (e1, n1, e2, n2)))
    q = float(np.sum((yi - estimate) ** 2 / vi))
    if a["model"] == "fixed":
        block = {**q_block(q, len(yi) - 1), **test_block(estimate, se, level)}
        return block | {"I2": block["I2_from_Q"], "H2": block["H2_from_Q"], "k": int(keep.sum())}
    w = 1 / vi
    tau2 = max(0.0, (q - (len(yi) - 1)) / (w.sum() - np.sum(w**2) / w.sum()))
    wr = 1 / (vi + tau2)
    random_estimate = float(np.sum(wr * yi) / wr.sum())
    out = random_block(
        yi, vi, q, tau2, random_estimate, math.sqrt(1 / wr.sum()), level, None, False
    )
    return out | {"k": len(yi)}


def mh_estimate(measure, a, n1, c, n2):
    """Mantel-Haenszel estimate and se: Robins-Breslow-Greenland (OR), Greenland-Robins (RR),
    Sato-Greenland-Robins (RD), as metafor's rma.mh."""
    b, d, big = n1 - a, n2 - c, n1 + n2
    if measure == "OR":
        r, s = a * d / big, b * c / big
        p, q = (a + d) / big, (b + c) / big
        var = (
            np.sum(p * r) / (2 * r.sum() ** 2)
            + np.sum(p * s + q * r) / (2 * r.sum() * s.sum())
            + np.sum(q * s) / (2 * s.sum() ** 2)
        )
        return math.log(r.sum() / s.sum()), math.sqrt(var)
    if measure == "RR":
        r, s = a * n2 / big, c * n1 / big
        var = np.sum((n1 * n2 * (a + c) - a * c * big) / big**2) / (r.sum() * s.sum())
        return math.log(r.sum() / s.sum()), math.sqrt(var)
    w = n1 * n2 / big
    rd = np.sum(a * n2 / big - c * n1 / big) / w.sum()
    p = (a * n2**2 - c * n1**2 + n1 * n2 * (n1 - n2) / 2) / big**2
    q = (a * (n2 - c) + c * (n1 - a)) / (2 * big)
    return float(rd), math.sqrt((q.sum() - rd * p.sum()) / w.sum() ** 2)


def analyse(rows, a) -> dict:
    level = float(a["ci_level"])
    if a["pooling"] == "mantel_haenszel":
        out = mantel_haenszel(rows, a, level)
    else:
        yi, vi = study_effects(rows, a)
        out = inverse_variance(yi, vi, a, level) | {"k": len(yi)}
    log = a["measure"] in RATIOS or a["pooling"] == "peto"
    back = math.exp if log else (lambda x: x)
    for name, source in (
        ("effect", "estimate"),
        ("effect_ci_lower", "ci_lower"),
        ("effect_ci_upper", "ci_upper"),
    ):
        out[name] = back(out[source])
    if a["model"] == "fixed" or a["prediction_interval"] != "yes":
        out.pop("pi_lower", None), out.pop("pi_upper", None)
    else:
        out["pi_effect_lower"], out["pi_effect_upper"] = (
            back(out["pi_lower"]),
            back(out["pi_upper"]),
        )
    return out


# --- the analysis, its subgroups and leave-one-out ------------------------------------------


def usable(data: list[dict], a: dict) -> list[dict]:
    excluded = set(filter(None, a["excluded_study_ids"].split(";")))
    names = FIELDS[a["data_type"]]
    return [
        r for r in data
        if r["outcome_id"] == a["outcome_id"] and r["study_id"] not in excluded
        and all(r[n] != "" for n in names)
    ]  # fmt: skip


def recompute(rows: list[dict], a: dict) -> list[tuple[str, str, dict]]:
    """(scope, subgroup, numbers) for every result the analysis stores."""
    overall = analyse(rows, a)
    results = []
    groups = list(dict.fromkeys(r["subgroup"] or "Not given" for r in rows))
    if a["subgroups"] == "yes" and len(groups) > 1:
        fits = []
        for name in groups:
            fit = analyse([r for r in rows if (r["subgroup"] or "Not given") == name], a)
            fits.append(fit)
            results.append(
                ("subgroup", name, {k: v for k, v in fit.items() if not k.startswith("pi_")})
            )
        theta = np.array([f["estimate"] for f in fits])
        w = 1 / np.array([f["se"] for f in fits]) ** 2
        q = float(np.sum(w * (theta - np.sum(w * theta) / w.sum()) ** 2))
        df = len(fits) - 1
        overall |= {"subgroup_Q": q, "subgroup_df": df, "subgroup_p": float(stats.chi2.sf(q, df))}
        overall["subgroup_I2"] = max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    results.insert(0, ("overall", "", overall))
    if len(rows) > 1:
        for i in range(len(rows)):
            fit = analyse(rows[:i] + rows[i + 1 :], a)
            keep = ("k", "effect", "effect_ci_lower", "effect_ci_upper", "p", "I2", "tau2")
            results.append(("leave-one-out", "", {k: fit.get(k) for k in keep}))
    return results


def tolerance(a: dict, field: str):
    if field.startswith("tau2_ci"):
        return PROFILE
    iterative = a["model"] == "random" and a["tau2_estimator"] in ("REML", "PM")
    return ITERATIVE if iterative and a["pooling"] == "inverse_variance" else CLOSED


def differences(stored: dict, computed: dict, a: dict) -> list[str]:
    found = []
    for field in COMPARED:
        expected = num(stored.get(field, ""))
        if expected is None:
            continue
        actual = computed.get(field)
        rel, tol_abs = tolerance(a, field)
        if (
            actual is None
            or not math.isfinite(actual)
            or abs(actual - expected) > tol_abs + rel * abs(expected)
        ):
            found.append(f"{field} stored {expected:.10g}, recomputed {actual}")
    return found


def check(a: dict, data: list[dict], pooled: list[dict]) -> tuple[bool, str]:
    stored = [row for row in pooled if row["analysis_id"] == a["analysis_id"]]
    rows = usable(data, a)
    computed = recompute(rows, a)
    if len(stored) != len(computed):
        return False, f"{len(stored)} stored results, {len(computed)} recomputed"
    problems = []
    for row, (scope, subgroup, numbers) in zip(stored, computed, strict=True):
        where = scope + (f" {subgroup}" if subgroup else "")
        if (row["scope"], row["subgroup"]) != (scope, subgroup):
            problems.append(f"{where}: stored as {row['scope']} {row['subgroup']}")
            continue
        problems += [f"{where}: {p}" for p in differences(row, numbers, a)]
    main = computed[0][2]
    summary = (
        f"{a['measure']} {main['effect']:.4g} [{main['effect_ci_lower']:.4g}, "
        f"{main['effect_ci_upper']:.4g}], tau2 = {main.get('tau2', 0.0):.4g}, k = {main['k']}"
    )
    if problems:
        stale = (
            ""
            if a["up_to_date"] == "yes"
            else " (the analysis is out of date: its data or settings changed since it ran)"
        )
        return False, f"{summary}; {len(problems)} differ{stale}: " + "; ".join(problems[:3])
    return True, f"{summary}; {len(computed)} results match"


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    data = read(root / "data" / "outcome_data.csv")
    pooled = read(root / "analysis" / "pooled.csv")
    failed = 0
    for a in read(root / "analysis" / "analyses.csv"):
        label = f"analysis {a['analysis_id']} ({a['name']})"
        if a["status"] != "done":
            print(f"SKIP {label}: not run ({a['status']})")
            continue
        try:
            ok, text = check(a, data, pooled)
        except Exception as error:  # a crash is a failure of that analysis, said in words
            ok, text = False, f"could not be recomputed: {type(error).__name__}: {error}"
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} {label}: {text}")
    engine = "numpy/scipy" + (" and statsmodels" if combine_effects else "")
    print(f"{failed} failed ({engine})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
