"""The one registry of effect measures and data types (no Django).

Everything that lists measures reads them from here: the outcome model's
choices (``extraction.models.outcomes``), the measures an outcome's data type
allows, the engine's effect sizes and checks (``synthesis.stats``), the
analysis settings and the names on pages, plots and the robustness panel
(``synthesis.reporting``, ``synthesis.robustness``).

Adding a measure
----------------
1. Add a :class:`Measure` to ``MEASURES`` below: its key (the stored value,
   at most 12 characters), labels, data types, scale, poolings, zero-cell
   rules, derivations and alternatives.
2. Teach ``synthesis/stats/effects.py`` its effect size and variance (the
   function ``study_effects`` dispatches on the key) and, if it can be pooled
   by Mantel-Haenszel, ``synthesis/stats/pooling.py`` its MH estimate.
3. Add metafor's numbers for it to ``tests/synthesis/stats`` (the R call
   next to the values), and a conformance case if ``../shared`` gains one.
4. If ``choice`` is true the outcome form offers it: run
   ``python manage.py makemigrations extraction`` (the model's choices
   change) and commit the migration.
5. ``tests/extraction/test_measures.py`` checks that every key has a label,
   a known data type and pooling; ``tests/synthesis/stats/test_effects.py``
   that the engine computes it from each of its data types.

Adding a data type
------------------
Add its dataclass to ``data.py`` (fields by the conformance schema's names,
``validate()`` with the checks), a :class:`DataTypeInfo` here, the effect
sizes of its measures to ``synthesis/stats/effects.py``, and, when people
enter it, its columns to ``csv_upload.py`` and the grid.
"""

from __future__ import annotations

from dataclasses import dataclass

from .data import DataType

INVERSE_VARIANCE = "inverse_variance"
MANTEL_HAENSZEL = "mantel_haenszel"
PETO = "peto"
POOLINGS = (INVERSE_VARIANCE, MANTEL_HAENSZEL, PETO)

# Zero-cell rules: add a value to every cell of a study with a zero cell;
# leave out studies with no events (or only events) in both arms; also
# correct the Mantel-Haenszel sums, as RevMan 5 does.
CORRECTION = "correction"
DOUBLE_ZERO = "double_zero"
MH_SUMS = "mh_sums"

# The derivations of ``extraction.outcomes`` that fill a missing value of each kind.
SD_DERIVATIONS = (
    "sd_from_se",
    "sd_from_ci",
    "sd_from_t",
    "sd_from_p",
    "sd_from_difference_ci",
    "sd_from_difference_se",
)
DIFFERENCE_SE = ("se_from_difference_ci", "se_from_p")
RATIO_SE = ("se_from_ratio_ci", "se_from_ratio_p", "log_ratio")


@dataclass(frozen=True)
class DataTypeInfo:
    """A data type: its key, the label of the outcome form's choice, and whether people enter it."""

    key: DataType
    label: str
    entered: bool = True


@dataclass(frozen=True)
class Measure:
    """One effect measure and everything that depends on it.

    Attributes
    ----------
    key : str
        The stored value and the conformance ``effect_measure`` ("RR").
    label : str
        The measure in a sentence or a choice ("Risk ratio").
    heading : str
        RevMan's name over a forest plot's column ("Risk Ratio").
    noun : str
        The measure inside a sentence ("risk ratio", "Peto odds ratio").
    data_types : tuple of DataType
        The data it can summarise.
    log_scale : bool
        Analysed on the natural log scale (ratios) or as is (differences).
    poolings : tuple of str
        The pooling methods for its own data (2×2 tables for RR, OR, RD; O − E
        for HR); generic data is always pooled by inverse variance.
    default_pooling : str
        RevMan 5's choice for its own data (Mantel-Haenszel for 2×2 tables).
    zero_cell_rules : tuple of str
        The zero-cell rules that apply (``CORRECTION``, ``DOUBLE_ZERO``, ``MH_SUMS``).
    derivations : tuple of (DataType, tuple of str)
        The ``extraction.outcomes`` derivations that can fill a missing value
        of each data type.
    alternatives : tuple of str
        The other measures of the same data (the robustness panel shows them).
    choice : bool
        Offered as an outcome's measure (the model's choices).
    """

    key: str
    label: str
    heading: str
    noun: str
    data_types: tuple[DataType, ...]
    log_scale: bool
    poolings: tuple[str, ...] = (INVERSE_VARIANCE,)
    default_pooling: str = INVERSE_VARIANCE
    zero_cell_rules: tuple[str, ...] = ()
    derivations: tuple[tuple[DataType, tuple[str, ...]], ...] = ()
    alternatives: tuple[str, ...] = ()
    choice: bool = True

    @property
    def analysis_scale(self) -> str:
        """The conformance schema's ``analysis_scale``: "log" or "identity"."""
        return "log" if self.log_scale else "identity"

    def derivations_for(self, data_type: DataType | str) -> tuple[str, ...]:
        """The derivations available to this measure's ``data_type`` data."""
        return dict(self.derivations).get(DataType(data_type), ())


