"""RoB 2: each domain's suggested judgement against the published decision diagrams.

Every case names the branch of the domain's decision diagram it walks, as drawn
in Higgins et al., "Revised Cochrane risk-of-bias tool for randomized trials
(RoB 2)", full guidance, 22 August 2019 (one diagram per domain, matching the
domain's "Reaching risk-of-bias judgements" table). Between them the cases
take every branch of every diagram, and each answer group (Y/PY, N/PN,
NI) on a branch is tried with more than one member where it can be.
"""

import itertools

import pytest

from extraction.rob import TOOLS, applicable_questions, suggest_domain, suggest_overall

LOW, SOME, HIGH = "low", "some_concerns", "high"


def answers(text: str) -> dict[str, str]:
    """ "1.1=Y 1.2=PY" -> {"1.1": "Y", "1.2": "PY"}."""
    return dict(pair.split("=") for pair in text.split())


def cases(*rows):
    return [pytest.param(answers(text), expected, id=row) for row, text, expected in rows]


DOMAIN_1 = cases(
    ("1.2 N/PN -> High [N]", "1.1=Y 1.2=N 1.3=N", HIGH),
    ("1.2 N/PN -> High [PN]", "1.1=NI 1.2=PN 1.3=NI", HIGH),
    ("1.2 Y/PY, 1.1 N/PN -> Some concerns [1.3 N]", "1.1=N 1.2=Y 1.3=N", SOME),
    ("1.2 Y/PY, 1.1 N/PN -> Some concerns [1.3 PY]", "1.1=PN 1.2=PY 1.3=PY", SOME),
    ("1.2 Y/PY, 1.1 Y/PY/NI, 1.3 N/PN/NI -> Low [Y,Y,N]", "1.1=Y 1.2=Y 1.3=N", LOW),
    ("1.2 Y/PY, 1.1 Y/PY/NI, 1.3 N/PN/NI -> Low [PY,PY,PN]", "1.1=PY 1.2=PY 1.3=PN", LOW),
    ("1.2 Y/PY, 1.1 Y/PY/NI, 1.3 N/PN/NI -> Low [NI,Y,NI]", "1.1=NI 1.2=Y 1.3=NI", LOW),
    ("1.2 Y/PY, 1.1 Y/PY/NI, 1.3 Y/PY -> Some concerns [Y]", "1.1=Y 1.2=Y 1.3=Y", SOME),
    ("1.2 Y/PY, 1.1 Y/PY/NI, 1.3 Y/PY -> Some concerns [NI,PY]", "1.1=NI 1.2=PY 1.3=PY", SOME),
    ("1.2 NI, 1.3 N/PN/NI -> Some concerns [N]", "1.1=Y 1.2=NI 1.3=N", SOME),
    ("1.2 NI, 1.3 N/PN/NI -> Some concerns [NI]", "1.1=NI 1.2=NI 1.3=NI", SOME),
    ("1.2 NI, 1.3 Y/PY -> High [Y]", "1.1=Y 1.2=NI 1.3=Y", HIGH),
    ("1.2 NI, 1.3 Y/PY -> High [PY]", "1.1=PN 1.2=NI 1.3=PY", HIGH),
)

