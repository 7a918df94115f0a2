"""Replay a labelled screening data set through the ranking and the stopping rule.

One reviewer screens the records in prioritised order, learning from every
decision on the app's retraining schedule. When the last ``quiet window``
records held no inclusion, the lead starts a stopping check: a random sample of
the unscreened records is screened until the hypergeometric test says stop.
The prioritised screening carries on past that point (on its own, to find
where the last relevant record comes), so one run gives both the recall curve
and where the stopping rule would have stopped.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .model import ModelSettings, build_features, fit_scores, rank_order
from .schedule import RetrainSchedule
from .stopping import sample_size, sequential_p


@dataclass(frozen=True)
class StoppingPolicy:
    """When the lead starts a stopping check, and the test's target and confidence."""

    recall_target: float = 0.95
    confidence: float = 0.95
    quiet_fraction: float = 0.05
    quiet_min: int = 50

    def quiet_window(self, records: int) -> int:
        """Records in a row without an inclusion after which a check is worth starting."""
        return max(self.quiet_min, math.ceil(self.quiet_fraction * records))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CheckOutcome:
    """Where a stopping check started and where its test said stop."""

    started_at: int
    relevant_before: int
    planned_sample: int
    sample_screened: int
    sample_relevant: int
    p: float
    stopped: bool


@dataclass(frozen=True)
class SimulationResult:
    """A simulated review: the screening order and what it saved."""

    n: int
    relevant: int
    order: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    fits: int
    check: CheckOutcome | None
    wall_s: float

    @property
    def found(self) -> np.ndarray:
        """Relevant records found after each record screened (prioritised order)."""
        return np.cumsum(self.labels[self.order])

    def screened_for(self, recall: float) -> int:
        """Records screened, in prioritised order, to reach ``recall``."""
        needed = math.ceil(recall * self.relevant - 1e-9)
        return int(np.searchsorted(self.found, needed) + 1) if needed else 0

    def recall_at(self, fraction: float) -> float:
        screened = min(math.floor(fraction * self.n), len(self.order))
        return float(self.found[screened - 1] / self.relevant) if screened else 0.0

    @property
    def wss95(self) -> float:
        """Work saved over sampling at 95% recall (Cohen et al. 2006), as a fraction."""
        return (1 - self.screened_for(0.95) / self.n) - 0.05

    @property
    def screened_all(self) -> int:
        return self.screened_for(1.0)

    @property
    def stop_screened(self) -> int:
        if self.check is None or not self.check.stopped:
            return self.n
        return self.check.started_at + self.check.sample_screened

    @property
    def stop_recall(self) -> float:
        if self.check is None or not self.check.stopped:
            return 1.0
        return (self.check.relevant_before + self.check.sample_relevant) / self.relevant

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "relevant": self.relevant,
            "wss95": round(self.wss95, 4),
            "recall10": round(self.recall_at(0.10), 4),
            "recall25": round(self.recall_at(0.25), 4),
            "recall50": round(self.recall_at(0.50), 4),
            "screened_all": self.screened_all,
            "stop_screened": self.stop_screened,
            "stop_recall": round(self.stop_recall, 4),
            "fits": self.fits,
            "wall_s": round(self.wall_s, 3),
        }


def simulate(
    texts: list[str],
    labels,
    *,
    seed: int = 0,
    prior_included: int = 1,
    prior_excluded: int = 1,
    settings: ModelSettings | None = None,
    schedule: RetrainSchedule | None = None,
    policy: StoppingPolicy | None = None,
) -> SimulationResult:
    """Screen ``texts`` in prioritised order with the true ``labels`` as the reviewer's decisions.

    Parameters
    ----------
    texts : list of str
        One text per record (title and abstract).
    labels : sequence of {0, 1}
        The review's final verdicts, 1 = included.
    seed : int
        Seeds the choice of prior records, the review's order before the model
        can rank, and the stopping check's random sample.
    prior_included, prior_excluded : int
        Records of each kind decided first, drawn at random (as in ASReview's
        simulations): the model ranks once both kinds exist.
    settings, schedule, policy
        The ranking model, the retraining schedule and the stopping check
        (the app's defaults when None).

    Returns
    -------
    SimulationResult
        The prioritised order, the number of fits and the stopping check.

    Notes
    -----
    The stopping rule is Callaghan & Müller-Hansen (2020)'s hypergeometric test
    on a random sample (:mod:`screening.prioritisation.stopping`).
    """
    started = time.perf_counter()
    settings, schedule = settings or ModelSettings(), schedule or RetrainSchedule()
    policy = policy or StoppingPolicy()
    labels = _checked_labels(labels, len(texts), prior_included, prior_excluded)
    features = build_features(texts, settings)
    screener = _Screener(labels, prior_rows(labels, seed, prior_included, prior_excluded))
    rng = np.random.default_rng([seed, 1])
    fits, check = 0, None
    screener.follow(rng.permutation(len(labels)))  # the review's order, until the model can rank
    learnt = -1
    while not screener.done(check):
        if screener.can_learn() and (
            learnt < 0 or schedule.due(learnt=learnt, decided=screener.count)
        ):
            fit = fit_scores(features, screener.rows(), screener.verdicts(), settings)
            screener.follow(rank_order(fit.scores))
            learnt, fits = screener.count, fits + 1
        screener.take_next()
        if check is None and screener.quiet_for(policy.quiet_window(len(labels))):
            check = _run_check(labels, screener, policy, rng)
    return SimulationResult(
        n=len(labels),
        relevant=int(labels.sum()),
        order=np.array(screener.order),
        labels=labels,
        fits=fits,
        check=check,
        wall_s=time.perf_counter() - started,
    )


