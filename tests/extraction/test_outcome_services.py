"""Comparisons, outcomes and outcome data: the grid and CSV rules, derivations, the dataset."""

import pytest
from django.core.exceptions import ValidationError

from extraction.models import OutcomeData, Study
from extraction.selectors import outcome_data_warnings, outcome_dataset
from extraction.services import outcome_data, outcomes


@pytest.fixture
def studies(cast):
    names = ["Sigtermans 2009", "Schwartzman 2009", "Noppers 2011"]
    return [Study.objects.create(review=cast.review, name=name) for name in names]


@pytest.fixture
def comparison(cast):
    return outcomes.comparison_create(
        review=cast.review,
        name="IV ketamine vs control",
        experimental="Ketamine",
        control="Placebo",
    )


def make_outcome(comparison, data_type="continuous", measure="MD", **options):
    return outcomes.outcome_create(
        comparison=comparison,
        name=f"Outcome {data_type}",
        data_type=data_type,
        measure=measure,
        **options,
    )


def row(study, subgroup="", **values):
    return outcome_data.GridRow(
        study=study, values={k: str(v) for k, v in values.items()}, subgroup=subgroup
    )


CONTINUOUS = dict(n_exp=25, mean_exp=4.1, sd_exp=1.9, n_ctrl=24, mean_ctrl=5.6, sd_ctrl=2.1)
DICHOTOMOUS = dict(events_exp=6, total_exp=25, events_ctrl=2, total_ctrl=24)


def messages(error) -> list[str]:
    return [str(problem) for problem in error.value.problems]


# Comparisons and outcomes


def test_it_refuses_a_measure_that_does_not_suit_the_data_type(comparison):
    with pytest.raises(ValidationError, match="Risk ratio does not suit continuous data"):
        make_outcome(comparison, "continuous", "RR")
    assert make_outcome(comparison, "generic", "RR").measure == "RR"


def test_it_keeps_the_data_type_of_an_outcome_with_data(cast, comparison, studies):
    outcome = make_outcome(comparison)
    outcome_data.outcome_data_save_grid(
        outcome=outcome, rows=[row(studies[0], **CONTINUOUS)], user=cast.lead
    )
    with pytest.raises(ValidationError, match="already has data for 1 study"):
        outcomes.outcome_update(outcome=outcome, name="Pain", data_type="dichotomous", measure="RR")
    with pytest.raises(ValidationError, match="has outcome data"):
        outcomes.comparison_delete(comparison=comparison)


# The grid: validation of every data type


def test_it_checks_continuous_data_field_by_field(cast, comparison, studies):
    outcome = make_outcome(comparison)
    bad = CONTINUOUS | {"n_exp": 0, "sd_ctrl": -1, "mean_exp": "four"}
    with pytest.raises(outcome_data.OutcomeDataError) as error:
        outcome_data.outcome_data_save_grid(
            outcome=outcome, rows=[row(studies[0], **bad)], user=cast.lead
        )
    assert sorted(messages(error)) == [
        "Sigtermans 2009: SD cannot be negative",
        "Sigtermans 2009: mean 'four' is not a number",
        "Sigtermans 2009: n must be a positive whole number",
    ]
    assert {(p.study, p.field) for p in error.value.problems} == {
        ("Sigtermans 2009", "n_exp"),
        ("Sigtermans 2009", "sd_ctrl"),
        ("Sigtermans 2009", "mean_exp"),
    }


def test_it_checks_dichotomous_data(cast, comparison, studies):
    outcome = make_outcome(comparison, "dichotomous", "RR")
    bad = DICHOTOMOUS | {"events_exp": 30, "total_ctrl": "", "events_ctrl": 1.5}
    with pytest.raises(outcome_data.OutcomeDataError) as error:
        outcome_data.outcome_data_save_grid(
            outcome=outcome, rows=[row(studies[0], **bad)], user=cast.lead
        )
    assert messages(error) == [
        "Sigtermans 2009: events (30) cannot exceed the total (25)",
        "Sigtermans 2009: events must be a whole number (0 or more)",
        "Sigtermans 2009: total is missing",
    ]


def test_it_checks_generic_data(cast, comparison, studies):
    outcome = make_outcome(comparison, "generic", "AS_REPORTED")
    with pytest.raises(outcome_data.OutcomeDataError) as error:
        outcome_data.outcome_data_save_grid(
            outcome=outcome, rows=[row(studies[0], estimate="", se="0")], user=cast.lead
        )
    assert messages(error) == [
        "Sigtermans 2009: estimate is missing",
        "Sigtermans 2009: SE must be greater than 0",
    ]