# Domain 2 has two parts: 2.1-2.5 (deviations arising from the trial context)
# and 2.6-2.7 (the analysis); the domain is low only if both parts are low
# and high if either part is high.
DOMAIN_2 = cases(
    # Part 1 branches, with part 2 low (2.6 Y/PY -> Low).
    ("P1 2.1 and 2.2 N/PN -> Low", "2.1=N 2.2=PN 2.6=Y", LOW),
    ("P1 2.1 or 2.2 Y/PY/NI, 2.3 N/PN -> Low [2.1 Y]", "2.1=Y 2.2=N 2.3=N 2.6=PY", LOW),
    ("P1 2.1 or 2.2 Y/PY/NI, 2.3 N/PN -> Low [2.2 NI]", "2.1=PN 2.2=NI 2.3=PN 2.6=Y", LOW),
    ("P1 2.3 NI -> Some concerns", "2.1=NI 2.2=N 2.3=NI 2.6=Y", SOME),
    ("P1 2.3 Y/PY, 2.4 N/PN -> Some concerns [N]", "2.1=Y 2.2=Y 2.3=Y 2.4=N 2.6=Y", SOME),
    ("P1 2.3 Y/PY, 2.4 N/PN -> Some concerns [PN]", "2.1=Y 2.2=PY 2.3=PY 2.4=PN 2.6=Y", SOME),
    ("P1 2.4 Y/PY/NI, 2.5 Y/PY -> Some concerns [Y]", "2.1=Y 2.2=Y 2.3=Y 2.4=Y 2.5=Y 2.6=Y", SOME),
    (
        "P1 2.4 Y/PY/NI, 2.5 Y/PY -> Some concerns [NI]",
        "2.1=Y 2.2=Y 2.3=Y 2.4=NI 2.5=PY 2.6=Y",
        SOME,
    ),
    ("P1 2.4 Y/PY/NI, 2.5 N/PN/NI -> High [N]", "2.1=Y 2.2=Y 2.3=Y 2.4=PY 2.5=N 2.6=Y", HIGH),
    ("P1 2.4 Y/PY/NI, 2.5 N/PN/NI -> High [PN]", "2.1=N 2.2=Y 2.3=Y 2.4=Y 2.5=PN 2.6=Y", HIGH),
    ("P1 2.4 Y/PY/NI, 2.5 N/PN/NI -> High [NI]", "2.1=Y 2.2=N 2.3=PY 2.4=NI 2.5=NI 2.6=Y", HIGH),
    # Part 2 branches, with part 1 low (2.1 and 2.2 N/PN -> Low).
    ("P2 2.6 Y/PY -> Low", "2.1=N 2.2=N 2.6=PY", LOW),
    ("P2 2.6 N/PN/NI, 2.7 N/PN -> Some concerns [N,N]", "2.1=N 2.2=N 2.6=N 2.7=N", SOME),
    ("P2 2.6 N/PN/NI, 2.7 N/PN -> Some concerns [NI,PN]", "2.1=N 2.2=N 2.6=NI 2.7=PN", SOME),
    ("P2 2.6 N/PN/NI, 2.7 Y/PY/NI -> High [PN,Y]", "2.1=N 2.2=N 2.6=PN 2.7=Y", HIGH),
    ("P2 2.6 N/PN/NI, 2.7 Y/PY/NI -> High [N,NI]", "2.1=N 2.2=N 2.6=N 2.7=NI", HIGH),
    # Combining the parts.
    ("Both parts Some concerns -> Some concerns", "2.1=Y 2.2=Y 2.3=NI 2.6=N 2.7=N", SOME),
    (
        "Part 1 High, part 2 Some concerns -> High",
        "2.1=Y 2.2=Y 2.3=Y 2.4=Y 2.5=N 2.6=N 2.7=N",
        HIGH,
    ),
    ("Part 1 Some concerns, part 2 High -> High", "2.1=Y 2.2=Y 2.3=NI 2.6=N 2.7=Y", HIGH),
    ("Part 1 High settles the domain before 2.6", "2.1=Y 2.2=Y 2.3=Y 2.4=Y 2.5=N", HIGH),
    ("Part 2 High settles the domain before 2.1", "2.6=N 2.7=Y", HIGH),
)

DOMAIN_3 = cases(
    ("3.1 Y/PY -> Low [Y]", "3.1=Y", LOW),
    ("3.1 Y/PY -> Low [PY]", "3.1=PY", LOW),
    ("3.1 N/PN/NI, 3.2 Y/PY -> Low [N,Y]", "3.1=N 3.2=Y", LOW),
    ("3.1 N/PN/NI, 3.2 Y/PY -> Low [NI,PY]", "3.1=NI 3.2=PY", LOW),
    ("3.2 N/PN, 3.3 N/PN -> Low [N,N]", "3.1=PN 3.2=N 3.3=N", LOW),
    ("3.2 N/PN, 3.3 N/PN -> Low [PN,PN]", "3.1=N 3.2=PN 3.3=PN", LOW),
    ("3.3 Y/PY/NI, 3.4 N/PN -> Some concerns [Y,N]", "3.1=N 3.2=N 3.3=Y 3.4=N", SOME),
    ("3.3 Y/PY/NI, 3.4 N/PN -> Some concerns [NI,PN]", "3.1=NI 3.2=PN 3.3=NI 3.4=PN", SOME),
    ("3.3 Y/PY/NI, 3.4 Y/PY/NI -> High [PY,Y]", "3.1=N 3.2=N 3.3=PY 3.4=Y", HIGH),
    ("3.3 Y/PY/NI, 3.4 Y/PY/NI -> High [Y,PY]", "3.1=PN 3.2=N 3.3=Y 3.4=PY", HIGH),
    ("3.3 Y/PY/NI, 3.4 Y/PY/NI -> High [NI,NI]", "3.1=N 3.2=PN 3.3=NI 3.4=NI", HIGH),
)

