"""Outcome data for meta-analysis: per-study values, derivations and CSV upload (no Django).

Public API
----------
``ContinuousArms``, ``DichotomousArms``, ``GenericEstimate``, ``ObservedMinusExpected``
    One study's data on one outcome; ``validate()`` lists ``Problem`` s (the
    one definition of impossible data, which the engine applies too) and
    ``to_dict()`` gives the conformance-schema fields ``synthesis/stats`` reads.
``DataType``, ``data_class(data_type)``
    The data types and the dataclass of each.
``measures``
    The registry of effect measures and data types (``MEASURES``,
    ``DATA_TYPES``, ``measure(key)``, ``measures_for(data_type)``).
``sd_from_se``, ``sd_from_ci``, ``sd_from_difference_se``,
``sd_from_difference_ci``, ``sd_from_t``, ``sd_from_p``,
``se_from_difference_ci``, ``se_from_ratio_ci``, ``se_from_p``,
``se_from_ratio_p``, ``log_ratio``
    Derive a missing value (Cochrane Handbook 6.3 and 6.5.2); each returns a
    ``Derivation`` whose ``result`` is the value and whose ``formula``,
    ``inputs`` and ``method`` record how.
``parse_outcome_csv(data, data_type) -> list[Row]``
    All or nothing: ``OutcomeCSVError.problems`` lists every ``CSVProblem``.

Command line: ``python -m extraction.outcomes FILE --type continuous``.
"""

from .csv_upload import CSVProblem, OutcomeCSVError, Row, aliases, parse_outcome_csv
from .data import (
    ContinuousArms,
    DataType,
    DichotomousArms,
    GenericEstimate,
    ObservedMinusExpected,
    OutcomeData,
    Problem,
    data_class,
)
from .derivations import Derivation, DerivationError
from .standard_deviations import (
    sd_from_ci,
    sd_from_difference_ci,
    sd_from_difference_se,
    sd_from_p,
    sd_from_se,
    sd_from_t,
)
from .standard_errors import (
    log_ratio,
    se_from_difference_ci,
    se_from_p,
    se_from_ratio_ci,
    se_from_ratio_p,
)

__all__ = [
    "CSVProblem",
    "ContinuousArms",
    "DataType",
    "Derivation",
    "DerivationError",
    "DichotomousArms",
    "GenericEstimate",
    "ObservedMinusExpected",
    "OutcomeCSVError",
    "OutcomeData",
    "Problem",
    "Row",
    "aliases",
    "data_class",
    "log_ratio",
    "parse_outcome_csv",
    "sd_from_ci",
    "sd_from_difference_ci",
    "sd_from_difference_se",
    "sd_from_p",
    "sd_from_se",
    "sd_from_t",
    "se_from_difference_ci",
    "se_from_p",
    "se_from_ratio_ci",
    "se_from_ratio_p",
]
