"""Saving risk-of-bias assessments: validation against the tool, overrides, consensus, history."""

import pytest
from django.core.exceptions import ValidationError

from extraction.models import Comparison, Outcome, RobAssessment, Study
from extraction.services import rob as services

LOW_D1 = {"1.1": "Y", "1.2": "Y", "1.3": "N"}


@pytest.fixture
def study(cast):
    return Study.objects.create(review=cast.review, name="Sigtermans 2009")


@pytest.fixture
def outcome(cast):
    comparison = Comparison.objects.create(review=cast.review, name="IV ketamine vs placebo")
    return Outcome.objects.create(
        comparison=comparison, name="Pain", data_type="continuous", measure="MD"
    )


def save(study, outcome, assessor, **kwargs):
    values = {"answers": {}, "judgements": {}, "support": {}, "overall": "", "tool": "rob2"}
    return services.rob_save(study=study, outcome=outcome, assessor=assessor, **values | kwargs)


def messages(error: ValidationError) -> list[str]:
    return error.value.messages


def test_it_saves_answers_judgements_and_support(cast, study, outcome):
    saved = save(
        study,
        outcome,
        cast.reviewer1,
        answers=LOW_D1,
        judgements={"D1": "low"},
        support={"D1": "Computer-generated list, central allocation."},
    )
    assert saved.answers == LOW_D1
    assert saved.judgements == {"D1": "low"}
    assert saved.support == {"D1": "Computer-generated list, central allocation."}
    assert saved.consensus is False


def test_saving_again_updates_the_same_row_and_keeps_each_version(cast, study, outcome):
    save(study, outcome, cast.reviewer1, answers=LOW_D1)
    saved = save(study, outcome, cast.reviewer1, answers=LOW_D1, judgements={"D1": "low"})
    assert RobAssessment.objects.count() == 1
    versions = saved.history.order_by("history_date")
    assert [v.judgements for v in versions] == [{}, {"D1": "low"}]
    assert {v.history_user for v in versions} == {cast.reviewer1}


def test_labels_and_case_are_accepted_and_stored_as_keys(cast, study, outcome):
    saved = save(
        study, outcome, cast.reviewer1, answers={"1.1": "py"}, judgements={"D1": "Some concerns"}
    )
    assert saved.answers == {"1.1": "PY"}
    assert saved.judgements == {"D1": "some_concerns"}


def test_it_refuses_an_unknown_domain(cast, study, outcome):
    with pytest.raises(ValidationError) as error:
        save(study, outcome, cast.reviewer1, judgements={"D6": "low"})
    assert messages(error) == ["RoB 2 has no domain “D6”."]


def test_it_refuses_a_judgement_of_another_tool(cast, study, outcome):
    with pytest.raises(ValidationError) as error:
        save(study, outcome, cast.reviewer1, judgements={"D2": "unclear"})
    assert error.value.message_dict == {
        "D2": ["“unclear” is not a RoB 2 judgement (choose low, some concerns, high)."]
    }


def test_it_refuses_unknown_questions_and_answers(cast, study, outcome):
    with pytest.raises(ValidationError) as error:
        save(study, outcome, cast.reviewer1, answers={"9.9": "Y", "3.2": "NI", "1.1": "maybe"})
    assert error.value.message_dict["answers"] == [
        "RoB 2 has no signalling question “9.9”.",
        "“NI” is not an answer to question 3.2 (choose NA/Y/PY/PN/N).",
        "“MAYBE” is not an answer to question 1.1 (choose Y/PY/PN/N/NI).",
    ]
    assert not RobAssessment.objects.exists()


def test_answers_to_questions_that_do_not_apply_are_dropped(cast, study, outcome):
    # 2.3 is asked only if participants or carers were aware (2.1 or 2.2 Y/PY/NI).
    saved = save(study, outcome, cast.reviewer1, answers={"2.1": "N", "2.2": "N", "2.3": "Y"})
    assert saved.answers == {"2.1": "N", "2.2": "N"}


def test_overriding_the_suggestion_needs_a_support_text(cast, study, outcome):
    with pytest.raises(ValidationError) as error:
        save(study, outcome, cast.reviewer1, answers=LOW_D1, judgements={"D1": "high"})
    assert error.value.message_dict == {
        "D1": [
            "The judgement of D1 (High) differs from the suggested low: say why in the support text."
        ]
    }
    saved = save(
        study,
        outcome,
        cast.reviewer1,
        answers=LOW_D1,
        judgements={"D1": "high"},
        support={"D1": "Baseline pain differed by 2 points; the sequence was probably subverted."},
    )
    assert saved.judgements == {"D1": "high"}