def test_it_reads_decimal_commas_and_unicode_minus(cast, comparison, studies):
    outcome = make_outcome(comparison, "generic", "MD")
    outcome_data.outcome_data_save_grid(
        outcome=outcome, rows=[row(studies[0], estimate="\u22121,25", se="0,4")], user=cast.lead
    )
    assert OutcomeData.objects.get().values == {"estimate": -1.25, "se": 0.4}


def test_the_grid_saves_all_or_nothing(cast, comparison, studies):
    outcome = make_outcome(comparison)
    outcome_data.outcome_data_save_grid(
        outcome=outcome, rows=[row(studies[2], **CONTINUOUS)], user=cast.lead
    )
    rows = [
        row(studies[0], **CONTINUOUS),
        row(studies[1], **CONTINUOUS | {"sd_exp": 0, "sd_ctrl": 0}),
        row(studies[2], **CONTINUOUS | {"n_exp": 99}),
    ]
    with pytest.raises(outcome_data.OutcomeDataError) as error:
        outcome_data.outcome_data_save_grid(outcome=outcome, rows=rows, user=cast.reviewer1)
    # an SD of 0 in one arm is possible (a floor effect), in both it leaves no variance
    assert messages(error) == [
        "Schwartzman 2009: SD cannot be 0 in both arms",
        "Schwartzman 2009: SD cannot be 0 in both arms",
    ]
    assert [d.values["n_exp"] for d in OutcomeData.objects.all()] == [25]


def test_a_blank_row_deletes_the_study_data(cast, comparison, studies):
    outcome = make_outcome(comparison)
    outcome_data.outcome_data_save_grid(
        outcome=outcome, rows=[row(studies[0], **CONTINUOUS)], user=cast.lead
    )
    blank = row(studies[0], **dict.fromkeys(CONTINUOUS, ""))
    outcome_data.outcome_data_save_grid(outcome=outcome, rows=[blank], user=cast.lead)
    assert not OutcomeData.objects.exists()


def test_subgroups_are_required_when_the_outcome_has_a_variable(cast, comparison, studies):
    split = make_outcome(comparison, subgroup_variable="Dose")
    plain = make_outcome(comparison, "dichotomous", "OR")
    with pytest.raises(outcome_data.OutcomeDataError) as error:
        outcome_data.outcome_data_save_grid(
            outcome=split, rows=[row(studies[0], **CONTINUOUS)], user=cast.lead
        )
    assert messages(error) == ["Sigtermans 2009: the subgroup (Dose) is missing"]
    with pytest.raises(outcome_data.OutcomeDataError) as error:
        outcome_data.outcome_data_save_grid(
            outcome=plain, rows=[row(studies[0], "High", **DICHOTOMOUS)], user=cast.lead
        )
    assert messages(error) == [
        "Sigtermans 2009: this outcome has no subgroup variable; leave it blank"
    ]
    outcome_data.outcome_data_save_grid(
        outcome=split, rows=[row(studies[0], "Low", **CONTINUOUS)], user=cast.lead
    )
    outcome_data.outcome_data_save_grid(
        outcome=split, rows=[row(studies[0], "High", **CONTINUOUS)], user=cast.lead
    )
    assert list(split.data.values_list("subgroup", flat=True)) == ["High"]


def test_a_study_of_another_review_is_refused(cast, comparison, other_review):
    outcome = make_outcome(comparison)
    stranger = Study.objects.create(review=other_review, name="Elsewhere 2020")
    with pytest.raises(ValidationError, match="another review"):
        outcome_data.outcome_data_save_grid(
            outcome=outcome, rows=[row(stranger, **CONTINUOUS)], user=cast.lead
        )


# CSV upload


CSV_HEADER = "study,events_exp,total_exp,events_ctrl,total_ctrl\n"


def test_the_csv_upload_saves_every_row(cast, comparison, studies):
    outcome = make_outcome(comparison, "dichotomous", "RR")
    data = CSV_HEADER + "sigtermans  2009,6,25,2,24\nNoppers 2011,3,18,2,18\n"
    saved = outcome_data.outcome_data_import_csv(outcome=outcome, data=data, user=cast.reviewer1)
    assert [(d.study.name, d.values["events_exp"]) for d in saved] == [
        ("Sigtermans 2009", 6),
        ("Noppers 2011", 3),
    ]
    assert saved[0].entered_by == cast.reviewer1


