"""RoB 2: the revised Cochrane risk-of-bias tool for randomised trials.

The version here is the one for individually randomised, parallel-group trials,
assessing the effect of assignment to intervention (the "intention-to-treat"
effect), as published on 22 August 2019. The question texts are paraphrased;
the numbering, the conditions and the answer options follow the tool.

Each domain's ``algorithm`` follows the decision diagram and the table
"Reaching risk-of-bias judgements" of that domain in the full guidance
(Higgins et al. 2019). Comments name the diagram's branches as
``question answer -> outcome``.

References
----------
Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk
of bias in randomised trials. BMJ 2019;366:l4898.

Higgins JPT, Savović J, Page MJ, Sterne JAC (editors). Revised Cochrane
risk-of-bias tool for randomized trials (RoB 2): full guidance document,
22 August 2019. https://www.riskofbias.info
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from extraction.rob.tool import (
    ANSWERS,
    NO,
    NO_INFORMATION,
    NOT_APPLICABLE,
    PROBABLY_NO,
    PROBABLY_YES,
    YES,
    AskedIf,
    Domain,
    Judgement,
    Question,
    Tool,
    Unanswered,
)

LOW = "low"
SOME_CONCERNS = "some_concerns"
HIGH = "high"

Y_PY = frozenset({YES, PROBABLY_YES})
N_PN = frozenset({NO, PROBABLY_NO})
Y_PY_NI = Y_PY | {NO_INFORMATION}
N_PN_NI = N_PN | {NO_INFORMATION}

CONDITIONAL = (NOT_APPLICABLE, *ANSWERS)

Answer = Callable[[str], str]


def _asked_if(questions: str, answers: frozenset[str], *, require_all: bool = False) -> AskedIf:
    return AskedIf(tuple(questions.split()), answers, require_all)


def _randomisation(answer: Answer) -> str:
    concealed = answer("1.2")
    if concealed in N_PN:
        return HIGH  # 1.2 N/PN -> high
    if concealed in Y_PY:
        if answer("1.1") in N_PN:
            return SOME_CONCERNS  # 1.2 Y/PY, 1.1 N/PN -> some concerns
        if answer("1.3") in Y_PY:
            return SOME_CONCERNS  # 1.2 Y/PY, 1.1 Y/PY/NI, 1.3 Y/PY -> some concerns
        return LOW  # 1.2 Y/PY, 1.1 Y/PY/NI, 1.3 N/PN/NI -> low
    if answer("1.3") in Y_PY:
        return HIGH  # 1.2 NI, 1.3 Y/PY -> high
    return SOME_CONCERNS  # 1.2 NI, 1.3 N/PN/NI -> some concerns


def _deviations_from_trial_context(answer: Answer) -> str:
    """Part 1 of domain 2 (questions 2.1 to 2.5)."""
    if answer("2.1") in N_PN and answer("2.2") in N_PN:
        return LOW  # 2.1 and 2.2 N/PN -> low
    deviations = answer("2.3")
    if deviations in N_PN:
        return LOW  # 2.3 N/PN -> low
    if deviations == NO_INFORMATION:
        return SOME_CONCERNS  # 2.3 NI -> some concerns
    if answer("2.4") in N_PN:
        return SOME_CONCERNS  # 2.3 Y/PY, 2.4 N/PN -> some concerns
    if answer("2.5") in Y_PY:
        return SOME_CONCERNS  # 2.4 Y/PY/NI, 2.5 Y/PY -> some concerns
    return HIGH  # 2.4 Y/PY/NI, 2.5 N/PN/NI -> high


def _analysis_of_assignment(answer: Answer) -> str:
    """Part 2 of domain 2 (questions 2.6 and 2.7)."""
    if answer("2.6") in Y_PY:
        return LOW  # 2.6 Y/PY -> low
    if answer("2.7") in N_PN:
        return SOME_CONCERNS  # 2.6 N/PN/NI, 2.7 N/PN -> some concerns
    return HIGH  # 2.6 N/PN/NI, 2.7 Y/PY/NI -> high


def _deviations(answer: Answer) -> str:
    """Domain 2: high if either part is high, low if both are low.

    A part that is high settles the domain even while the other part is
    unanswered, as in the diagram.
    """
    parts = []
    for part in (_deviations_from_trial_context, _analysis_of_assignment):
        try:
            parts.append(part(answer))
        except Unanswered:
            parts.append(None)
    if HIGH in parts:
        return HIGH
    if None in parts:
        raise Unanswered
    return LOW if parts == [LOW, LOW] else SOME_CONCERNS


def _missing_data(answer: Answer) -> str:
    if answer("3.1") in Y_PY:
        return LOW  # 3.1 Y/PY -> low
    if answer("3.2") in Y_PY:
        return LOW  # 3.1 N/PN/NI, 3.2 Y/PY -> low
    if answer("3.3") in N_PN:
        return LOW  # 3.2 N/PN, 3.3 N/PN -> low
    if answer("3.4") in N_PN:
        return SOME_CONCERNS  # 3.3 Y/PY/NI, 3.4 N/PN -> some concerns
    return HIGH  # 3.3 Y/PY/NI, 3.4 Y/PY/NI -> high


def _measurement(answer: Answer) -> str:
    if answer("4.1") in Y_PY:
        return HIGH  # 4.1 Y/PY -> high
    differed = answer("4.2")
    if differed in Y_PY:
        return HIGH  # 4.1 N/PN/NI, 4.2 Y/PY -> high
    # 4.2 NI turns each "low" leaf below into "some concerns".
    best = LOW if differed in N_PN else SOME_CONCERNS
    if answer("4.3") in N_PN:
        return best  # 4.3 N/PN -> low (4.2 N/PN) or some concerns (4.2 NI)
    if answer("4.4") in N_PN:
        return best  # 4.3 Y/PY/NI, 4.4 N/PN -> low or some concerns
    if answer("4.5") in N_PN:
        return SOME_CONCERNS  # 4.4 Y/PY/NI, 4.5 N/PN -> some concerns
    return HIGH  # 4.4 Y/PY/NI, 4.5 Y/PY/NI -> high


def _reported_result(answer: Answer) -> str:
    selected = {answer("5.2"), answer("5.3")}
    if selected & Y_PY:
        return HIGH  # 5.2 or 5.3 Y/PY -> high
    if NO_INFORMATION in selected:
        return SOME_CONCERNS  # at least one NI, neither Y/PY -> some concerns
    if answer("5.1") in Y_PY:
        return LOW  # 5.1 Y/PY, 5.2 and 5.3 N/PN -> low
    return SOME_CONCERNS  # 5.1 N/PN/NI, 5.2 and 5.3 N/PN -> some concerns


DOMAINS = (
    Domain(
        key="D1",
        name="Bias arising from the randomisation process",
        questions=(
            Question("1.1", "Was the allocation sequence random?"),
            Question(
                "1.2",
                "Was the allocation sequence concealed until participants had been "
                "enrolled and assigned to interventions?",
            ),
            Question(
                "1.3",
                "Do baseline differences between the intervention groups suggest a "
                "problem with the randomisation process?",
            ),
        ),
        algorithm=_randomisation,
    ),
    Domain(
        key="D2",
        name="Bias due to deviations from intended interventions",
        questions=(
            Question(
                "2.1", "Were participants aware of their assigned intervention during the trial?"
            ),
            Question(
                "2.2",
                "Were carers and the people delivering the interventions aware of "
                "participants' assigned intervention during the trial?",
            ),
            Question(
                "2.3",
                "Did deviations from the intended intervention arise because of the trial context?",
                CONDITIONAL,
                _asked_if("2.1 2.2", Y_PY_NI),
            ),
            Question(
                "2.4",
                "Were these deviations likely to have affected the outcome?",
                CONDITIONAL,
                _asked_if("2.3", Y_PY),
            ),
            Question(
                "2.5",
                "Were these deviations from the intended intervention balanced between groups?",
                CONDITIONAL,
                _asked_if("2.4", Y_PY_NI),
            ),
            Question(
                "2.6",
                "Was the analysis appropriate for estimating the effect of assignment "
                "to intervention?",
            ),
            Question(
                "2.7",
                "Could failing to analyse participants in the group to which they were "
                "randomised have had a substantial impact on the result?",
                CONDITIONAL,
                _asked_if("2.6", N_PN_NI),
            ),
        ),
        algorithm=_deviations,
    ),
    Domain(
        key="D3",
        name="Bias due to missing outcome data",
        questions=(
            Question(
                "3.1",
                "Were outcome data available for all, or nearly all, randomised participants?",
            ),
            Question(
                "3.2",
                "Is there evidence that the result was not biased by missing outcome data?",
                # The published tool offers no "NI" here.
                (NOT_APPLICABLE, YES, PROBABLY_YES, PROBABLY_NO, NO),
                _asked_if("3.1", N_PN_NI),
            ),
            Question(
                "3.3",
                "Could missingness in the outcome depend on its true value?",
                CONDITIONAL,
                _asked_if("3.2", N_PN),
            ),
            Question(
                "3.4",
                "Is it likely that missingness in the outcome depended on its true value?",
                CONDITIONAL,
                _asked_if("3.3", Y_PY_NI),
            ),
        ),
        algorithm=_missing_data,
    ),
    Domain(
        key="D4",
        name="Bias in measurement of the outcome",
        questions=(
            Question("4.1", "Was the method of measuring the outcome inappropriate?"),
            Question(
                "4.2",
                "Could measurement or ascertainment of the outcome have differed "
                "between intervention groups?",
            ),
            Question(
                "4.3",
                "Were outcome assessors aware of the intervention received by participants?",
                CONDITIONAL,
                _asked_if("4.1 4.2", N_PN_NI, require_all=True),
            ),
            Question(
                "4.4",
                "Could knowledge of the intervention received have influenced the "
                "assessment of the outcome?",
                CONDITIONAL,
                _asked_if("4.3", Y_PY_NI),
            ),
            Question(
                "4.5",
                "Is it likely that knowledge of the intervention received influenced "
                "the assessment of the outcome?",
                CONDITIONAL,
                _asked_if("4.4", Y_PY_NI),
            ),
        ),
        algorithm=_measurement,
    ),
    Domain(
        key="D5",
        name="Bias in selection of the reported result",
        questions=(
            Question(
                "5.1",
                "Were the data that produced this result analysed according to a "
                "pre-specified plan, finalised before unblinded outcome data were "
                "available for analysis?",
            ),
            Question(
                "5.2",
                "Is the numerical result likely to have been selected, on the basis of "
                "the results, from several eligible outcome measurements (scales, "
                "definitions, time points) within the outcome domain?",
            ),
            Question(
                "5.3",
                "Is the numerical result likely to have been selected, on the basis of "
                "the results, from several eligible analyses of the data?",
            ),
        ),
        algorithm=_reported_result,
    ),
)


def suggest_overall(
    judgements: Mapping[str, str], *, some_concerns_limit: int | None = None
) -> str | None:
    """Suggest the overall RoB 2 judgement from the five domain judgements.

    Parameters
    ----------
    judgements : mapping of str to str
        Domain key (``"D1"`` .. ``"D5"``) to judgement key.
    some_concerns_limit : int, optional
        The guidance lets the assessor judge a result at high risk when "some
        concerns" in several domains together substantially lower confidence
        in it. That is a judgement, not a rule, so it is off by default; give a
        number (2 or more) to make that many "some concerns" domains count as
        high.

    Returns
    -------
    str or None
        ``"low"`` if every domain is low; ``"high"`` if any domain is high (or
        ``some_concerns_limit`` is reached); otherwise ``"some_concerns"``.
        None while a domain has no judgement, unless one is already high.

    References
    ----------
    Sterne JAC et al. BMJ 2019;366:l4898, Table 2 (overall risk-of-bias judgement).
    """
    if some_concerns_limit is not None and some_concerns_limit < 2:
        raise ValueError("some_concerns_limit must be 2 or more")
    values = [judgements.get(domain.key) for domain in DOMAINS]
    if HIGH in values:
        return HIGH
    if None in values:
        return None
    concerns = values.count(SOME_CONCERNS)
    if some_concerns_limit is not None and concerns >= some_concerns_limit:
        return HIGH
    return SOME_CONCERNS if concerns else LOW


TOOL = Tool(
    key="rob2",
    name="RoB 2",
    domains=DOMAINS,
    judgements=(
        Judgement(LOW, "Low", "#02C100", "+"),
        Judgement(SOME_CONCERNS, "Some concerns", "#E2DF07", "−"),
        Judgement(HIGH, "High", "#BF0000", "×"),
    ),
    overall=suggest_overall,
    reference="Sterne JAC, Savović J, Page MJ, et al. BMJ 2019;366:l4898",
    per_outcome=True,
    high_risk=frozenset({HIGH}),
)