class _Screener:
    """The records screened so far, in order; takes the next one from a ranking."""

    def __init__(self, labels: np.ndarray, priors: list[int]):
        self.labels = labels
        self.order: list[int] = list(priors)
        self.seen = np.zeros(len(labels), dtype=bool)
        self.seen[priors] = True
        self.found = int(labels[priors].sum())
        self.since_relevant = 0
        self.ranking = np.arange(len(labels))
        self.position = 0

    @property
    def count(self) -> int:
        return len(self.order)

    def rows(self) -> np.ndarray:
        return np.array(self.order)

    def verdicts(self) -> np.ndarray:
        return self.labels[self.order]

    def can_learn(self) -> bool:
        return 0 < self.found < self.count

    def follow(self, ranking: np.ndarray) -> None:
        self.ranking, self.position = ranking, 0

    def take_next(self) -> None:
        while self.seen[self.ranking[self.position]]:
            self.position += 1
        row = int(self.ranking[self.position])
        self.order.append(row)
        self.seen[row] = True
        relevant = bool(self.labels[row])
        self.found += relevant
        self.since_relevant = 0 if relevant else self.since_relevant + 1

    def quiet_for(self, window: int) -> bool:
        return self.since_relevant >= window

    def done(self, check) -> bool:
        if self.count == len(self.labels):
            return True
        return check is not None and self.found == int(self.labels.sum())


def _run_check(labels, screener: _Screener, policy: StoppingPolicy, rng) -> CheckOutcome:
    """Draw the check's random sample from the unscreened records and screen it until the test stops."""
    unscreened = np.flatnonzero(~screener.seen)
    sample = rng.permutation(unscreened)
    p = sequential_p(
        urn=len(unscreened),
        relevant_before=screener.found,
        sample_labels=labels[sample],
        recall_target=policy.recall_target,
    )
    below = np.flatnonzero(p < 1 - policy.confidence)
    screened = int(below[0]) + 1 if below.size else len(sample)
    return CheckOutcome(
        started_at=screener.count,
        relevant_before=screener.found,
        planned_sample=sample_size(
            urn=len(unscreened),
            relevant_before=screener.found,
            recall_target=policy.recall_target,
            confidence=policy.confidence,
        ),
        sample_screened=screened,
        sample_relevant=int(labels[sample[:screened]].sum()),
        p=float(p[screened - 1]) if len(p) else 1.0,
        stopped=bool(below.size),
    )


def prior_rows(labels, seed: int, included: int, excluded: int) -> list[int]:
    """The rows decided first: ``included`` relevant and ``excluded`` irrelevant ones, drawn by ``seed``."""
    labels = np.asarray(labels)
    rng = np.random.default_rng([seed, 0])
    relevant, irrelevant = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    chosen = [*rng.choice(relevant, included, replace=False)]
    chosen += [*rng.choice(irrelevant, excluded, replace=False)]
    return [int(row) for row in chosen]


def _checked_labels(labels, n: int, included: int, excluded: int) -> np.ndarray:
    labels = np.asarray(labels, dtype=np.int8)
    if len(labels) != n:
        raise ValueError(f"{n} records but {len(labels)} labels.")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("Labels must be 0 (excluded) or 1 (included).")
    relevant = int(labels.sum())
    if relevant == 0:
        raise ValueError("The data set has no included record: there is nothing to find.")
    if included > relevant or excluded > n - relevant:
        raise ValueError(
            f"Asked for {included} prior inclusions and {excluded} prior exclusions, "
            f"but the data set has {relevant} and {n - relevant}."
        )
    return labels