def test_a_csv_with_bad_rows_is_rejected_whole_with_line_numbers(cast, comparison, studies):
    outcome = make_outcome(comparison, "dichotomous", "RR")
    data = (
        CSV_HEADER
        + "Sigtermans 2009,6,25,2,24\n\nSchwartzman 2009,30,25,2,24\nNoppers 2011,3,x,2,0\n"
    )
    with pytest.raises(outcome_data.OutcomeDataError) as error:
        outcome_data.outcome_data_import_csv(outcome=outcome, data=data, user=cast.lead)
    assert messages(error) == [
        "line 4: events (30) cannot exceed the total (25)",
        "line 5: total 'x' is not a number",
        "line 5: total must be a positive whole number",
    ]
    assert [(p.line, p.field) for p in error.value.problems] == [
        (4, "events_exp"),
        (5, "total_exp"),
        (5, "total_ctrl"),
    ]
    assert not OutcomeData.objects.exists()


def test_unknown_study_names_are_line_numbered_errors(cast, comparison, studies):
    outcome = make_outcome(comparison, "dichotomous", "RR")
    data = CSV_HEADER + "Sigtermans 2009,6,25,2,24\nSmith 2010,1,10,1,10\n"
    with pytest.raises(outcome_data.OutcomeDataError) as error:
        outcome_data.outcome_data_import_csv(outcome=outcome, data=data, user=cast.lead)
    assert messages(error) == ["line 3: no study of this review is called “Smith 2010”"]
    assert not OutcomeData.objects.exists()


def test_the_csv_subgroup_rule_is_the_grid_rule(cast, comparison, studies):
    outcome = make_outcome(comparison, "generic", "AS_REPORTED", subgroup_variable="Dose")
    data = "study,estimate,se,subgroup\nSigtermans 2009,-0.5,0.2,Low\nNoppers 2011,-0.3,0.25,\n"
    with pytest.raises(outcome_data.OutcomeDataError) as error:
        outcome_data.outcome_data_import_csv(outcome=outcome, data=data, user=cast.lead)
    assert messages(error) == ["line 3, Noppers 2011: the subgroup (Dose) is missing"]


# Derivations


def test_a_derived_sd_is_stored_with_its_formula(cast, comparison, studies):
    outcome = make_outcome(comparison)
    request = {"method": "sd_from_ci", "inputs": {"lower": "8.3", "upper": "12.1", "n": "25"}}
    typed = row(studies[0], **CONTINUOUS | {"sd_ctrl": "4.6029"})
    typed.derivations = {"sd_ctrl": request}
    outcome_data.outcome_data_save_grid(outcome=outcome, rows=[typed], user=cast.reviewer1)
    data = OutcomeData.objects.get()
    [record] = data.derivations
    assert record["field"] == "sd_ctrl"
    assert record["formula"] == "SD = √n × (upper − lower) / (2 × t(0.975, n − 1))"
    assert record["inputs"]["n"] == 25 and record["inputs"]["df"] == 24
    assert record["reference"] == "Cochrane Handbook 6.5.2.2"
    assert data.values["sd_ctrl"] == pytest.approx(4.602939, abs=1e-6)
    assert data.values["sd_ctrl"] == record["result"]  # stored at full precision


def test_typing_over_a_derived_value_drops_its_record(cast, comparison, studies):
    outcome = make_outcome(comparison)
    typed = row(studies[0], **CONTINUOUS)
    outcome_data.outcome_data_save_grid(outcome=outcome, rows=[typed], user=cast.lead)
    data = outcome_data.outcome_data_derive(
        data=OutcomeData.objects.get(),
        field="sd_exp",
        method="sd_from_se",
        inputs={"se": 0.4, "n": 25},
        user=cast.lead,
    )
    assert data.values["sd_exp"] == 2.0 and data.derivations[0]["formula"] == "SD = SE × √n"
    same = row(studies[0], **CONTINUOUS | {"sd_exp": data.values["sd_exp"], "mean_exp": 4.0})
    outcome_data.outcome_data_save_grid(outcome=outcome, rows=[same], user=cast.lead)
    assert len(OutcomeData.objects.get().derivations) == 1
    outcome_data.outcome_data_save_grid(
        outcome=outcome, rows=[row(studies[0], **CONTINUOUS)], user=cast.lead
    )
    assert OutcomeData.objects.get().derivations == []


