"""Extraction models, one module per concept."""

from .form_builder import ExtractionEntry, ExtractionForm, FieldType, FormField, FormSection
from .outcomes import Comparison, DataType, EffectMeasure, Outcome, OutcomeData
from .rob import RobAssessment
from .studies import Study

__all__ = [
    "Comparison",
    "DataType",
    "EffectMeasure",
    "ExtractionEntry",
    "ExtractionForm",
    "FieldType",
    "FormField",
    "FormSection",
    "Outcome",
    "OutcomeData",
    "RobAssessment",
    "Study",
]