DATA_TYPES: dict[DataType, DataTypeInfo] = {
    info.key: info
    for info in (
        DataTypeInfo(DataType.CONTINUOUS, "Continuous (n, mean, SD per arm)"),
        DataTypeInfo(DataType.DICHOTOMOUS, "Dichotomous (events, total per arm)"),
        DataTypeInfo(DataType.GENERIC, "Generic inverse variance (estimate, SE)"),
        DataTypeInfo(DataType.O_MINUS_E, "O − E and variance", entered=False),
    )
}

_TABLE = (INVERSE_VARIANCE, MANTEL_HAENSZEL)
_DIFFERENCE = (
    (DataType.CONTINUOUS, SD_DERIVATIONS),
    (DataType.GENERIC, DIFFERENCE_SE),
)
_RATIO = ((DataType.GENERIC, RATIO_SE),)

# The order is the order of the outcome form's choices.
MEASURES: dict[str, Measure] = {
    measure.key: measure
    for measure in (
        Measure(
            "MD",
            "Mean difference",
            "Mean Difference",
            "mean difference",
            (DataType.CONTINUOUS, DataType.GENERIC),
            log_scale=False,
            derivations=_DIFFERENCE,
            alternatives=("SMD",),
        ),
        Measure(
            "SMD",
            "Standardised mean difference",
            "Std. Mean Difference",
            "standardised mean difference",
            (DataType.CONTINUOUS, DataType.GENERIC),
            log_scale=False,
            derivations=_DIFFERENCE,
            alternatives=("MD",),
        ),
        Measure(
            "RR",
            "Risk ratio",
            "Risk Ratio",
            "risk ratio",
            (DataType.DICHOTOMOUS, DataType.GENERIC),
            log_scale=True,
            poolings=_TABLE,
            default_pooling=MANTEL_HAENSZEL,
            zero_cell_rules=(CORRECTION, DOUBLE_ZERO, MH_SUMS),
            derivations=_RATIO,
            alternatives=("OR", "RD"),
        ),
        Measure(
            "OR",
            "Odds ratio",
            "Odds Ratio",
            "odds ratio",
            (DataType.DICHOTOMOUS, DataType.GENERIC),
            log_scale=True,
            poolings=(*_TABLE, PETO),
            default_pooling=MANTEL_HAENSZEL,
            zero_cell_rules=(CORRECTION, DOUBLE_ZERO, MH_SUMS),
            derivations=_RATIO,
            alternatives=("RR", "RD"),
        ),
        Measure(
            "RD",
            "Risk difference",
            "Risk Difference",
            "risk difference",
            (DataType.DICHOTOMOUS, DataType.GENERIC),
            log_scale=False,
            poolings=_TABLE,
            default_pooling=MANTEL_HAENSZEL,
            zero_cell_rules=(CORRECTION, MH_SUMS),
            derivations=((DataType.GENERIC, DIFFERENCE_SE),),
            alternatives=("RR", "OR"),
        ),
        Measure(
            "AS_REPORTED",
            "As reported (generic)",
            "Effect",
            "effect as reported",
            (DataType.GENERIC,),
            log_scale=False,
            derivations=((DataType.GENERIC, DIFFERENCE_SE + RATIO_SE),),
        ),
        Measure(
            "PETO_OR",
            "Peto odds ratio",
            "Peto Odds Ratio",
            "Peto odds ratio",
            (DataType.DICHOTOMOUS, DataType.O_MINUS_E),
            log_scale=True,
            poolings=(PETO,),
            default_pooling=PETO,
            alternatives=("RR", "RD"),
            choice=False,
        ),
        Measure(
            "HR",
            "Hazard ratio",
            "Hazard Ratio",
            "hazard ratio",
            (DataType.O_MINUS_E, DataType.GENERIC),
            log_scale=True,
            poolings=(INVERSE_VARIANCE, PETO),
            default_pooling=PETO,
            derivations=_RATIO,
            choice=False,
        ),
    )
}


class UnknownMeasure(ValueError):
    """A measure key the registry does not know."""


def measure(key: str) -> Measure:
    """The registered measure ``key`` ("RR"); raises :class:`UnknownMeasure` otherwise."""
    try:
        return MEASURES[key]
    except (KeyError, TypeError):
        known = ", ".join(MEASURES)
        raise UnknownMeasure(f"unknown effect measure {key!r} (known: {known})") from None


def measures_for(data_type: DataType | str, *, choices_only: bool = True) -> tuple[Measure, ...]:
    """The measures that can summarise ``data_type`` data, in the registry's order.

    ``choices_only`` keeps those an outcome can be given (not Peto's OR or
    the hazard ratio, which come from the pooling or from O − E data).
    """
    data_type = DataType(data_type)
    return tuple(
        m for m in MEASURES.values() if data_type in m.data_types and (m.choice or not choices_only)
    )


def measure_choices() -> list[tuple[str, str]]:
    """``(key, label)`` of every measure an outcome can be given, for model choices."""
    return [(m.key, m.label) for m in MEASURES.values() if m.choice]


def data_type_choices() -> list[tuple[str, str]]:
    """``(key, label)`` of every data type people enter, for model choices."""
    return [(info.key.value, info.label) for info in DATA_TYPES.values() if info.entered]


def is_ratio(key: str) -> bool:
    """Whether the measure ``key`` is analysed on the log scale (unknown keys are not)."""
    return key in MEASURES and MEASURES[key].log_scale
