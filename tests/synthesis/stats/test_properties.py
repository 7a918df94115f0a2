"""Property tests of the entry point over random data (hypothesis).

Valid data of every type, under every method: no reported number is NaN or
infinite, and a value that is null has its reason beside it. Invalid data: every
data set with one impossible value is refused, naming the study and the field.
"""

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extraction.outcomes.measures import INVERSE_VARIANCE, MEASURES
from synthesis.stats import EngineInputError, Method, ZeroCells, analyse, study

DATA_TYPES = ("continuous", "dichotomous", "generic", "o_minus_e")


def numbers(low, high):
    """Numbers as people report them: three decimals at most."""
    return st.floats(low, high).map(lambda x: round(x, 3))


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def continuous_arms(draw):
    n = [draw(st.integers(2, 300)) for _ in range(2)]
    sd = [draw(numbers(0, 50)) for _ in range(2)]
    if sd == [0, 0]:
        sd[draw(st.integers(0, 1))] = draw(numbers(0.01, 50))
    means = [draw(numbers(-100, 100)) for _ in range(2)]
    return dict(
        n_exp=n[0], mean_exp=means[0], sd_exp=sd[0], n_ctrl=n[1], mean_ctrl=means[1], sd_ctrl=sd[1]
    )


@st.composite
def table(draw):
    totals = [draw(st.integers(1, 500)) for _ in range(2)]
    events = [draw(st.integers(0, total)) for total in totals]
    return dict(
        events_exp=events[0], total_exp=totals[0], events_ctrl=events[1], total_ctrl=totals[1]
    )


VALUES = {
    "continuous": continuous_arms(),
    "dichotomous": table(),
    "generic": st.fixed_dictionaries({"estimate": numbers(-5, 5), "se": numbers(0.01, 5)}),
    "o_minus_e": st.fixed_dictionaries(
        {"o_minus_e": numbers(-20, 20), "variance": st.one_of(st.just(0.0), numbers(0.1, 50))}
    ),
}


@st.composite
def data_sets(draw, data_type):
    k = draw(st.integers(1, 12))
    groups = draw(st.lists(st.sampled_from(["Low", "High", None]), min_size=k, max_size=k))
    rows = [draw(VALUES[data_type]) for _ in range(k)]
    return [
        study(f"Study {i + 1}", data_type, row, group)
        for i, (row, group) in enumerate(zip(rows, groups, strict=True))
    ]


@st.composite
def methods(draw, data_type):
    measure = draw(st.sampled_from([m for m in MEASURES.values() if data_type in m.data_types]))
    poolings = (
        measure.poolings if data_type in ("dichotomous", "o_minus_e") else (INVERSE_VARIANCE,)
    )
    if data_type == "o_minus_e" or measure.key == "PETO_OR":
        poolings = tuple(p for p in poolings if p != "mantel_haenszel")
    pooling = draw(st.sampled_from(poolings))
    return Method(
        measure=measure.key,
        pooling=pooling,
        model=draw(st.sampled_from(["fixed", "random"])),
        tau2_estimator=draw(st.sampled_from(["REML", "DL", "PM"])),
        ci_method=draw(st.sampled_from(["wald", "hksj"]))
        if pooling == INVERSE_VARIANCE
        else "wald",
        level=draw(st.sampled_from([0.8, 0.9, 0.95, 0.99])),
        zero_cells=ZeroCells(
            draw(st.sampled_from([0, 0.25, 0.5, 1])), draw(st.booleans()), draw(st.booleans())
        ),
        smd_variant=draw(st.sampled_from(["metafor", "revman5"])),
        subgroups=draw(st.booleans()),
        prediction_interval=draw(st.sampled_from(["metafor", "hts"])),
        i2_from=draw(st.sampled_from(["tau2", "Q"])),
        trim_and_fill_estimator=draw(st.sampled_from(["L0", "R0"])),
    )


@st.composite
def valid_analyses(draw):
    data_type = draw(st.sampled_from(DATA_TYPES))
    return draw(data_sets(data_type)), draw(methods(data_type))