DOMAIN_4 = cases(
    ("4.1 Y/PY -> High [Y]", "4.1=Y 4.2=N", HIGH),
    ("4.1 Y/PY -> High [PY]", "4.1=PY 4.2=NI", HIGH),
    ("4.1 N/PN/NI, 4.2 Y/PY -> High [N,Y]", "4.1=N 4.2=Y", HIGH),
    ("4.1 N/PN/NI, 4.2 Y/PY -> High [NI,PY]", "4.1=NI 4.2=PY", HIGH),
    # 4.2 N/PN: the branch that can reach Low.
    ("4.2 N/PN, 4.3 N/PN -> Low [N]", "4.1=N 4.2=N 4.3=N", LOW),
    ("4.2 N/PN, 4.3 N/PN -> Low [PN, 4.1 NI]", "4.1=NI 4.2=PN 4.3=PN", LOW),
    ("4.2 N/PN, 4.3 Y/PY/NI, 4.4 N/PN -> Low [Y,N]", "4.1=N 4.2=N 4.3=Y 4.4=N", LOW),
    ("4.2 N/PN, 4.3 Y/PY/NI, 4.4 N/PN -> Low [NI,PN]", "4.1=PN 4.2=N 4.3=NI 4.4=PN", LOW),
    (
        "4.2 N/PN, 4.4 Y/PY/NI, 4.5 N/PN -> Some concerns [Y,N]",
        "4.1=N 4.2=N 4.3=Y 4.4=Y 4.5=N",
        SOME,
    ),
    (
        "4.2 N/PN, 4.4 Y/PY/NI, 4.5 N/PN -> Some concerns [NI,PN]",
        "4.1=N 4.2=PN 4.3=PY 4.4=NI 4.5=PN",
        SOME,
    ),
    ("4.2 N/PN, 4.4 Y/PY/NI, 4.5 Y/PY/NI -> High [Y]", "4.1=N 4.2=N 4.3=Y 4.4=Y 4.5=Y", HIGH),
    ("4.2 N/PN, 4.4 Y/PY/NI, 4.5 Y/PY/NI -> High [NI]", "4.1=N 4.2=N 4.3=Y 4.4=PY 4.5=NI", HIGH),
    # 4.2 NI: the same shape, but each Low leaf becomes Some concerns.
    ("4.2 NI, 4.3 N/PN -> Some concerns", "4.1=N 4.2=NI 4.3=N", SOME),
    ("4.2 NI, 4.3 Y/PY/NI, 4.4 N/PN -> Some concerns", "4.1=PN 4.2=NI 4.3=Y 4.4=N", SOME),
    ("4.2 NI, 4.4 Y/PY/NI, 4.5 N/PN -> Some concerns", "4.1=N 4.2=NI 4.3=NI 4.4=Y 4.5=PN", SOME),
    ("4.2 NI, 4.4 Y/PY/NI, 4.5 Y/PY/NI -> High [PY]", "4.1=N 4.2=NI 4.3=Y 4.4=NI 4.5=PY", HIGH),
    ("4.2 NI, 4.4 Y/PY/NI, 4.5 Y/PY/NI -> High [NI]", "4.1=NI 4.2=NI 4.3=Y 4.4=Y 4.5=NI", HIGH),
)

