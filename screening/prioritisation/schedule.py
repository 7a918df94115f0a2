"""When to retrain: after every N new decisions, N growing with the review."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RetrainSchedule:
    """Retrain after ``every`` new decisions, or ``growth`` times those already learnt from.

    Early decisions move the ranking most, so the first retrainings come often;
    later ones add a little to thousands, so waiting for a share of them costs
    little ranking and saves most of the fits (a log-many schedule instead of
    one fit per decision).
    """

    every: int = 1
    growth: float = 0.05

    def __post_init__(self):
        if self.every < 1:
            raise ValueError("Retrain after at least one new decision.")
        if self.growth < 0:
            raise ValueError("The growth of the retraining interval cannot be negative.")

    def step(self, learnt: int) -> int:
        """New decisions needed before the next retraining, after one that learnt from ``learnt``."""
        return max(self.every, math.ceil(self.growth * learnt))

    def due(self, *, learnt: int, decided: int) -> bool:
        """Whether ``decided`` decisions call for a retraining after one that learnt from ``learnt``."""
        return decided - learnt >= self.step(learnt)

    def to_dict(self) -> dict:
        return asdict(self)
