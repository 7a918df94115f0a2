"""Reads in extraction that hold real logic: included reports, outcome datasets, the grid,
consistency warnings, and the risk-of-bias reads (the review's tools, what a member may
see of the assessments, the final judgements analyses use, participants per study).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from reviews.models import Record, Review
from reviews.permissions import Ability, has_ability, review_object
from screening.models import Stage, Verdict

from .models import Outcome, OutcomeData, RobAssessment, Study
from .outcomes.data import field_names
from .rob import TOOLS, Tool

#: The tool a review uses until its lead picks others.
DEFAULT_TOOLS = ["rob2"]
# Per data type, the fields whose sum is a study's number of participants.
SIZE_FIELDS = (("n_exp", "n_ctrl"), ("total_exp", "total_ctrl"))


def included_reports(review: Review) -> QuerySet[Record]:
    """Records included at full text: the reports that studies are made of."""
    return Record.objects.filter(
        review=review,
        duplicate_of__isnull=True,
        resolutions__stage=Stage.FULL_TEXT,
        resolutions__verdict=Verdict.INCLUDE,
    ).order_by("pk")


# The field holding an arm's number of participants, by data type.
ARM_SIZE_FIELDS = {"n_exp": "exp", "n_ctrl": "ctrl", "total_exp": "exp", "total_ctrl": "ctrl"}


def outcome_dataset(outcome: Outcome) -> list[dict]:
    """The outcome's per-study inputs for the meta-analysis engine, in study order.

    Each dict has ``label`` (the study's name), the data type's fields by the
    conformance schema's names (``n_exp, mean_exp, sd_exp, n_ctrl, ...``,
    ``events_exp, total_exp, ...`` or ``estimate, se``) and ``subgroup``
    (None when the outcome has no subgroup variable).
    """
    names = field_names(outcome.data_type)
    rows = OutcomeData.objects.filter(outcome=outcome).select_related("study")
    dataset = []
    for row in rows.order_by("study__name", "study__pk", "subgroup"):
        item = {"label": row.study.name} | {name: row.values.get(name) for name in names}
        item["subgroup"] = (row.subgroup or None) if outcome.subgroup_variable else None
        dataset.append(item)
    return dataset


@dataclass(frozen=True)
class GridLine:
    """One study in the grid, with its saved data (None when it has none yet)."""

    study: Study
    data: OutcomeData | None


def outcome_grid(outcome: Outcome) -> list[GridLine]:
    """Every study of the review, in name order, with its data on this outcome."""
    data = {row.study_id: row for row in OutcomeData.objects.filter(outcome=outcome)}
    studies = Study.objects.filter(review=outcome.comparison.review_id)
    return [GridLine(study, data.get(study.pk)) for study in studies]


@dataclass(frozen=True)
class DataWarning:
    """Something to check, not an error: the data is saved and analysed as entered."""

    study_id: int
    study: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.study}: {self.message}"


def outcome_data_warnings(outcome: Outcome) -> list[DataWarning]:
    """Arms that analyse more participants here than for any other outcome of the study.

    Within one comparison a study's arms are the same people, and the number
    analysed usually only falls from outcome to outcome (drop-outs, missed
    measurements). An arm larger here than on every other outcome of the same
    comparison is worth a second look (a typo, or the arms swapped), so it is
    a warning: the data stays saved and is analysed as entered.
    """
    sizes = _arm_sizes(outcome)
    warnings = []
    for row in OutcomeData.objects.filter(outcome=outcome).select_related("study"):
        for name, arm in ARM_SIZE_FIELDS.items():
            value = row.values.get(name)
            other = sizes.get((row.study_id, arm))
            if value is not None and other and value > other[0]:
                message = (
                    f"{name} is {value:g}, more than the {other[0]:g} given for "
                    f"“{other[1]}” in the same study and comparison"
                )
                warnings.append(DataWarning(row.study_id, row.study.name, name, message))
    return warnings


def _arm_sizes(outcome: Outcome) -> dict[tuple[int, str], tuple[float, str]]:
    """The largest arm size each study reports on the comparison's other outcomes."""
    others = OutcomeData.objects.filter(outcome__comparison=outcome.comparison_id).exclude(
        outcome=outcome
    )
    sizes = {}
    for row in others.select_related("outcome"):
        for name, arm in ARM_SIZE_FIELDS.items():
            value = row.values.get(name)
            key = (row.study_id, arm)
            if value is not None and (key not in sizes or value > sizes[key][0]):
                sizes[key] = (value, row.outcome.name)
    return sizes


