"""The engine's two kinds of "no": input it refuses, and a result it cannot give.

:class:`EngineInputError` is impossible input (300 events among 231
participants, a level of 95 given for 0.95, an unknown method): the engine
refuses it, naming the study and the field, and computes nothing.
:class:`NotEstimable` is possible input whose statistic does not exist (an
Egger test of two studies): the result says so in words and reports null.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class InputProblem:
    """One thing the engine refuses: the study (None for the method), the field, and why."""

    study: str | None
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.study}: {self.message}" if self.study else self.message


class EngineInputError(ValueError):
    """Input the engine refuses; ``problems`` lists every :class:`InputProblem`.

    The message joins them: "Smith 2010: 300 events in the experimental arm
    but only 231 participants".
    """

    def __init__(self, problems: Sequence[InputProblem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


def refuse(message: str, *, field: str, study: str | None = None) -> EngineInputError:
    """An :class:`EngineInputError` with one problem."""
    return EngineInputError([InputProblem(study, field, message)])


class NotEstimable(ValueError):
    """A statistic that does not exist for this input; the message says why."""


def too_few(k: int, needed: int) -> NotEstimable:
    """ "not estimable with k = 2 (needs at least 3 studies)"."""
    return NotEstimable(f"not estimable with k = {k} (needs at least {needed} studies)")
