"""ROBINS-I (Sterne et al. BMJ 2016): the definition and the overall rule."""

import pytest

from extraction.rob import TOOLS, suggest_overall

ALL_LOW = {f"D{n}": "low" for n in range(1, 8)}


def test_it_defines_seven_domains_and_five_judgements():
    tool = TOOLS["robins_i"]
    assert len(tool.domains) == 7
    assert tool.domains[0].name == "Bias due to confounding"
    assert tool.domains[-1].name == "Bias in selection of the reported result"
    assert [j.key for j in tool.judgements] == [
        "low",
        "moderate",
        "serious",
        "critical",
        "no_information",
    ]
    assert tool.colours["critical"] == "#820000"
    assert tool.colours["no_information"] == "#4EA1F7"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "low"),  # low in all domains
        ({"D1": "moderate"}, "moderate"),  # low or moderate in all domains
        ({"D1": "moderate", "D5": "serious"}, "serious"),  # serious in one, none critical
        ({"D5": "serious", "D6": "critical"}, "critical"),  # critical in at least one
        ({"D1": "moderate", "D5": "no_information"}, "no_information"),  # NI, nothing serious
        ({"D5": "no_information", "D6": "serious"}, "serious"),  # serious outweighs NI
        ({"D2": "no_information", "D3": "critical"}, "critical"),
        ({"D7": None}, None),  # not judged yet
        ({"D7": None, "D1": "serious"}, None),  # D7 could still be critical
        ({"D7": None, "D1": "critical"}, "critical"),
    ],
)
def test_it_takes_the_most_severe_domain(changes, expected):
    assert suggest_overall("robins_i", ALL_LOW | changes) == expected


def test_it_leaves_out_no_information_in_a_domain_that_is_not_key():
    given = ALL_LOW | {"D1": "moderate", "D7": "no_information"}
    keys = ["D1", "D2", "D3", "D4", "D5", "D6"]
    assert suggest_overall("robins_i", given, key_domains=keys) == "moderate"
    assert suggest_overall("robins_i", given) == "no_information"


def test_it_accepts_labels():
    assert suggest_overall("robins_i", ALL_LOW | {"D4": "No information"}) == "no_information"
