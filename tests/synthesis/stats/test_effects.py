"""Study effect sizes against metafor 3.8-1 ``escalc`` values (copied from the conformance suite)."""

import numpy as np
import pytest

from extraction.outcomes.measures import MEASURES
from synthesis.stats.effects import binary_effects, standardized_mean_difference, study_effects

REL = 1e-6


def test_it_adds_half_to_every_cell_of_a_zero_cell_study():
    # nielweise2007-rr-iv-fixed-zero-cells, Bach 1996: 0/116 vs 3/117
    effects = binary_effects("RR", [0], [116], [3], [117])
    assert effects.yi[0] == pytest.approx(-1.93739945938741, rel=REL)
    assert effects.vi[0] == pytest.approx(2.26869270089609, rel=REL)


def test_it_excludes_double_zero_studies_for_ratios():
    effects = binary_effects("OR", [0, 1], [118, 44], [0, 3], [105, 35])
    assert effects.included.tolist() == [False, True]
    assert np.isnan(effects.yi[0])


def test_it_keeps_double_zero_studies_for_risk_differences():
    # nielweise2007-rd-mh-fixed, Yucel 2004: 0/118 vs 0/105, from the corrected table
    effects = binary_effects("RD", [0], [118], [0], [105])
    assert effects.included[0]
    assert effects.yi[0] == pytest.approx(-0.000515300459806564, rel=REL)
    assert effects.vi[0] == pytest.approx(7.94498041698463e-05, rel=REL)


@pytest.mark.parametrize(
    ("variant", "g", "vi"),
    [
        ("metafor", -0.383964141169701, 0.205433278392224),
        ("revman5", -0.384, 0.206244765082514),
    ],
)
def test_it_computes_hedges_g_in_both_variants(variant, g, vi):
    # normand1999 Montreal-Home: 14 (8), n 8 vs 18 (11), n 13
    effects = standardized_mean_difference([14], [8], [8], [18], [11], [13], variant=variant)
    assert effects.yi[0] == pytest.approx(g, rel=REL)
    assert effects.vi[0] == pytest.approx(vi, rel=REL)


COLUMNS = {
    "continuous": {"mean_exp": [4.1], "sd_exp": [1.9], "n_exp": [25]}
    | {"mean_ctrl": [5.6], "sd_ctrl": [2.1], "n_ctrl": [24]},
    "dichotomous": {"events_exp": [7], "total_exp": [30], "events_ctrl": [4], "total_ctrl": [31]},
    "generic": {"estimate": [0.35], "se": [0.27]},
    "o_minus_e": {"o_minus_e": [-2.5], "variance": [10.25]},
}


@pytest.mark.parametrize(
    ("key", "data_type"),
    [(key, str(data_type)) for key, m in MEASURES.items() for data_type in m.data_types],
)
def test_every_registered_measure_has_effect_sizes_for_its_data_types(key, data_type):
    effects = study_effects(data_type, key, COLUMNS[data_type], labels=["A"])
    assert effects.measure == key and effects.included[0]
    assert effects.log_scale == MEASURES[key].log_scale
    assert np.isfinite(effects.yi[0]) and effects.vi[0] > 0
