"""Run conformance cases (schema: ``../shared/conformance/README.md``) against the engine.

Usage: ``python -m synthesis.stats.conformance CASES.json``. Prints ``PASS id``
or ``FAIL id: field expected X got Y`` per case and a last line
``N passed, M failed``; exits 0 only if every case passes.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass

import numpy as np
from scipy import stats

from synthesis.stats import effects as es
from synthesis.stats import sensitivity, small_study, subgroups
from synthesis.stats.pooling import MetaAnalysis, inverse_variance, mantel_haenszel, peto

OPTIONAL_BLOCKS = frozenset(
    {
        "moderator_test_common_tau2",
        "cochran_mantel_haenszel_test",
        "egger_regression_metafor_default",
        "k_metafor",
        "H2",
    }
)
COMPARED_STRINGS = frozenset({"side", "statistic_type", "distribution", "estimator"})
INTEGERS = frozenset({"k", "df", "statistic_df", "k0"})


@dataclass(frozen=True)
class Mismatch:
    field: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return f"{self.field} expected {self.expected!r} got {self.actual!r}"


# --- building the analysis -------------------------------------------------


def _column(studies: list[dict], key: str) -> list:
    return [s[key] for s in studies]


def study_effects(case: dict, studies: list[dict]) -> es.StudyEffects:
    """The case's studies as :class:`StudyEffects` under its continuity-correction rule."""
    labels = _column(studies, "label")
    measure, data_type, method = case["effect_measure"], case["data_type"], case["method"]
    if data_type == "continuous":
        args = [_column(studies, k) for k in ("mean_exp", "sd_exp", "n_exp")]
        args += [_column(studies, k) for k in ("mean_ctrl", "sd_ctrl", "n_ctrl")]
        if measure == "MD":
            return es.mean_difference(*args, labels=labels)
        variant = (method.get("smd") or {}).get("variant", "metafor")
        return es.standardized_mean_difference(*args, variant=variant, labels=labels)
    if data_type == "generic":
        return es.generic_effects(
            _column(studies, "estimate"), _column(studies, "se"), measure=measure, labels=labels
        )
    if data_type == "o_minus_e":
        return es.o_minus_e_effects(
            _column(studies, "o_minus_e"), _column(studies, "variance"), labels=labels
        )
    table = [_column(studies, k) for k in ("events_exp", "total_exp", "events_ctrl", "total_ctrl")]
    if measure == "PETO_OR":
        return es.peto_effects(*table, labels=labels)
    rule = method.get("continuity_correction") or {}
    drop = "excluded" in str(rule.get("double_zero_studies", ""))
    return es.binary_effects(
        measure, *table, correction=rule.get("value", 0.5), drop_double_zero=drop, labels=labels
    )


def analyse(case: dict, studies: list[dict]) -> MetaAnalysis:
    """Run the case's method on ``studies``."""
    method = case["method"]
    level = method.get("ci_level", 0.95)
    if method["pooling"] == "mantel_haenszel":
        rule = method.get("continuity_correction") or {}
        revman = (rule.get("mh_pooled_estimate") or {}).get("value", 0) > 0
        table = [
            _column(studies, k) for k in ("events_exp", "total_exp", "events_ctrl", "total_ctrl")
        ]
        return mantel_haenszel(
            case["effect_measure"],
            *table,
            labels=_column(studies, "label"),
            model=method["model"],
            correction="revman5" if revman else "metafor",
            level=level,
        )
    effects = study_effects(case, studies)
    if method["pooling"] == "peto":
        return peto(effects, level=level)
    return inverse_variance(
        effects,
        model=method["model"],
        tau2_method=method.get("tau2_estimator") or "DL",
        ci_method="hksj" if method.get("ci_method") == "hksj" else "wald",
        level=level,
    )


# --- the engine's numbers in the schema's shape -----------------------------


def _num(value):
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def pooled_block(result: MetaAnalysis) -> dict:
    p = result.pooled
    names = ("k", "estimate", "se", "ci_lower", "ci_upper", "statistic", "statistic_type")
    names += ("statistic_df", "p", "effect", "effect_ci_lower", "effect_ci_upper")
    return {n: getattr(p, n) for n in names}


def heterogeneity_block(result: MetaAnalysis) -> dict:
    h = result.heterogeneity
    names = ("Q", "df", "p", "I2", "I2_from_Q", "H2", "H2_from_Q", "tau2", "tau")
    return {n: getattr(h, n) for n in names + ("tau2_ci_lower", "tau2_ci_upper")}


