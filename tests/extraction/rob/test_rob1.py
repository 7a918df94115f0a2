"""Cochrane RoB 1 (Higgins et al. BMJ 2011): the definition and the Handbook summary."""

import pytest

from extraction.rob import TOOLS, suggest_domain, suggest_overall

ALL_LOW = {f"D{n}": "low" for n in range(1, 8)}


def test_it_defines_seven_domains_judged_low_unclear_or_high():
    tool = TOOLS["rob1"]
    assert [d.name for d in tool.domains] == [
        "Random sequence generation",
        "Allocation concealment",
        "Blinding of participants and personnel",
        "Blinding of outcome assessment",
        "Incomplete outcome data",
        "Selective reporting",
        "Other bias",
    ]
    assert [j.key for j in tool.judgements] == ["low", "unclear", "high"]
    assert tool.colours["unclear"] == "#E2DF07"
    assert all(d.questions == () and d.algorithm is None for d in tool.domains)


def test_it_has_no_algorithm_to_suggest_a_domain():
    assert suggest_domain("rob1", "D1", {}) is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "low"),
        ({"D2": "unclear"}, "unclear"),
        ({"D2": "unclear", "D6": "high"}, "high"),
        ({"D7": None}, None),
        ({"D7": None, "D1": "high"}, "high"),
    ],
)
def test_it_summarises_across_domains_as_table_8_7_a(changes, expected):
    assert suggest_overall("rob1", ALL_LOW | changes) == expected


def test_it_summarises_only_the_key_domains_when_named():
    given = ALL_LOW | {"D7": "high", "D3": "unclear"}
    assert suggest_overall("rob1", given, key_domains=["D1", "D2", "D5"]) == "low"
    assert suggest_overall("rob1", given, key_domains=["D1", "D3"]) == "unclear"
