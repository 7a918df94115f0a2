"""ROBINS-I: risk of bias in non-randomised studies of interventions.

Seven domains judged low, moderate, serious or critical risk, or no
information. The signalling questions are not carried here; the assessor
judges each domain directly.

References
----------
Sterne JAC, Hernán MA, Reeves BC, et al. ROBINS-I: a tool for assessing risk of
bias in non-randomised studies of interventions. BMJ 2016;355:i4919.

Sterne JAC, Higgins JPT, Elbers RG, Reeves BC and the development group for
ROBINS-I. Risk Of Bias In Non-randomized Studies of Interventions (ROBINS-I):
detailed guidance, updated 12 October 2016, Table 2 (overall judgement).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from extraction.rob.tool import Domain, Judgement, Tool

LOW = "low"
MODERATE = "moderate"
SERIOUS = "serious"
CRITICAL = "critical"
NO_INFORMATION = "no_information"

DOMAINS = (
    Domain("D1", "Bias due to confounding"),
    Domain("D2", "Bias due to selection of participants"),
    Domain("D3", "Bias in classification of interventions"),
    Domain("D4", "Bias due to deviations from intended interventions"),
    Domain("D5", "Bias due to missing data"),
    Domain("D6", "Bias in measurement of outcomes"),
    Domain("D7", "Bias in selection of the reported result"),
)

_SEVERITY = (LOW, MODERATE, SERIOUS, CRITICAL)


def suggest_overall(
    judgements: Mapping[str, str], *, key_domains: Iterable[str] | None = None
) -> str | None:
    """Suggest the overall ROBINS-I judgement: the most severe domain judgement.

    Parameters
    ----------
    judgements : mapping of str to str
        Domain key (``"D1"`` .. ``"D7"``) to judgement key.
    key_domains : iterable of str, optional
        The domains whose lack of information makes the overall judgement
        "no information"; all seven when omitted.

    Returns
    -------
    str or None
        In this order: ``"critical"`` if any domain is critical;
        ``"serious"`` if any is serious; ``"no_information"`` if any key
        domain has no information; otherwise the most severe of the
        remaining domains (``"moderate"`` or ``"low"``). None while a
        domain has no judgement, unless one is already critical.

    Notes
    -----
    The guidance gives "no information" overall when there is no clear
    indication of serious or critical risk and information is lacking in one
    or more key domains, and leaves which domains are key to the review team.
    No information in a domain that is not key is left out of the overall
    judgement here; the assessor can still override the suggestion.
    """
    keys = set(key_domains) if key_domains is not None else {d.key for d in DOMAINS}
    values = [judgements.get(domain.key) for domain in DOMAINS]
    if CRITICAL in values:
        return CRITICAL
    if None in values:
        return None
    if SERIOUS in values:
        return SERIOUS
    if any(judgements[key] == NO_INFORMATION for key in keys):
        return NO_INFORMATION
    judged = [value for value in values if value != NO_INFORMATION]
    return max(judged, key=_SEVERITY.index, default=NO_INFORMATION)


TOOL = Tool(
    key="robins_i",
    name="ROBINS-I",
    domains=DOMAINS,
    judgements=(
        Judgement(LOW, "Low", "#02C100", "+"),
        Judgement(MODERATE, "Moderate", "#E2DF07", "−"),
        Judgement(SERIOUS, "Serious", "#BF0000", "×"),
        Judgement(CRITICAL, "Critical", "#820000", "!"),
        Judgement(NO_INFORMATION, "No information", "#4EA1F7", "?"),
    ),
    overall=suggest_overall,
    reference="Sterne JAC, Hernán MA, Reeves BC, et al. BMJ 2016;355:i4919",
    high_risk=frozenset({SERIOUS, CRITICAL}),
)
