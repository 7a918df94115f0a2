"""The shape of a risk-of-bias tool: judgements, domains and signalling questions.

Every tool (RoB 2, RoB 1, ROBINS-I) is an instance of :class:`Tool` built from
these frozen dataclasses, so a form, a page, a test and a plot all read the same
definition. Answers and judgements are plain strings (keys such as ``"PY"`` and
``"some_concerns"``) so they store in a database column as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

YES = "Y"
PROBABLY_YES = "PY"
PROBABLY_NO = "PN"
NO = "N"
NO_INFORMATION = "NI"
NOT_APPLICABLE = "NA"

ANSWER_LABELS: Mapping[str, str] = {
    YES: "Yes",
    PROBABLY_YES: "Probably yes",
    PROBABLY_NO: "Probably no",
    NO: "No",
    NO_INFORMATION: "No information",
    NOT_APPLICABLE: "Not applicable",
}

#: The options of a question that is always asked.
ANSWERS = (YES, PROBABLY_YES, PROBABLY_NO, NO, NO_INFORMATION)


class Unanswered(Exception):
    """A question the algorithm needs has no usable answer yet."""


@dataclass(frozen=True)
class AskedIf:
    """The condition under which a signalling question is asked.

    Attributes
    ----------
    questions : tuple of str
        Ids of the earlier questions the condition reads, e.g. ``("2.1", "2.2")``.
    answers : frozenset of str
        The answers to those questions that make this question apply.
    require_all : bool
        False: any one of ``questions`` answered with one of ``answers`` is
        enough ("If Y/PY/NI to 2.1 or 2.2"). True: every one must be
        ("If N/PN/NI to 4.1 and 4.2").
    """

    questions: tuple[str, ...]
    answers: frozenset[str]
    require_all: bool = False

    def is_met(self, answers: Mapping[str, str]) -> bool:
        hits = (answers.get(question) in self.answers for question in self.questions)
        return all(hits) if self.require_all else any(hits)

    def describe(self) -> str:
        """Say the condition the way the RoB 2 forms print it: "If Y/PY to 2.3"."""
        order = (YES, PROBABLY_YES, NO, PROBABLY_NO, NO_INFORMATION)
        options = "/".join(answer for answer in order if answer in self.answers)
        joiner = " and " if self.require_all else " or "
        return f"If {options} to {joiner.join(self.questions)}"


@dataclass(frozen=True)
class Question:
    """One signalling question.

    Attributes
    ----------
    key : str
        The number used in the published tool, e.g. ``"1.2"``.
    text : str
        The question, paraphrased from the published tool.
    options : tuple of str
        The answers offered; a conditional question also offers ``"NA"``.
    asked_if : AskedIf or None
        None when the question is always asked.
    """

    key: str
    text: str
    options: tuple[str, ...] = ANSWERS
    asked_if: AskedIf | None = None


@dataclass(frozen=True)
class Domain:
    """A risk-of-bias domain.

    Attributes
    ----------
    key : str
        ``"D1"``, ``"D2"``, ... as in robvis and the published figures.
    name : str
        The domain's name, e.g. "Bias arising from the randomisation process".
    questions : tuple of Question
        Signalling questions in the published order; empty when the tool
        version here carries none (RoB 1, ROBINS-I).
    algorithm : callable or None
        ``algorithm(answer)`` returns the suggested judgement key, where
        ``answer(question_key)`` returns the answer or raises
        :class:`Unanswered`. None when the tool has no algorithm.
    """

    key: str
    name: str
    questions: tuple[Question, ...] = ()
    algorithm: Callable[[Callable[[str], str]], str] | None = None

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise ValueError(f"{self.key} has no signalling question {key!r}")


@dataclass(frozen=True)
class Judgement:
    """One level of a tool's judgement scale.

    Attributes
    ----------
    key : str
        Stored value, e.g. ``"some_concerns"``.
    label : str
        Shown to people, e.g. "Some concerns".
    colour : str
        Hex colour used by robvis for this level.
    symbol : str
        The symbol robvis draws in the traffic-light circle.
    """

    key: str
    label: str
    colour: str
    symbol: str


@dataclass(frozen=True)
class Tool:
    """A risk-of-bias tool.

    Attributes
    ----------
    key : str
        ``"rob2"``, ``"rob1"`` or ``"robins_i"``.
    name : str
        Full name, shown in pages and figure captions.
    domains : tuple of Domain
        In the published order.
    judgements : tuple of Judgement
        From least to most severe; ROBINS-I's "no information" comes last.
    overall : callable
        ``overall(judgements, **options)``: the tool's rule for the overall
        judgement; call it through :func:`extraction.rob.suggest_overall`.
    reference : str
        The publication the definition follows.
    per_outcome : bool
        Whether the tool judges a result, so an assessment is of a study and
        an outcome (RoB 2), rather than of a study (RoB 1, ROBINS-I, where an
        outcome is optional).
    high_risk : frozenset of str
        The overall judgements that count as high risk of bias: the studies
        the robustness panel leaves out.
    any_high_domain : bool
        Whether a domain judged at the most severe level makes the study high
        risk whatever its overall judgement says (RoB 1, every domain key).
    """

    key: str
    name: str
    domains: tuple[Domain, ...]
    judgements: tuple[Judgement, ...]
    overall: Callable[..., str | None]
    reference: str
    per_outcome: bool = False
    high_risk: frozenset[str] = frozenset()
    any_high_domain: bool = False

    @property
    def colours(self) -> dict[str, str]:
        """Judgement key to robvis colour."""
        return {judgement.key: judgement.colour for judgement in self.judgements}

    def domain(self, key: str) -> Domain:
        for domain in self.domains:
            if domain.key == key:
                return domain
        raise ValueError(f"{self.name} has no domain {key!r}")

    def high_risk_judgement(
        self, judgements: Mapping[str, str], overall: str | None
    ) -> Judgement | None:
        """The judgement that puts a study at high risk, or None when it is not.

        ``overall`` is the assessor's overall judgement; when blank, the
        tool's rule suggests it from the domain ``judgements``.
        """
        overall = overall or self.overall(dict(judgements))
        if self.any_high_domain and any(v in self.high_risk for v in judgements.values()):
            overall = next(v for v in judgements.values() if v in self.high_risk)
        return self.judgement(overall) if overall in self.high_risk else None

    def judgement(self, value: str) -> Judgement:
        """Find a judgement by key or label, ignoring case ("Some concerns" works)."""
        wanted = value.strip().casefold().replace(" ", "_")
        for judgement in self.judgements:
            if wanted in (judgement.key, judgement.label.casefold().replace(" ", "_")):
                return judgement
        raise ValueError(f"{value!r} is not a {self.name} judgement")