def test_overriding_the_overall_rule_needs_a_support_text(cast, study, outcome):
    judged = {"D1": "low", "D2": "low", "D3": "high", "D4": "low", "D5": "low"}
    with pytest.raises(ValidationError) as error:
        save(study, outcome, cast.reviewer1, judgements=judged, overall="some_concerns")
    assert "overall" in error.value.message_dict
    saved = save(
        study,
        outcome,
        cast.reviewer1,
        judgements=judged,
        overall="some_concerns",
        support={"overall": "Missing data in 3% only; unlikely to matter."},
    )
    assert saved.overall == "some_concerns"


def test_rob2_needs_an_outcome_and_rob1_does_not(cast, study):
    with pytest.raises(ValidationError) as error:
        save(study, None, cast.reviewer1, judgements={"D1": "low"})
    assert messages(error) == ["RoB 2 judges a result: choose the outcome it is about."]
    services.rob_tools_update(review=cast.review, tools=["rob2", "rob1"])
    saved = save(study, None, cast.reviewer1, tool="rob1", judgements={"D7": "unclear"})
    assert saved.outcome is None and saved.judgements == {"D7": "unclear"}


def test_rob1_has_no_signalling_questions(cast, study):
    services.rob_tools_update(review=cast.review, tools=["rob1"])
    with pytest.raises(ValidationError) as error:
        save(study, None, cast.reviewer1, tool="rob1", answers={"1.1": "Y"})
    assert error.value.message_dict["answers"] == [
        "Cochrane RoB 1 has no signalling questions; judge each domain directly."
    ]


def test_a_tool_the_review_does_not_use_is_refused(cast, study):
    with pytest.raises(ValidationError) as error:
        save(study, None, cast.reviewer1, tool="robins_i", judgements={"D1": "low"})
    assert "does not use ROBINS-I" in messages(error)[0]


def test_an_outcome_of_another_review_is_refused(cast, study, other_review):
    comparison = Comparison.objects.create(review=other_review, name="Other")
    other = Outcome.objects.create(
        comparison=comparison, name="Pain", data_type="continuous", measure="MD"
    )
    with pytest.raises(ValidationError):
        save(study, other, cast.reviewer1)


def test_two_assessors_and_the_consensus_are_separate_rows(cast, study, outcome):
    save(study, outcome, cast.reviewer1, judgements={"D1": "low"})
    save(study, outcome, cast.reviewer2, judgements={"D1": "some_concerns"})
    save(study, outcome, cast.lead, judgements={"D1": "low"}, consensus=True)
    rows = RobAssessment.objects.order_by("pk")
    assert [(r.assessor, r.consensus, r.judgements["D1"]) for r in rows] == [
        (cast.reviewer1, False, "low"),
        (cast.reviewer2, False, "some_concerns"),
        (cast.lead, True, "low"),
    ]


def test_suggestions_follow_the_answers_and_the_judgements(cast):
    suggested = services.suggestions("rob2", LOW_D1 | {"3.1": "Y"}, {"D2": "high"})
    assert suggested["D1"] == "low"
    assert suggested["D2"] is None
    assert suggested["D3"] == "low"
    assert suggested["overall"] == "high"


def test_a_review_without_tools_uses_rob2_and_the_lead_picks_others(cast):
    assert [tool.key for tool in services.review_tools(cast.review)] == ["rob2"]
    services.rob_tools_update(review=cast.review, tools=["robins_i", "rob2"])
    assert [tool.key for tool in services.review_tools(cast.review)] == ["robins_i", "rob2"]
    with pytest.raises(ValidationError):
        services.rob_tools_update(review=cast.review, tools=[])
    with pytest.raises(ValidationError):
        services.rob_tools_update(review=cast.review, tools=["grade"])


def test_the_demo_answers_lead_the_algorithm_to_their_judgement():
    from extraction.demo.rob import ANSWERS
    from extraction.rob import suggest_domain

    for domain, levels in ANSWERS.items():
        for level, answers in levels.items():
            assert suggest_domain("rob2", domain, answers) == level, (domain, level)


def test_the_demo_assesses_blinded_with_a_consensus_and_one_left_open(cast, outcome):
    from extraction.demo.rob import demo_rob

    for name in ("Alpha 2010", "Beta 2012", "Gamma 2015", "Delta 2018"):
        Study.objects.create(review=cast.review, name=name)
    demo_rob(cast.review, cast.reviewer1, cast.reviewer2, cast.lead)
    rows = RobAssessment.objects.filter(outcome=outcome)
    assert rows.filter(assessor=cast.reviewer1).count() == 4
    assert rows.filter(assessor=cast.reviewer2).count() == 3
    assert rows.filter(consensus=True).count() == 2
    assert all(len(row.support) == 5 and row.overall for row in rows)
