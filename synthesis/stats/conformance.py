"""Run conformance cases (schema: ``../shared/conformance/README.md``) against the engine.

Usage: ``python -m synthesis.stats.conformance CASES.json``. Prints ``PASS id``
or ``FAIL id: field expected X got Y`` per case and a last line
``N passed, M failed``; exits 0 only if every case passes. A case the engine
refuses prints ``FAIL id: refused: <the engine's message>``.

A thin runner: each case becomes the engine's inputs (:func:`method_of`,
``studies_from_rows``), goes through :func:`synthesis.stats.analyse` like
any other caller's, and its result is compared with the case's expected
block.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass

from synthesis.stats import EngineInputError, Method, Result, ZeroCells, analyse, studies_from_rows

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


# --- the case as the engine's inputs ----------------------------------------


def method_of(case: dict) -> Method:
    """The case's ``method`` block as a :class:`Method`."""
    method = case["method"]
    rule = method.get("continuity_correction") or {}
    estimates = rule.get("study_estimates_and_Q") or rule
    double_zero = str(estimates.get("double_zero_studies", rule.get("double_zero_studies", "")))
    zero_cells = ZeroCells(
        correction=estimates.get("value", 0.5),
        drop_double_zero="excluded" in double_zero,
        mh_sums=(rule.get("mh_pooled_estimate") or {}).get("value", 0) > 0,
    )
    trim = case["expected"].get("small_study_effects", {}).get("trim_and_fill", {})
    return Method(
        measure=case["effect_measure"],
        pooling=method["pooling"],
        model=method["model"],
        tau2_estimator=method.get("tau2_estimator") or "DL",
        ci_method="hksj" if method.get("ci_method") == "hksj" else "wald",
        level=method.get("ci_level", 0.95),
        zero_cells=zero_cells,
        smd_variant=(method.get("smd") or {}).get("variant", "metafor"),
        subgroups=bool(method.get("subgroup")),
        # the estimator is part of the method (the case's trimfill call), not a result
        trim_and_fill_estimator=trim.get("estimator", "L0"),
    )


def analyse_case(case: dict) -> Result:
    """The engine's result for the case (only the extras its ``expected`` asks for)."""
    expected = case["expected"]
    return analyse(
        studies_from_rows(case["data_type"], case["studies"]),
        method_of(case),
        leave_one_out="leave_one_out" in expected,
        small_study="small_study_effects" in expected,
    )


# --- the engine's numbers in the schema's shape -----------------------------


def actual_results(case: dict) -> dict:
    """Everything the case's ``expected`` may ask for, from :func:`analyse`."""
    result = analyse_case(case)
    plain = result.to_dict()
    intervals = result.overall.prediction_intervals
    out = {
        "studies": plain["studies"],
        "pooled": plain["pooled"],
        "heterogeneity": plain["heterogeneity"],
        "prediction_interval": _interval(intervals["metafor"]),
        "prediction_interval_t_k2": _interval(intervals["hts"]),
        "leave_one_out": plain["leave_one_out"],
    }
    if result.fixed_mh is not None:
        out["fixed_mh"] = {
            "pooled": result.fixed_mh.pooled_dict(),
            "weight_percent": _weights(result.studies, result.fixed_mh.weights),
        }
    if result.subgroups:
        out |= _subgroup_blocks(result)
    if result.small_study is not None:
        out["small_study_effects"] = _small_study_block(result, plain["small_study"])
    return out


def _interval(pi) -> dict | None:
    if pi is None:
        return None
    names = ("lower", "upper", "effect_lower", "effect_upper", "distribution", "df")
    return {n: getattr(pi, n) for n in names}


def _weights(labels, weights) -> list[dict]:
    names = [getattr(item, "label", item) for item in labels]
    return [{"label": n, "weight_percent": w} for n, w in zip(names, weights, strict=True)]


def _subgroup_blocks(result: Result) -> dict:
    rows = [
        {
            "subgroup": group.name,
            "k": group.fit.k,
            "pooled": group.fit.pooled_dict(),
            "heterogeneity": group.fit.heterogeneity_dict(),
            "weight_percent_within_subgroup": _weights(group.labels, group.fit.weights),
        }
        for group in result.subgroups
    ]
    test = result.subgroup_differences
    differences = {"Q_between": test.Q_between, "df": test.df, "p": test.p, "I2": test.I2}
    differences["Q_total_minus_sum_Q_within"] = test.Q_between
    return {"subgroups": rows, "subgroup_differences": differences}


def _small_study_block(result: Result, plain: dict) -> dict:
    trim = plain["trim_and_fill"] or {}
    back = math.exp if result.log_scale else (lambda x: x)
    filled = [
        {"yi": y, "vi": v, "effect": back(y)}
        for y, v in zip(trim.get("filled_yi", []), trim.get("filled_vi", []), strict=True)
    ]
    begg = plain["begg"] or {}
    return {
        "egger_regression": plain["egger"],
        "begg_rank_correlation": {"kendall_tau": begg.get("kendall_tau"), "p": begg.get("p")},
        "trim_and_fill": trim | {"filled_studies": filled},
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
    value = float(value)
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class Refusal:
    """The engine refused the case's input; ``message`` is its words."""

    message: str

    def __str__(self) -> str:
        return f"refused: {self.message}"


def run_case(case: dict) -> list[Mismatch | Refusal]:
    """The mismatches of one case (empty when it passes)."""
    try:
        actual = actual_results(case)
    except EngineInputError as error:
        return [Refusal(str(error))]
    except Exception as error:  # a crash is reported as a failure of that case
        return [Mismatch("<engine>", "a result", f"{type(error).__name__}: {error}")]
    return compare(case["expected"], actual, case["tolerance"])


def main(argv: list[str] | None = None) -> int:
    """Run every case of the file named in ``argv``; 0 when all pass, 1 otherwise, 2 on misuse."""
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
