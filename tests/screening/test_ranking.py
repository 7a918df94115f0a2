"""The ranking model, its schedule and the simulation, on a small data set we wrote."""

import numpy as np
import pytest

from screening.prioritisation.model import (
    ModelSettings,
    build_features,
    fit_scores,
    rank_order,
    record_text,
    record_title,
    top_words,
)
from screening.prioritisation.schedule import RetrainSchedule
from screening.prioritisation.simulation import prior_rows, simulate
from tests.screening.labelled import records


@pytest.fixture(scope="module")
def data():
    rows = records()
    texts = [record_text(row["title"], row["abstract"]) for row in rows]
    labels = np.array([row["label_included"] for row in rows])
    return texts, labels


def test_it_ranks_the_obviously_relevant_records_first(data):
    texts, labels = data
    features = build_features(texts)
    include, exclude = 4, 0  # one ketamine trial, one statin study
    assert (labels[include], labels[exclude]) == (1, 0)
    fit = fit_scores(features, np.array([include, exclude]), np.array([1, 0]))
    order = rank_order(fit.scores, exclude=np.array([include, exclude]))
    assert len(order) == 58
    # The 11 other ketamine trials take the 11 first places.
    assert set(order[:11]) == set(np.flatnonzero(labels == 1)) - {include}


def test_the_badge_names_the_words_that_drove_the_score(data):
    texts, labels = data
    features = build_features(texts)
    fit = fit_scores(features, np.array([4, 0, 1]), np.array([1, 0, 0]))
    words = top_words(features, fit, 9)  # another ketamine trial
    assert "ketamine" in words
    assert all(word in texts[9].lower() for word in words)
    assert "for" not in words and "or" not in words  # stop words explain nothing


def test_it_refuses_to_rank_without_both_kinds_of_decision(data):
    texts, _ = data
    features = build_features(texts)
    with pytest.raises(ValueError, match="at least one included and one excluded"):
        fit_scores(features, np.array([4, 9]), np.array([1, 1]))


def test_records_without_words_still_rank():
    features = build_features(["", "", "ketamine infusion", "statin"])
    fit = fit_scores(features, np.array([2, 3]), np.array([1, 0]))
    assert fit.scores.shape == (4,)


def test_the_title_is_the_first_line_of_a_record_s_text():
    assert record_text("Ketamine for\nchronic pain", " A trial.\nTwo arms. ") == (
        "Ketamine for chronic pain\nA trial.\nTwo arms."
    )
    assert record_title(record_text("Ketamine for\nchronic pain", "A trial.")) == (
        "Ketamine for chronic pain"
    )
    assert record_title(record_text("", "An abstract without a title.")) == ""
    assert record_title(record_text("Only a title", "")) == "Only a title"


def test_a_word_in_the_title_weighs_more_than_in_the_abstract():
    texts = [
        record_text("Ketamine infusions", "A randomised trial in adults with back pain."),
        record_text("Statins after infarction", "Lipids and cardiovascular events."),
        record_text("Infusions in adults", "A randomised trial of ketamine in back pain."),
        record_text("Infusions in adults", "A randomised trial of lidocaine in back pain."),
    ]
    rows, labels = np.array([0, 1]), np.array([1, 0])
    fit = fit_scores(build_features(texts), rows, labels)
    # Records 2 and 3 differ only in ketamine (in record 0's title) and lidocaine (nowhere).
    assert fit.scores[2] > fit.scores[3]
    # Each block is L2-normalised, the title's scaled by 0.25, then the row again:
    # the whole text's block shrinks by sqrt(1 + 0.25 ** 2), the title's is 0.25 of that.
    plain = build_features(texts, ModelSettings(title_weight=0)).matrix.toarray()
    both = build_features(texts).matrix.toarray()
    words = plain.shape[1]
    assert both[0, :words] == pytest.approx(plain[0] / np.sqrt(1.0625))
    assert np.linalg.norm(both[0, words:]) == pytest.approx(0.25 / np.sqrt(1.0625))


def test_the_schedule_retrains_often_early_and_seldom_late():
    schedule = RetrainSchedule(every=10, growth=0.1)
    assert schedule.due(learnt=0, decided=10) and not schedule.due(learnt=0, decided=9)
    assert schedule.step(50) == 10  # a tenth of 50 is less than 10
    assert schedule.step(1000) == 100
    assert not schedule.due(learnt=1000, decided=1099)
    with pytest.raises(ValueError, match="at least one new decision"):
        RetrainSchedule(every=0)


def test_a_simulation_finds_every_relevant_record_early(data):
    texts, labels = data
    result = simulate(texts, labels, seed=3)
    assert result.n == 60 and result.relevant == 12
    # Screening in random order would need 57 records on average to find 12 of 60;
    # prioritised, the first 14 screened hold them all (2 priors + 12 found at once).
    assert result.screened_all <= 14
    assert result.wss95 == pytest.approx(1 - result.screened_for(0.95) / 60 - 0.05)
    assert result.recall_at(0.10) == result.found[5] / 12
    # Replaying with the same seed gives the same review.
    again = simulate(texts, labels, seed=3)
    assert (again.order == result.order).all()


def test_priors_are_drawn_by_the_seed(data):
    _, labels = data
    first = prior_rows(labels, 5, 2, 3)
    assert first == prior_rows(labels, 5, 2, 3)
    assert [labels[row] for row in first] == [1, 1, 0, 0, 0]
    with pytest.raises(ValueError, match="13 prior inclusions"):
        simulate(["x"] * 60, labels, prior_included=13)
