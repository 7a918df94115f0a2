"""The tools by key, and the two questions a form asks of them: which signalling
questions apply now, and what judgement the answers suggest.

Adding a risk-of-bias tool
--------------------------
1. A module beside :mod:`~extraction.rob.rob2` defining its ``DOMAINS`` (each
   with its signalling questions and, where the tool publishes one, the
   algorithm that suggests the domain's judgement), its overall rule and one
   :class:`~extraction.rob.tool.Tool` as ``TOOL``. Everything that differs
   between tools is a field of ``TOOL``: the judgements with their robvis
   colours and symbols, ``per_outcome`` (the tool judges a result, so an
   assessment needs an outcome), ``high_risk`` (the overall judgements the
   robustness panel leaves out) and ``any_high_domain`` (a severe domain
   makes the study high risk whatever the overall says).
2. Add ``TOOL`` to :data:`TOOLS` below; the review's tools setting, the
   assessment form, the overview, the traffic-light and summary plots, the
   forest plot's columns and the robustness panel all read it from there.
3. Tests in ``tests/extraction/rob/test_<tool>.py`` walking the published
   algorithm's branches, and a case in ``tests/extraction/rob/test_registry.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from extraction.rob import rob1, rob2, robins_i
from extraction.rob.tool import NOT_APPLICABLE, Domain, Question, Tool, Unanswered

TOOLS: dict[str, Tool] = {tool.key: tool for tool in (rob2.TOOL, rob1.TOOL, robins_i.TOOL)}


def get_tool(tool: str | Tool) -> Tool:
    """Return the tool for a key (``"rob2"``, ``"rob1"``, ``"robins_i"``) or the tool itself."""
    if isinstance(tool, Tool):
        return tool
    try:
        return TOOLS[tool]
    except KeyError:
        raise ValueError(f"unknown risk-of-bias tool {tool!r}; known: {', '.join(TOOLS)}") from None


def applicable_questions(
    tool_key: str, domain_key: str, answers: Mapping[str, str | None]
) -> tuple[Question, ...]:
    """Return the signalling questions that apply given the answers so far.

    Parameters
    ----------
    tool_key, domain_key : str
        E.g. ``"rob2"`` and ``"D2"``.
    answers : mapping of str to str
        Question key to answer (``"Y"``, ``"PY"``, ``"PN"``, ``"N"``, ``"NI"``,
        ``"NA"``); missing, None or empty means not answered.

    Returns
    -------
    tuple of Question
        In the published order. A conditional question applies when its
        condition is met by the answers of questions that apply themselves,
        so a stale answer to a skipped question does not open later ones.
        Questions that do not apply take the answer "NA".
    """
    domain = get_tool(tool_key).domain(domain_key)
    given = _clean_answers(domain, answers)
    applicable: list[Question] = []
    for question in domain.questions:
        if question.asked_if is None or question.asked_if.is_met(
            {q.key: given.get(q.key) for q in applicable}
        ):
            applicable.append(question)
    return tuple(applicable)


def suggest_domain(tool_key: str, domain_key: str, answers: Mapping[str, str | None]) -> str | None:
    """Suggest a domain's judgement from its signalling-question answers.

    Parameters
    ----------
    tool_key, domain_key : str
        E.g. ``"rob2"`` and ``"D1"``.
    answers : mapping of str to str
        Question key (``"1.1"``) to answer; missing, None or empty means not
        answered. Answers are read case-insensitively.

    Returns
    -------
    str or None
        The judgement key the published algorithm reaches (``"low"``,
        ``"some_concerns"``, ``"high"`` for RoB 2). None when a question on
        the algorithm's path is unanswered or answered "NA", and for tools
        without an algorithm (RoB 1, ROBINS-I as defined here). The path
        follows the decision diagram, so an early branch can settle the
        domain before every question is answered (1.2 "N" gives high).

    Raises
    ------
    ValueError
        For an unknown tool, domain or question, or an answer the question
        does not offer (3.2 has no "NI"; only conditional questions offer "NA").

    References
    ----------
    Higgins JPT, Savović J, Page MJ, Sterne JAC (editors). Revised Cochrane
    risk-of-bias tool for randomized trials (RoB 2), full guidance, 2019:
    the decision diagrams and algorithm tables of domains 1 to 5. Each
    branch is noted in :mod:`extraction.rob.rob2`.
    """
    domain = get_tool(tool_key).domain(domain_key)
    given = _clean_answers(domain, answers)
    if domain.algorithm is None:
        return None

    def answer(key: str) -> str:
        value = given.get(key)
        if value is None or value == NOT_APPLICABLE:
            raise Unanswered(key)
        return value

    try:
        return domain.algorithm(answer)
    except Unanswered:
        return None


def suggest_overall(
    tool_key: str,
    judgements: Mapping[str, str | None],
    *,
    some_concerns_limit: int | None = None,
    key_domains: Iterable[str] | None = None,
) -> str | None:
    """Suggest the overall judgement from the domain judgements.

    Parameters
    ----------
    tool_key : str
        ``"rob2"``, ``"rob1"`` or ``"robins_i"``.
    judgements : mapping of str to str
        Domain key to judgement key or label (``"some_concerns"`` or "Some
        concerns"); missing, None or empty means not judged yet.
    some_concerns_limit : int, optional
        RoB 2 only: this many or more "some concerns" domains make the result
        high. Off by default; see :func:`extraction.rob.rob2.suggest_overall`.
    key_domains : iterable of str, optional
        RoB 1 and ROBINS-I only: the review's key domains; all by default.

    Returns
    -------
    str or None
        The judgement key, or None while a domain that matters is unjudged.

    Notes
    -----
    RoB 2: high if any domain is high, some concerns if any is, else low
    (Sterne et al. BMJ 2019). ROBINS-I: the most severe domain, with "no
    information" when nothing is serious or critical and a key domain lacks
    information (Sterne et al. BMJ 2016). RoB 1: the Cochrane Handbook 5.1
    Table 8.7.a summary over key domains.
    """
    tool = get_tool(tool_key)
    given = {
        tool.domain(key).key: tool.judgement(value).key
        for key, value in judgements.items()
        if value not in (None, "")
    }
    options: dict[str, object] = {}
    if some_concerns_limit is not None:
        if tool.key != rob2.TOOL.key:
            raise ValueError("some_concerns_limit applies to RoB 2 only")
        options["some_concerns_limit"] = some_concerns_limit
    if key_domains is not None:
        if tool.key == rob2.TOOL.key:
            raise ValueError("key_domains applies to RoB 1 and ROBINS-I only")
        options["key_domains"] = [tool.domain(key).key for key in key_domains]
    return tool.overall(given, **options)


def _clean_answers(domain: Domain, answers: Mapping[str, str | None]) -> dict[str, str]:
    cleaned = {}
    for key, value in answers.items():
        if value is None or not value.strip():
            continue
        question = domain.question(key)
        value = value.strip().upper()
        if value not in question.options:
            raise ValueError(f"{value!r} is not an answer to {key}: {'/'.join(question.options)}")
        cleaned[key] = value
    return cleaned