# Risk of bias ----------------------------------------------------------------------------


def review_tools(review: Review) -> list[Tool]:
    """The tools the review uses, in the order the lead picked them (RoB 2 by default)."""
    keys = [key for key in review.rob_tools if key in TOOLS] or DEFAULT_TOOLS
    return [TOOLS[key] for key in keys]


def review_tool(review: Review, key: str) -> Tool | None:
    """The tool ``key`` if the review uses it, else None."""
    return next((tool for tool in review_tools(review) if tool.key == key), None)


def rob_blinded(review: Review, membership) -> bool:
    """Reviewers assessing under blinding see only their own assessments and the consensus."""
    return (
        review.blinding
        and not has_ability(membership, Ability.MANAGE)
        and has_ability(membership, Ability.CONTRIBUTE)
    )


@dataclass
class StudyRob:
    """One study's line in the overview, as this member may see it."""

    study: Study
    shown: RobAssessment | None  # the consensus, or the one assessment this member may see
    status: str
    mine: RobAssessment | None = None
    independent: list[RobAssessment] = field(default_factory=list)
    cells: list = field(default_factory=list)  # the page's badges, one per domain and overall


def rob_study_rows(
    review: Review, membership, tool: Tool, outcome: Outcome | None
) -> list[StudyRob]:
    """Every study of the review with the assessment ``membership`` may see for ``tool``.

    The consensus when there is one; under blinding a reviewer sees only
    their own; otherwise a single assessor's, or nothing while two or more
    await a consensus.
    """
    assessments = RobAssessment.objects.filter(
        study__review=review, tool=tool.key, outcome=outcome
    ).select_related("assessor")
    by_study = defaultdict(list)
    for assessment in assessments.order_by("pk"):
        by_study[assessment.study_id].append(assessment)
    blinded = rob_blinded(review, membership)
    return [
        _study_rob(study, by_study[study.pk], membership.user, blinded)
        for study in Study.objects.filter(review=review)
    ]


def _study_rob(study, assessments, user, blinded: bool) -> StudyRob:
    consensus = next((a for a in assessments if a.consensus), None)
    independent = [a for a in assessments if not a.consensus]
    mine = next((a for a in independent if a.assessor_id == user.pk), None)
    if consensus:
        return StudyRob(study, consensus, "Consensus", mine, independent)
    if blinded:
        status = "Your assessment" if mine else "Not assessed by you"
        return StudyRob(study, mine, status, mine, [mine] if mine else [])
    if len(independent) == 1:
        return StudyRob(study, independent[0], "One assessor", mine, independent)
    if independent:
        status = f"Awaiting consensus ({len(independent)} assessors)"
        return StudyRob(study, None, status, mine, independent)
    return StudyRob(study, None, "Not assessed", mine, independent)


def independent_assessments(
    study: Study, outcome: Outcome | None, tool: Tool
) -> list[RobAssessment]:
    """The assessors' own assessments of a target (not the consensus), oldest first."""
    return list(
        RobAssessment.objects.filter(study=study, outcome=outcome, tool=tool.key, consensus=False)
        .select_related("assessor")
        .order_by("pk")
    )