def _interval_block(pi) -> dict | None:
    if pi is None:
        return None
    names = ("lower", "upper", "effect_lower", "effect_upper", "distribution", "df")
    return {n: getattr(pi, n) for n in names}


def study_rows(result: MetaAnalysis, level: float) -> list[dict]:
    e = result.effects
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for i, label in enumerate(e.labels):
        yi, vi = _num(e.yi[i]), _num(e.vi[i])
        row = {"label": label, "included": bool(e.included[i])}
        if yi is None:
            rows.append(row | dict.fromkeys(("yi", "vi", "se", "ci_lower", "ci_upper"), None))
            continue
        se = math.sqrt(vi)
        lo, hi = yi - z * se, yi + z * se
        back = math.exp if e.log_scale else (lambda x: x)
        row |= {"yi": yi, "vi": vi, "se": se, "ci_lower": lo, "ci_upper": hi}
        row |= {"effect": back(yi), "effect_ci_lower": back(lo), "effect_ci_upper": back(hi)}
        row["weight_percent"] = _num(result.weight_percent[i])
        rows.append(row)
    return rows


def weight_rows(result: MetaAnalysis) -> list[dict]:
    return [
        {"label": label, "weight_percent": _num(w)}
        for label, w in zip(result.effects.labels, result.weight_percent, strict=True)
    ]


def actual_results(case: dict) -> dict:
    """Everything the case's ``expected`` may ask for, from the engine."""
    studies = case["studies"]
    level = case["method"].get("ci_level", 0.95)
    result = analyse(case, studies)
    out = {
        "studies": study_rows(result, level),
        "pooled": pooled_block(result),
        "heterogeneity": heterogeneity_block(result),
        "prediction_interval": _interval_block(result.prediction_interval),
        "prediction_interval_t_k2": _interval_block(result.prediction_interval_t_k2),
    }
    if result.fixed_mh is not None:
        out["fixed_mh"] = {
            "pooled": pooled_block(result.fixed_mh),
            "weight_percent": weight_rows(result.fixed_mh),
        }
    expected = case["expected"]
    if "subgroups" in expected:
        out |= subgroup_blocks(case, studies)
    if "leave_one_out" in expected:
        out["leave_one_out"] = leave_one_out_rows(case, studies)
    if "small_study_effects" in expected:
        out["small_study_effects"] = small_study_block(result, expected["small_study_effects"])
    return out


def subgroup_blocks(case: dict, studies: list[dict]) -> dict:
    names = list(dict.fromkeys(s["subgroup"] for s in studies))
    fits = {n: analyse(case, [s for s in studies if s["subgroup"] == n]) for n in names}
    rows = []
    for name, fit in fits.items():
        rows.append(
            {
                "subgroup": name,
                "k": fit.pooled.k,
                "pooled": pooled_block(fit),
                "heterogeneity": heterogeneity_block(fit),
                "weight_percent_within_subgroup": weight_rows(fit),
            }
        )
    test = subgroups.subgroup_differences(list(fits.values()))
    differences = {"Q_between": test.Q_between, "df": test.df, "p": test.p, "I2": test.I2}
    differences["Q_total_minus_sum_Q_within"] = test.Q_between
    return {"subgroups": rows, "subgroup_differences": differences}


def leave_one_out_rows(case: dict, studies: list[dict]) -> list[dict]:
    rows = []
    for omitted, fit in sensitivity.leave_one_out(lambda s: analyse(case, s), studies):
        row = {"omitted": omitted} | pooled_block(fit)
        h = fit.heterogeneity
        row |= {"Q": h.Q, "Q_p": h.p, "I2": h.I2, "H2": h.H2, "tau2": h.tau2}
        rows.append(row)
    return rows


def small_study_block(result: MetaAnalysis, expected: dict) -> dict:
    egger = small_study.egger_test(result)
    begg = small_study.rank_correlation(result)
    # the estimator is part of the method (the case's trimfill call), not a result
    estimator = expected.get("trim_and_fill", {}).get("estimator", "L0")
    trim = small_study.trim_and_fill(result, estimator=estimator)
    back = np.exp if result.effects.log_scale else (lambda x: x)
    filled = [
        {"yi": float(y), "vi": float(v), "effect": float(back(y))}
        for y, v in zip(trim.filled_yi, trim.filled_vi, strict=True)
    ]
    return {
        "egger_regression": dict(egger.__dict__),
        "begg_rank_correlation": {"kendall_tau": begg.kendall_tau, "p": begg.p},
        "trim_and_fill": {
            "estimator": trim.estimator,
            "side": trim.side,
            "k0": trim.k0,
            "k0_se": trim.k0_se,
            "pooled": pooled_block(trim.filled),
            "heterogeneity": heterogeneity_block(trim.filled),
            "filled_studies": filled,
        },
    }


