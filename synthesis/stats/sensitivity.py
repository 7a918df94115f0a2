"""Leave-one-out sensitivity analysis."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from synthesis.stats.pooling import MetaAnalysis

Study = TypeVar("Study")


def leave_one_out(
    analyse: Callable[[list[Study]], MetaAnalysis],
    studies: Sequence[Study],
    *,
    label: Callable[[Study], str] = lambda s: s["label"],
) -> Iterator[tuple[str, MetaAnalysis]]:
    """Refit ``analyse`` once without each study, in order.

    Parameters
    ----------
    analyse : callable
        Runs the full analysis (same pooling, model and τ² estimator) on a
        list of studies, as metafor's ``leave1out`` refits the model.
    studies : sequence
        The study inputs.

    Yields
    ------
    (label, MetaAnalysis)
        The omitted study's label and the fit without it (analysis scale).
    """
    for i, study in enumerate(studies):
        yield label(study), analyse([s for j, s in enumerate(studies) if j != i])
