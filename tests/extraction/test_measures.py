"""The registry of effect measures: complete, consistent, and what the model's choices are."""

import subprocess
import sys
from pathlib import Path

import pytest

import extraction.outcomes as pure
from extraction.outcomes.data import DataType
from extraction.outcomes.measures import (
    DATA_TYPES,
    MEASURES,
    POOLINGS,
    UnknownMeasure,
    data_type_choices,
    measure,
    measure_choices,
    measures_for,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("key", list(MEASURES))
def test_every_measure_is_complete(key):
    m = MEASURES[key]
    assert m.key == key and len(key) <= 12  # Outcome.measure is a CharField(max_length=12)
    assert m.label and m.heading and m.noun
    assert set(m.data_types) <= set(DataType)
    assert set(m.poolings) <= set(POOLINGS) and m.default_pooling in m.poolings
    assert set(m.alternatives) <= set(MEASURES)
    for data_type, names in m.derivations:
        assert data_type in m.data_types and all(callable(getattr(pure, n)) for n in names)


def test_ratios_are_on_the_log_scale():
    assert {k for k, m in MEASURES.items() if m.log_scale} == {"RR", "OR", "PETO_OR", "HR"}
    assert measure("RR").analysis_scale == "log" and measure("MD").analysis_scale == "identity"


def test_each_data_type_offers_its_measures():
    keys = {t: [m.key for m in measures_for(t)] for t in ("continuous", "dichotomous", "generic")}
    assert keys == {
        "continuous": ["MD", "SMD"],
        "dichotomous": ["RR", "OR", "RD"],
        "generic": ["MD", "SMD", "RR", "OR", "RD", "AS_REPORTED"],
    }
    assert [m.key for m in measures_for("o_minus_e", choices_only=False)] == ["PETO_OR", "HR"]


def test_the_model_choices_come_from_the_registry():
    from extraction.models import DataType as DataTypeChoices
    from extraction.models import EffectMeasure

    assert EffectMeasure.choices == measure_choices()
    assert DataTypeChoices.choices == data_type_choices()
    assert EffectMeasure.RR == "RR" and EffectMeasure.RR.label == "Risk ratio"
    assert "o_minus_e" not in DataTypeChoices.values and not DATA_TYPES[DataType.O_MINUS_E].entered


def test_an_unknown_measure_is_named():
    with pytest.raises(UnknownMeasure, match="unknown effect measure 'LOR'"):
        measure("LOR")


def test_the_registry_imports_without_django():
    code = "import sys, extraction.outcomes.measures; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