def _nulls_are_explained(fit: dict, model: str) -> None:
    """Every null of a fit's blocks comes with its reason."""
    if fit["not_estimable"]:
        assert fit["pooled"]["estimate"] is None
        return
    pooled = fit["pooled"]
    assert all(pooled[key] is not None for key in ("estimate", "se", "ci_lower", "ci_upper", "p"))
    for limit in ("ci_lower", "ci_upper"):  # exp() of a log limit above 709 overflows
        assert pooled[f"effect_{limit}"] is not None or pooled[limit] > 709
    assert (pooled["statistic_df"] is None) == (pooled["statistic_type"] == "z")
    h = fit["heterogeneity"]
    if h["Q"] is None:
        assert pooled["k"] <= 1 and h["df"] == 0
    if model == "random" and fit.get("prediction_interval", 0) is None:
        assert fit["prediction_note"]


@SETTINGS
@given(valid_analyses())
def test_valid_data_give_no_nan_and_every_null_has_a_reason(case):
    studies, method = case
    result = analyse(studies, method)
    plain = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    _nulls_are_explained(plain, plain["model"])
    for row in plain["studies"]:
        assert (row["yi"] is None) == (not row["included"]) and (row["note"] != "") == (
            not row["included"]
        )
        if row["included"] and not plain["not_estimable"]:
            assert row["weight_percent"] is not None
    for group in plain["subgroups"] or []:
        _nulls_are_explained(group, plain["model"])
    for row in plain["leave_one_out"]:
        assert row["estimate"] is not None or row["not_estimable"]
    small = plain["small_study"]
    if any(small[test] is None for test in ("egger", "begg", "trim_and_fill")):
        assert small["note"]


# Invalid data: one impossible value in an otherwise valid data set

IMPOSSIBLE = {
    "continuous": {
        "n_exp": [0, -3, 2.5, math.nan],
        "n_ctrl": [0, 1.5, math.inf],
        "mean_exp": [math.nan, math.inf, -math.inf],
        "mean_ctrl": [math.nan],
        "sd_exp": [-0.1, -10, math.inf, math.nan],
        "sd_ctrl": [-1e-9, math.nan],
    },
    "dichotomous": {
        "events_exp": [-1, 0.5, math.nan, 10_000],
        "events_ctrl": [-2, 3.25, math.inf, 10_000],
        "total_exp": [0, -5, 12.5, math.nan],
        "total_ctrl": [0, math.inf],
    },
    "generic": {"estimate": [math.nan, math.inf], "se": [0, -0.2, math.nan, math.inf]},
    "o_minus_e": {"o_minus_e": [math.nan, -math.inf], "variance": [-1, math.nan, math.inf]},
}


@st.composite
def invalid_analyses(draw):
    data_type = draw(st.sampled_from(DATA_TYPES))
    studies = draw(data_sets(data_type))
    position = draw(st.integers(0, len(studies) - 1))
    field = draw(st.sampled_from(sorted(IMPOSSIBLE[data_type])))
    value = draw(st.sampled_from(IMPOSSIBLE[data_type][field]))
    target = studies[position]
    values = target.data.to_dict() | {field: value}
    studies[position] = study(target.label, data_type, values, target.subgroup)
    return studies, draw(methods(data_type)), target.label, field


@SETTINGS
@given(invalid_analyses())
def test_impossible_data_are_refused_naming_the_study_and_the_field(case):
    studies, method, label, field = case
    # one definition of impossible: the outcome data grid refuses the same cell
    (target,) = [s for s in studies if s.label == label]
    assert field in {p.field for p in target.data.validate() if not p.missing}
    try:
        analyse(studies, method)
    except EngineInputError as error:
        problems = [(p.study, p.field) for p in error.problems]
        assert (label, field) in problems, problems
        assert f"{label}: " in str(error)
    else:
        raise AssertionError(f"{label}'s {field} was accepted")