def study_participants(review: Review, outcome: Outcome | None) -> dict[int, float]:
    """Study id → participants: in the outcome's data, or the study's largest outcome.

    Summed over arms and subgroups; studies without arm sizes are absent.
    """
    rows = OutcomeData.objects.filter(study__review=review)
    if outcome is not None:
        rows = rows.filter(outcome=outcome)
    totals: dict[tuple[int, int], float] = defaultdict(float)
    for row in rows.only("study_id", "outcome_id", "values"):
        for names in SIZE_FIELDS:
            if all(isinstance(row.values.get(name), int | float) for name in names):
                totals[row.study_id, row.outcome_id] += sum(row.values[name] for name in names)
    largest: dict[int, float] = {}
    for (study_id, _), total in totals.items():
        largest[study_id] = max(total, largest.get(study_id, 0))
    return largest


def final_assessments(outcome: Outcome) -> dict[str, dict[str, RobAssessment]]:
    """Study name → tool key → the final assessment that applies to ``outcome``.

    For each tool the review uses: the outcome's own assessment, else the
    study-level one (no outcome); the consensus, or the single assessment when
    one assessor judged alone. Two or more assessments without a consensus are
    not settled, and the study is left out for that tool.
    """
    review = outcome.comparison.review
    tools = review_tools(review)
    assessments = (
        RobAssessment.objects.filter(study__review=review, tool__in=[t.key for t in tools])
        .filter(Q(outcome=outcome) | Q(outcome__isnull=True))
        .select_related("study")
        .order_by("study__name", "pk")
    )
    by_target: dict[tuple, list[RobAssessment]] = {}
    for assessment in assessments:
        key = (assessment.study.name, assessment.tool, assessment.outcome_id is not None)
        by_target.setdefault(key, []).append(assessment)
    final: dict[str, dict[str, RobAssessment]] = {}
    for name in dict.fromkeys(key[0] for key in by_target):
        for tool in tools:
            target = by_target.get((name, tool.key, True)) or by_target.get(
                (name, tool.key, False), []
            )
            if (assessment := _final(target)) is not None:
                final.setdefault(name, {})[tool.key] = assessment
    return final


def _final(assessments: list[RobAssessment]) -> RobAssessment | None:
    """The consensus, or the single assessment; None while assessors await a consensus."""
    consensus = [a for a in assessments if a.consensus]
    if consensus:
        return consensus[0]
    return assessments[0] if len(assessments) == 1 else None


def rob_outcome(review: Review, tool: Tool, requested: str = "") -> Outcome | None:
    """The outcome a risk-of-bias page is about: ``requested`` (an id, 404 outside the
    review), else none, except that a tool judging results defaults to the first outcome."""
    if requested.isdigit():
        queryset = Outcome.objects.select_related("comparison")
        return review_object(queryset, review, int(requested), field="comparison__review")
    if requested or not tool.per_outcome:
        return None
    return Outcome.objects.filter(comparison__review=review).first()


@dataclass(frozen=True)
class PlottedRob:
    """One study's row in the traffic-light and summary plots."""

    study: str
    judgements: dict[str, str]
    overall: str | None
    weight: float | None


def rob_plotted(
    review: Review, rows: list[StudyRob], outcome: Outcome | None, *, by_participants: bool
) -> tuple[list[PlottedRob], str]:
    """The shown assessments as plot rows, and a note naming studies without participants.

    With ``by_participants`` each row weighs its study's participants
    (:func:`study_participants`); when any study has none, every weight is
    dropped (equal weights) and the note names those studies.
    """
    shown = [row for row in rows if row.shown is not None]
    weights = study_participants(review, outcome) if by_participants else {}
    missing = [row.study.name for row in shown if by_participants and not weights.get(row.study.pk)]
    note = f"none yet for {', '.join(missing)}." if missing else ""
    if missing:
        weights = {}
    plotted = [
        PlottedRob(
            study=row.study.name,
            judgements=dict(row.shown.judgements),
            overall=row.shown.overall or None,
            weight=weights.get(row.study.pk),
        )
        for row in shown
    ]
    return plotted, note


def studies_extracted(review: Review) -> int:
    """Studies with extracted data: an extraction entry or outcome data."""
    return (
        Study.objects.filter(review=review)
        .filter(Q(entries__isnull=False) | Q(outcome_data__isnull=False))
        .distinct()
        .count()
    )