# --- comparing ---------------------------------------------------------------

_KEYS = ("label", "omitted", "subgroup")


def _match_key(items: list) -> str | None:
    if items and isinstance(items[0], dict):
        for key in _KEYS:
            if key in items[0]:
                return key
    return None


def compare(expected, actual, tolerance: dict, path: str = "") -> list[Mismatch]:
    """Every mismatch between ``expected`` and ``actual`` under the case's tolerance."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [Mismatch(path or "<root>", "a block", actual)]
        found = []
        for key, value in expected.items():
            if key in OPTIONAL_BLOCKS:
                continue
            sub = f"{path}.{key}" if path else key
            found += compare(value, actual.get(key), tolerance, sub)
        return found
    if isinstance(expected, list):
        return _compare_list(expected, actual, tolerance, path)
    return _compare_value(expected, actual, tolerance, path)


def _compare_list(expected, actual, tolerance, path) -> list[Mismatch]:
    if not isinstance(actual, list):
        return [Mismatch(path, f"{len(expected)} rows", actual)]
    key = _match_key(expected)
    found = []
    if key is None:
        if len(expected) != len(actual):
            return [Mismatch(path, f"{len(expected)} rows", f"{len(actual)} rows")]
        pairs = zip(expected, actual, strict=True)
        for i, (e, a) in enumerate(pairs):
            found += compare(e, a, tolerance, f"{path}[{i}]")
        return found
    by_key = {row.get(key): row for row in actual}
    for row in expected:
        match = by_key.get(row[key])
        if match is None:
            found.append(Mismatch(f"{path}[{row[key]}]", "a row", None))
            continue
        found += compare(row, match, tolerance, f"{path}[{row[key]}]")
    return found


def _field_tolerance(tolerance: dict, path: str) -> dict:
    fields = tolerance.get("fields", {})
    plain = _strip_indices(path)
    for name, tol in fields.items():
        if plain == name or plain.endswith("." + name):
            return tol
    return tolerance["default"]


def _strip_indices(path: str) -> str:
    out, depth = [], 0
    for ch in path:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _compare_value(expected, actual, tolerance, path) -> list[Mismatch]:
    leaf = path.rsplit(".", 1)[-1]
    if isinstance(expected, str):
        if leaf in COMPARED_STRINGS and expected != actual:
            return [Mismatch(path, expected, actual)]
        return []
    if expected is None:
        return [] if _num_or_none(actual) is None else [Mismatch(path, None, actual)]
    if isinstance(expected, bool):
        return [] if actual is expected else [Mismatch(path, expected, actual)]
    if leaf in INTEGERS:
        ok = actual is not None and int(actual) == actual and int(actual) == expected
        return [] if ok else [Mismatch(path, expected, actual)]
    value = _num_or_none(actual)
    tol = _field_tolerance(tolerance, path)
    if value is None or abs(value - expected) > tol["abs"] + tol["rel"] * abs(expected):
        return [Mismatch(path, expected, actual)]
    return []


def _num_or_none(value):
    if value is None or isinstance(value, str):
        return None
    return _num(value)


def run_case(case: dict) -> list[Mismatch]:
    """The mismatches of one case (empty when it passes)."""
    try:
        actual = actual_results(case)
    except Exception as error:  # a crash is reported as a failure of that case
        return [Mismatch("<engine>", "a result", f"{type(error).__name__}: {error}")]
    return compare(case["expected"], actual, case["tolerance"])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m synthesis.stats.conformance CASES.json", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as handle:
        cases = json.load(handle)["cases"]
    passed = 0
    for case in cases:
        mismatches = run_case(case)
        if mismatches:
            print(f"FAIL {case['id']}: {mismatches[0]}")
        else:
            passed += 1
            print(f"PASS {case['id']}")
    print(f"{passed} passed, {len(cases) - passed} failed")
    return 0 if passed == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
