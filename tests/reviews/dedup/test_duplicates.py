"""find_duplicates on small invented records, and merging."""

from dataclasses import replace

import pytest

from reviews.dedup import DUPLICATE, REVIEW, find_duplicates, merge_fields
from reviews.importers.record import ParsedRecord

TRIAL = ParsedRecord(
    title="Blue light phototherapy for acne vulgaris: a randomised controlled trial",
    authors=("Okafor, Adaeze", "Lindqvist, Per"),
    year=2019,
    journal="Journal of Dermatological Treatment",
    volume="30",
    pages="455-461",
    doi="10.1080/09546634.2019.0001",
)


def only_pair(result):
    assert len(result.pairs) == 1, result.pairs
    return result.pairs[0]


def test_it_merges_records_sharing_a_doi_and_title():
    other = replace(
        TRIAL, title=TRIAL.title.upper(), journal="J Dermatolog Treat", volume="", pages=""
    )
    pair = only_pair(find_duplicates([TRIAL, other]))
    assert (pair.left, pair.right, pair.decision) == (0, 1, DUPLICATE)
    assert "doi:agrees" in pair.reasons and "title:exact" in pair.reasons


def test_it_does_not_merge_two_conference_abstracts_sharing_a_doi():
    # Abstract books often carry one DOI for every abstract in the supplement.
    supplement = "10.1111/jdv.17000"
    first = ParsedRecord(
        title="Blue light for inflammatory acne: a pilot study",
        authors=("Okafor, A",),
        year=2021,
        journal="J Eur Acad Dermatol Venereol",
        volume="35",
        pages="S12",
        doi=supplement,
    )
    second = ParsedRecord(
        title="Isotretinoin adherence in adolescents: a survey",
        authors=("Bergmann, K",),
        year=2021,
        journal="J Eur Acad Dermatol Venereol",
        volume="35",
        pages="S40",
        doi=supplement,
    )
    pair = only_pair(find_duplicates([first, second]))
    assert pair.decision == REVIEW
    assert "doi:agrees" in pair.reasons


def test_it_sends_a_pmid_match_with_different_titles_to_review():
    first = ParsedRecord(
        title="Light therapy in acne", pmid="123456", year=2010, authors=("Roe, P",)
    )
    second = ParsedRecord(title="Comment on a letter about pruritus", pmid="123456", year=2010)
    assert only_pair(find_duplicates([first, second])).decision == REVIEW


def test_it_merges_titles_differing_in_case_punctuation_and_accents():
    first = replace(
        TRIAL,
        title="Phototherapie à la lumière bleue pour l'acné: essai randomisé",
        doi="",
        journal="",
    )
    second = replace(
        first,
        title="PHOTOTHERAPIE A LA LUMIERE BLEUE POUR L’ACNE - ESSAI RANDOMISE.",
        authors=("Okafor A", "Lindqvist P"),
        volume="",
        pages="",
    )
    assert only_pair(find_duplicates([first, second])).decision == DUPLICATE


def test_it_keeps_apart_one_title_in_distant_years_by_other_authors():
    # A title reused for a different paper (an update, a namesake study).
    first = replace(TRIAL, doi="", volume="", pages="", journal="")
    second = replace(first, year=2012, authors=("Tanaka, Hiro",))
    assert find_duplicates([first, second]).pairs == ()


def test_it_sends_a_near_title_with_little_else_agreeing_to_review():
    first = ParsedRecord(
        title="Blue light phototherapy for acne vulgaris: a randomised trial",
        authors=("Okafor, A",),
        year=2019,
    )
    second = ParsedRecord(
        title="Blue-light photo therapy of acne vulgaris: randomized trial",
        authors=("Okafor, A",),
        year=2020,
    )
    pair = only_pair(find_duplicates([first, second]))
    assert pair.decision == REVIEW
    assert 0.5 <= pair.score < 0.9