DOMAIN_5 = cases(
    ("5.1 Y/PY, 5.2 and 5.3 N/PN -> Low [Y]", "5.1=Y 5.2=N 5.3=N", LOW),
    ("5.1 Y/PY, 5.2 and 5.3 N/PN -> Low [PY]", "5.1=PY 5.2=PN 5.3=N", LOW),
    ("5.1 Y/PY, one NI and neither Y/PY -> Some concerns [5.2]", "5.1=Y 5.2=NI 5.3=N", SOME),
    ("5.1 Y/PY, one NI and neither Y/PY -> Some concerns [5.3]", "5.1=PY 5.2=PN 5.3=NI", SOME),
    ("5.1 Y/PY, either Y/PY -> High [5.2]", "5.1=Y 5.2=Y 5.3=N", HIGH),
    ("5.1 Y/PY, either Y/PY -> High [5.3 with 5.2 NI]", "5.1=Y 5.2=NI 5.3=PY", HIGH),
    ("5.1 N/PN/NI, 5.2 and 5.3 N/PN -> Some concerns [N]", "5.1=N 5.2=N 5.3=N", SOME),
    ("5.1 N/PN/NI, 5.2 and 5.3 N/PN -> Some concerns [NI]", "5.1=NI 5.2=N 5.3=PN", SOME),
    ("5.1 N/PN/NI, one NI and neither Y/PY -> Some concerns", "5.1=PN 5.2=NI 5.3=NI", SOME),
    ("5.1 N/PN/NI, either Y/PY -> High [5.2]", "5.1=N 5.2=PY 5.3=N", HIGH),
    ("5.1 N/PN/NI, either Y/PY -> High [5.3]", "5.1=NI 5.2=N 5.3=Y", HIGH),
)


@pytest.mark.parametrize(("given", "expected"), DOMAIN_1)
def test_it_follows_the_domain_1_diagram(given, expected):
    assert suggest_domain("rob2", "D1", given) == expected


@pytest.mark.parametrize(("given", "expected"), DOMAIN_2)
def test_it_follows_the_domain_2_diagram(given, expected):
    assert suggest_domain("rob2", "D2", given) == expected


@pytest.mark.parametrize(("given", "expected"), DOMAIN_3)
def test_it_follows_the_domain_3_diagram(given, expected):
    assert suggest_domain("rob2", "D3", given) == expected


@pytest.mark.parametrize(("given", "expected"), DOMAIN_4)
def test_it_follows_the_domain_4_diagram(given, expected):
    assert suggest_domain("rob2", "D4", given) == expected


@pytest.mark.parametrize(("given", "expected"), DOMAIN_5)
def test_it_follows_the_domain_5_diagram(given, expected):
    assert suggest_domain("rob2", "D5", given) == expected


def complete_answer_sets(domain):
    """Every way to answer the questions that apply, with "NA" for the rest."""
    partial = [{}]
    for question in domain.questions:
        grown = []
        for given in partial:
            asked = question.asked_if is None or question.asked_if.is_met(given)
            options = [o for o in question.options if o != "NA"] if asked else ["NA"]
            grown.extend({**given, question.key: option} for option in options)
        partial = grown
    return partial


@pytest.mark.parametrize("domain", TOOLS["rob2"].domains, ids=lambda d: d.key)
def test_it_suggests_a_judgement_for_every_complete_set_of_answers(domain):
    seen = set()
    for given in complete_answer_sets(domain):
        seen.add(suggest_domain("rob2", domain.key, given))
        assert {q.key for q in applicable_questions("rob2", domain.key, given)} == {
            key for key, value in given.items() if value != "NA"
        }
    assert seen == {LOW, SOME, HIGH}


@pytest.mark.parametrize(
    ("domain", "given"),
    [
        ("D1", "1.1=Y 1.2=Y"),
        ("D1", "1.2=NI"),
        ("D2", "2.1=Y 2.2=N 2.6=Y"),
        ("D2", "2.1=N 2.2=N"),
        ("D3", "3.1=N 3.2=N 3.3=NA"),
        ("D4", "4.1=N"),
        ("D5", "5.1=Y 5.2=N"),
    ],
)
def test_it_suggests_nothing_while_a_question_on_the_path_is_open(domain, given):
    assert suggest_domain("rob2", domain, answers(given)) is None


def test_it_settles_a_domain_as_soon_as_the_diagram_does():
    assert suggest_domain("rob2", "D1", {"1.2": "N"}) == HIGH
    assert suggest_domain("rob2", "D4", {"4.1": "Y"}) == HIGH


