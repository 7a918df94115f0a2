"""Pure meta-analysis engine on numpy/scipy (no Django), following metafor's split of verbs.

The public entry is :func:`analyse`: typed studies (:class:`Study`, built
with :func:`study` or :func:`studies_from_rows`) and a frozen
:class:`Method` in, a frozen :class:`Result` out (``to_dict()``,
``to_frame()``). Impossible input raises :class:`EngineInputError`, naming
the study and the field.

Inside, ``effects`` computes study effect sizes (escalc), ``pooling`` and
``mantel_haenszel`` pool them (inverse variance, Mantel-Haenszel, Peto; DL,
REML, PM; HKSJ), ``tau2`` holds the between-study variance estimators,
``subgroups`` and ``small_study`` the analyses built on a fit, and
``analysis`` puts them together. The measures come from the registry
``extraction.outcomes.measures``. ``python -m synthesis.stats.conformance
CASES.json`` checks the engine against metafor.

Where the engine differs from metafor 3.8 on purpose
----------------------------------------------------
- Trim-and-fill's trimmed and filled fits keep the fit's HKSJ interval and
  level; metafor's ``trimfill`` refit silently drops both.
- A fit of one study (a leave-one-out fit of two studies, say) has no
  heterogeneity: Q, its p, I², H² and τ² are null, where metafor reports
  Q = 0 and p = 1.
- An undefined estimate (a Mantel-Haenszel sum of zero) is null with the
  reason in words, as metafor's NA; the test for subgroup differences then
  uses the subgroups that are estimable.
"""

from .analysis import analyse
from .errors import EngineInputError, InputProblem, NotEstimable
from .inputs import LeftOut, Study, studies_from_rows, study
from .method import Method, ZeroCells
from .results import Fit, LeaveOneOut, Result, SmallStudy, StudyResult, SubgroupResult

__all__ = [
    "EngineInputError",
    "Fit",
    "InputProblem",
    "LeaveOneOut",
    "LeftOut",
    "Method",
    "NotEstimable",
    "Result",
    "SmallStudy",
    "Study",
    "StudyResult",
    "SubgroupResult",
    "ZeroCells",
    "analyse",
    "studies_from_rows",
    "study",
]