def test_thresholds_are_parameters():
    first = ParsedRecord(
        title="Blue light phototherapy for acne vulgaris: a randomised trial",
        year=2019,
    )
    second = replace(first, title=first.title.lower(), year=2020)
    assert only_pair(find_duplicates([first, second])).decision == REVIEW
    assert only_pair(find_duplicates([first, second], auto_threshold=0.5)).decision == DUPLICATE
    assert find_duplicates([first, second], review_threshold=0.99).pairs == ()


def test_it_clusters_three_copies_and_keeps_the_most_complete():
    medline = replace(TRIAL, abstract="Background: acne. Methods: 60 patients.", pmid="31000001")
    embase = replace(TRIAL, title=TRIAL.title.lower(), doi="", abstract="Background: acne...")
    central = replace(TRIAL, title=TRIAL.title.upper(), abstract="", central_id="CN-01234567")
    unrelated = ParsedRecord(
        title="Ketamine infusion for chronic pain", year=2019, authors=("Ng, T",)
    )
    result = find_duplicates([embase, unrelated, medline, central])
    assert [(p.left, p.right) for p in result.duplicates] == [(0, 2), (0, 3), (2, 3)]
    assert len(result.clusters) == 1
    cluster = result.clusters[0]
    assert cluster.members == (0, 2, 3)
    assert cluster.kept == 2  # the MEDLINE copy: PMID, DOI and the longest abstract
    assert result.unique_count == 2


def test_it_keeps_the_longer_abstract_when_fields_tie():
    short = replace(TRIAL, abstract="Short.")
    long = replace(TRIAL, abstract="A much longer abstract.")
    assert find_duplicates([short, long]).clusters[0].kept == 1


def test_merge_fields_fills_the_kept_records_gaps():
    kept = replace(TRIAL, abstract="Full abstract.", pmid="31000001", keywords=("acne",), doi="")
    other = replace(TRIAL, keywords=("phototherapy", "acne"), language="eng")
    merged = merge_fields([other, kept])
    assert merged["abstract"] == "Full abstract."
    assert merged["pmid"] == "31000001"
    assert merged["doi"] == TRIAL.doi
    assert merged["language"] == "eng"
    assert merged["keywords"] == ("acne", "phototherapy")
    assert merged["title"] == TRIAL.title


def test_rows_and_frame_describe_every_pair():
    other = replace(TRIAL, title=TRIAL.title.upper())
    result = find_duplicates([TRIAL, other])
    row = result.rows()[0]
    assert row["left"] == 0 and row["right"] == 1 and row["decision"] == DUPLICATE
    assert "title:exact" in row["reasons"].split(";")
    frame = result.to_frame()
    assert list(frame.columns) == ["left", "right", "score", "decision", "reasons"]


@pytest.mark.parametrize("records", [[], [TRIAL]])
def test_it_handles_empty_and_single_inputs(records):
    result = find_duplicates(records)
    assert result.pairs == () and result.clusters == ()
    assert result.unique_count == len(records)


def test_it_does_not_pair_records_without_titles_or_identifiers():
    assert find_duplicates([ParsedRecord(year=2020), ParsedRecord(year=2020)]).pairs == ()


def test_a_shared_pmid_never_merges_differing_titles_however_much_else_agrees():
    first = replace(TRIAL, pmid="31000001")
    second = replace(first, title="Erratum to a trial of light in acne, with corrected tables")
    pair = only_pair(find_duplicates([first, second]))
    assert pair.decision == REVIEW
    assert pair.reasons[0].startswith("title:differs")


def test_it_merges_a_copy_that_dropped_the_subtitle_when_the_source_agrees():
    short = replace(TRIAL, title="Blue light phototherapy for acne vulgaris", doi="")
    pair = only_pair(find_duplicates([TRIAL, short]))
    assert "title:prefix" in pair.reasons
    assert pair.decision == DUPLICATE


def test_it_never_merges_an_erratum_with_the_paper_it_corrects():
    erratum = replace(TRIAL, title="Erratum: " + TRIAL.title, doi="", pages="462")
    paper = replace(TRIAL, doi="")
    result = find_duplicates([paper, erratum])
    assert result.duplicates == ()
    assert all("notice:one-sided" in p.reasons for p in result.pairs)
