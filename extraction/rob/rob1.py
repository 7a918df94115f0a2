"""Cochrane RoB 1: the original Cochrane risk-of-bias tool for randomised trials.

Seven domains judged low, unclear or high risk from support text alone; the tool
has no signalling questions and no algorithm for the domains.

References
----------
Higgins JPT, Altman DG, Gøtzsche PC, et al. The Cochrane Collaboration's tool
for assessing risk of bias in randomised trials. BMJ 2011;343:d5928.

Higgins JPT, Green S (editors). Cochrane Handbook for Systematic Reviews of
Interventions, version 5.1.0, 2011, section 8.7 and Table 8.7.a.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from extraction.rob.tool import Domain, Judgement, Tool

LOW = "low"
UNCLEAR = "unclear"
HIGH = "high"

DOMAINS = (
    Domain("D1", "Random sequence generation"),
    Domain("D2", "Allocation concealment"),
    Domain("D3", "Blinding of participants and personnel"),
    Domain("D4", "Blinding of outcome assessment"),
    Domain("D5", "Incomplete outcome data"),
    Domain("D6", "Selective reporting"),
    Domain("D7", "Other bias"),
)


def suggest_overall(
    judgements: Mapping[str, str], *, key_domains: Iterable[str] | None = None
) -> str | None:
    """Summarise RoB 1 judgements across the key domains of an outcome.

    Parameters
    ----------
    judgements : mapping of str to str
        Domain key (``"D1"`` .. ``"D7"``) to ``"low"``, ``"unclear"`` or ``"high"``.
    key_domains : iterable of str, optional
        The domains the review names as key in its protocol; all seven when
        omitted. Other domains do not enter the summary.

    Returns
    -------
    str or None
        ``"high"`` if any key domain is high, else ``"unclear"`` if any is
        unclear, else ``"low"``. None while a key domain has no judgement
        (unless one is already high).

    Notes
    -----
    RoB 1 itself has no overall judgement; this is the summary across
    domains of the Cochrane Handbook 5.1, Table 8.7.a.
    """
    keys = list(key_domains) if key_domains is not None else [d.key for d in DOMAINS]
    values = [judgements.get(key) for key in keys]
    if HIGH in values:
        return HIGH
    if None in values:
        return None
    return UNCLEAR if UNCLEAR in values else LOW


TOOL = Tool(
    key="rob1",
    name="Cochrane RoB 1",
    domains=DOMAINS,
    judgements=(
        Judgement(LOW, "Low", "#02C100", "+"),
        Judgement(UNCLEAR, "Unclear", "#E2DF07", "?"),
        Judgement(HIGH, "High", "#BF0000", "×"),
    ),
    overall=suggest_overall,
    reference="Higgins JPT, Altman DG, Gøtzsche PC, et al. BMJ 2011;343:d5928",
    high_risk=frozenset({HIGH}),
    any_high_domain=True,
)
