"""A review with one analysis per method the engine offers, run and stored, for the export tests."""

import io
import zipfile

from extraction.models import Comparison, Outcome, OutcomeData, Study
from synthesis import services as synthesis_services
from workspace.exports.bundle import build_bundle
from workspace.exports.scope import Scope

# (study, dose, mean_exp, sd_exp, n_exp, mean_ctrl, sd_ctrl, n_ctrl)
CONTINUOUS = [
    ("Adams 2010", "Low", 4.1, 1.9, 25, 5.6, 2.1, 24),
    ("Baker 2012", "Low", 3.8, 2.2, 40, 4.9, 2.0, 41),
    ("Cole 2014", "High", 5.0, 2.5, 18, 5.2, 2.4, 20),
    ("Dunn 2016", "High", 3.2, 1.7, 60, 5.1, 1.9, 58),
    ("Evans 2018", "Low", 4.6, 2.0, 33, 5.3, 2.2, 30),
    ("Ford 2020", "High", 2.9, 1.5, 22, 4.8, 1.8, 21),
]
# (study, events_exp, total_exp, events_ctrl, total_ctrl): a zero cell and a double zero
DICHOTOMOUS = [
    ("Adams 2010", 6, 25, 3, 24),
    ("Baker 2012", 12, 40, 8, 41),
    ("Cole 2014", 0, 18, 3, 20),
    ("Dunn 2016", 15, 60, 9, 58),
    ("Evans 2018", 0, 33, 0, 30),
    ("Ford 2020", 7, 22, 2, 21),
    ("Gray 2021", 4, 50, 5, 49),
]
# (study, log odds ratio, its SE)
GENERIC = [
    ("Adams 2010", 0.42, 0.31),
    ("Baker 2012", 0.18, 0.22),
    ("Cole 2014", -0.05, 0.40),
    ("Dunn 2016", 0.55, 0.25),
    ("Evans 2018", 0.31, 0.35),
]
ANALYSES = [
    ("Pain", {"measure": "MD", "model": "fixed"}),
    ("Pain", {"measure": "MD", "model": "random", "tau2_estimator": "DL"}),
    ("Pain", {"measure": "MD", "model": "random", "tau2_estimator": "REML", "hksj": True}),
    ("Pain", {"measure": "SMD", "model": "random", "tau2_estimator": "PM"}),
    ("Pain", {"measure": "SMD", "model": "random", "tau2_estimator": "DL", "hksj": True, "ci_level": 0.9}),
    ("Nausea", {"measure": "RR", "model": "fixed"}),
    ("Nausea", {"measure": "OR", "model": "random", "tau2_estimator": "REML"}),
    ("Nausea", {"measure": "RD", "model": "random", "tau2_estimator": "DL"}),
    ("Nausea", {"measure": "RR", "model": "random", "tau2_estimator": "PM", "hksj": True,
                "exclude_double_zero": False, "zero_cell_correction": 0.25}),
    ("Nausea", {"measure": "RR", "pooling": "mantel_haenszel", "model": "fixed"}),
    ("Nausea", {"measure": "OR", "pooling": "mantel_haenszel", "model": "fixed",
                "revman5_zero_cells": True}),
    ("Nausea", {"measure": "RD", "pooling": "mantel_haenszel", "model": "fixed"}),
    ("Nausea", {"measure": "RR", "pooling": "mantel_haenszel", "model": "random", "i2": "Q"}),
    ("Nausea", {"measure": "OR", "pooling": "peto", "model": "fixed"}),
    ("Sleep", {"measure": "OR", "model": "random", "tau2_estimator": "REML"}),
    ("Sleep", {"measure": "MD", "model": "fixed"}),
]  # fmt: skip


def _studies(review, names):
    return {name: Study.objects.get_or_create(review=review, name=name)[0] for name in names}


def method_review(review) -> list:
    """Outcomes of three data types and the analyses above, run and stored (without figures)."""
    comparison = Comparison.objects.create(review=review, name="Ketamine vs placebo")
    pain = Outcome.objects.create(
        comparison=comparison, name="Pain", data_type="continuous", measure="MD",
        subgroup_variable="Dose",
    )  # fmt: skip
    nausea = Outcome.objects.create(
        comparison=comparison, name="Nausea", data_type="dichotomous", measure="RR", position=1
    )
    sleep = Outcome.objects.create(
        comparison=comparison, name="Sleep", data_type="generic", measure="OR", position=2
    )
    studies = _studies(review, [row[0] for row in DICHOTOMOUS])
    for name, dose, m1, s1, n1, m2, s2, n2 in CONTINUOUS:
        values = dict(mean_exp=m1, sd_exp=s1, n_exp=n1, mean_ctrl=m2, sd_ctrl=s2, n_ctrl=n2)
        OutcomeData.objects.create(outcome=pain, study=studies[name], subgroup=dose, values=values)
    for name, e1, n1, e2, n2 in DICHOTOMOUS:
        values = dict(events_exp=e1, total_exp=n1, events_ctrl=e2, total_ctrl=n2)
        OutcomeData.objects.create(outcome=nausea, study=studies[name], values=values)
    for name, estimate, se in GENERIC:
        OutcomeData.objects.create(
            outcome=sleep, study=studies[name], values={"estimate": estimate, "se": se}
        )
    outcomes = {"Pain": pain, "Nausea": nausea, "Sleep": sleep}
    analyses = []
    for i, (outcome, settings) in enumerate(ANALYSES):
        analysis = synthesis_services.analysis_create(
            outcome=outcomes[outcome], name=f"{outcome} {i + 1}", settings=settings
        )
        analyses.append(synthesis_services.analysis_run(analysis_id=analysis.pk))
    return analyses


def bundle(review, membership=None, parts=None) -> zipfile.ZipFile:
    """The review's bundle, built in memory, as an open zip."""
    buffer = io.BytesIO()
    kwargs = {"parts": parts} if parts else {}
    build_bundle(Scope(review, membership), buffer, **kwargs)
    return zipfile.ZipFile(buffer)