def test_an_se_comes_from_a_ratio_ci(cast, comparison, studies):
    record = outcome_data.derivation_run(
        method="se_from_ratio_ci", inputs={"lower": "0.84", "upper": "2.39"}, field="se"
    )
    assert record["result"] == pytest.approx(0.266752, abs=1e-6)
    assert record["formula"].startswith("SE = (ln upper − ln lower)")


def test_a_derivation_says_what_is_wrong(cast):
    with pytest.raises(ValidationError, match="the lower limit .12.1. must be below"):
        outcome_data.derivation_run(
            method="sd_from_ci", inputs={"lower": 12.1, "upper": 8.3, "n": 25}, field="sd_exp"
        )
    with pytest.raises(ValidationError, match="cannot give SE"):
        outcome_data.derivation_run(method="sd_from_se", inputs={"se": 1, "n": 4}, field="se")
    with pytest.raises(ValidationError, match="n must be a number"):
        outcome_data.derivation_run(method="sd_from_se", inputs={"se": 1}, field="sd_exp")


# Selectors


def test_outcome_dataset_gives_the_engine_plain_rows(cast, comparison, studies):
    outcome = make_outcome(comparison, "dichotomous", "RR", subgroup_variable="Dose")
    rows = [
        row(studies[1], "High", **DICHOTOMOUS),
        row(studies[0], "Low", **DICHOTOMOUS | {"events_exp": 0}),
    ]
    outcome_data.outcome_data_save_grid(outcome=outcome, rows=rows, user=cast.lead)
    assert outcome_dataset(outcome) == [
        {
            "label": "Schwartzman 2009",
            "events_exp": 6,
            "total_exp": 25,
            "events_ctrl": 2,
            "total_ctrl": 24,
            "subgroup": "High",
        },
        {
            "label": "Sigtermans 2009",
            "events_exp": 0,
            "total_exp": 25,
            "events_ctrl": 2,
            "total_ctrl": 24,
            "subgroup": "Low",
        },
    ]


def test_outcome_dataset_has_no_subgroup_without_a_variable(cast, comparison, studies):
    outcome = make_outcome(comparison, "generic", "AS_REPORTED")
    outcome_data.outcome_data_save_grid(
        outcome=outcome, rows=[row(studies[2], estimate=-0.2, se=0.1)], user=cast.lead
    )
    assert outcome_dataset(outcome) == [
        {"label": "Noppers 2011", "estimate": -0.2, "se": 0.1, "subgroup": None}
    ]


def test_it_warns_when_an_arm_is_larger_than_on_every_other_outcome(cast, comparison, studies):
    pain = make_outcome(comparison)
    nausea = make_outcome(comparison, "dichotomous", "RR")
    outcome_data.outcome_data_save_grid(
        outcome=pain, rows=[row(studies[0], **CONTINUOUS)], user=cast.lead
    )
    bigger = DICHOTOMOUS | {"total_exp": 30}
    outcome_data.outcome_data_save_grid(
        outcome=nausea, rows=[row(studies[0], **bigger)], user=cast.lead
    )
    assert [str(w) for w in outcome_data_warnings(nausea)] == [
        "Sigtermans 2009: total_exp is 30, more than the 25 given for “Outcome continuous” "
        "in the same study and comparison"
    ]
    assert outcome_data_warnings(pain) == []


def test_the_demo_has_the_seed_papers_five_outcomes(db):
    from workspace.demo import demo_load

    review, _ = demo_load()  # runs extraction.demo.outcomes.demo_outcomes
    outcomes = review.comparisons.get(name="IV ketamine vs control").outcomes.all()
    assert [(o.name, o.data_type, o.measure) for o in outcomes] == [
        ("Pain intensity", "continuous", "MD"),
        ("Sleep quality", "continuous", "MD"),
        ("Nausea", "dichotomous", "RR"),
        ("Hallucinations", "dichotomous", "RR"),
        ("Sedation", "dichotomous", "RR"),
    ]
    # every study reports pain; 5 sleep, and 10, 9 and 5 the harms (extraction.demo.outcomes)
    assert [len(outcome_dataset(o)) for o in outcomes] == [16, 5, 10, 9, 5]
    assert OutcomeData.objects.filter(outcome=outcomes[0]).exclude(derivations=[]).count() == 1
    # each arm has the same size in every outcome of a study: no warnings to show
    assert all(outcome_data_warnings(o) == [] for o in outcomes)