def test_it_reads_answers_case_insensitively_and_ignores_blanks():
    assert suggest_domain("rob2", "D1", {"1.1": "py", "1.2": " Y ", "1.3": "n"}) == LOW
    assert suggest_domain("rob2", "D3", {"3.1": "Y", "3.2": "", "3.3": None}) == LOW


@pytest.mark.parametrize(
    ("domain", "given"),
    [
        ("D3", {"3.1": "N", "3.2": "NI"}),  # 3.2 offers no "NI"
        ("D1", {"1.1": "NA"}),  # only conditional questions offer "NA"
        ("D1", {"1.1": "maybe"}),
        ("D1", {"2.1": "Y"}),
    ],
)
def test_it_rejects_answers_the_question_does_not_offer(domain, given):
    with pytest.raises(ValueError):
        suggest_domain("rob2", domain, given)


def test_it_skips_conditional_questions_whose_condition_is_unmet():
    keys = [q.key for q in applicable_questions("rob2", "D2", answers("2.1=N 2.2=PN 2.6=Y"))]
    assert keys == ["2.1", "2.2", "2.6"]
    keys = [q.key for q in applicable_questions("rob2", "D2", answers("2.1=N 2.2=NI 2.3=Y"))]
    assert keys == ["2.1", "2.2", "2.3", "2.4", "2.6"]


def test_it_ignores_a_stale_answer_to_a_skipped_question():
    # 3.1 was changed to "Y" after 3.2 and 3.3 had been answered.
    keys = [q.key for q in applicable_questions("rob2", "D3", answers("3.1=Y 3.2=N 3.3=Y"))]
    assert keys == ["3.1"]


def test_it_describes_conditions_as_the_published_forms_do():
    domain = TOOLS["rob2"].domain("D4")
    assert domain.question("4.3").asked_if.describe() == "If N/PN/NI to 4.1 and 4.2"
    assert TOOLS["rob2"].domain("D2").question("2.3").asked_if.describe() == (
        "If Y/PY/NI to 2.1 or 2.2"
    )


def test_it_defines_five_domains_and_twenty_two_questions():
    tool = TOOLS["rob2"]
    assert [d.key for d in tool.domains] == ["D1", "D2", "D3", "D4", "D5"]
    assert [len(d.questions) for d in tool.domains] == [3, 7, 4, 5, 3]
    assert [j.key for j in tool.judgements] == [LOW, SOME, HIGH]
    assert tool.colours == {LOW: "#02C100", SOME: "#E2DF07", HIGH: "#BF0000"}


ALL_LOW = {"D1": LOW, "D2": LOW, "D3": LOW, "D4": LOW, "D5": LOW}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, LOW),  # low in every domain -> low
        ({"D3": SOME}, SOME),  # some concerns in one, none high -> some concerns
        ({"D1": SOME, "D2": SOME, "D5": SOME}, SOME),  # several, by default still
        ({"D4": HIGH}, HIGH),  # high in any domain -> high
        ({"D2": HIGH, "D3": SOME}, HIGH),
        ({"D5": None}, None),  # a domain not judged yet
        ({"D1": HIGH, "D5": None}, HIGH),  # ... unless another is already high
    ],
)
def test_it_suggests_the_overall_judgement(changes, expected):
    assert suggest_overall("rob2", ALL_LOW | changes) == expected


def test_it_can_count_several_some_concerns_as_high():
    several = ALL_LOW | {"D1": SOME, "D3": SOME}
    assert suggest_overall("rob2", several, some_concerns_limit=2) == HIGH
    assert suggest_overall("rob2", several, some_concerns_limit=3) == SOME
    with pytest.raises(ValueError):
        suggest_overall("rob2", several, some_concerns_limit=1)


def test_it_accepts_judgement_labels():
    assert suggest_overall("rob2", ALL_LOW | {"D2": "Some concerns"}) == SOME


def test_every_combination_of_domain_judgements_follows_the_overall_rule():
    for values in itertools.product([LOW, SOME, HIGH], repeat=5):
        expected = HIGH if HIGH in values else SOME if SOME in values else LOW
        given = dict(zip(["D1", "D2", "D3", "D4", "D5"], values, strict=True))
        assert suggest_overall("rob2", given) == expected
