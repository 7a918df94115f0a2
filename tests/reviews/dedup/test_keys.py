"""Normalised matching keys."""

from reviews.dedup.keys import (
    author_surname,
    first_page,
    journals_compatible,
    match_keys,
    normalise_journal,
    normalise_title,
    normalise_volume,
)
from reviews.importers.record import ParsedRecord


def test_it_folds_case_accents_and_punctuation():
    assert normalise_title("Évaluation du Traitement: Étude Pilote!") == normalise_title(
        "evaluation du traitement - etude pilote"
    )


def test_it_strips_html_and_latex():
    assert (
        normalise_title("Effect of <i>E. coli</i> on H<sub>2</sub>O") == "effect of e coli on h 2 o"
    )
    assert (
        normalise_title(r"\textit{In vivo} study of {M}\"{u}ller cells")
        == "in vivo study of muller cells"
    )


def test_it_names_greek_letters():
    assert normalise_title("TNF-α and IL-1β") == normalise_title(
        "TNF-alpha and IL-1beta".replace("1beta", "1 beta")
    )


def test_it_drops_database_notes_and_unwraps_translated_titles():
    assert normalise_title("[Acne in adults]. [Article in German]") == "acne in adults"
    assert normalise_title("Acne treatment (author's transl)") == "acne treatment"


def test_it_keeps_brackets_that_are_part_of_the_title():
    assert normalise_title("[18F]FDG uptake in acne") == "18f fdg uptake in acne"


def test_it_reads_surnames_in_every_name_style():
    assert author_surname("Shahtalebi, M. A.") == "shahtalebi"
    assert author_surname("Wilson L.N.") == "wilson"
    assert author_surname("van der Berg JH") == "van der berg"
    assert author_surname("Müller-Lüdenscheidt, Karl") == "muller ludenscheidt"
    assert author_surname("Johann Smith") == "smith"


def test_it_treats_an_abbreviated_journal_as_the_same_journal():
    full = normalise_journal("The American Journal of Clinical Dermatology")
    assert journals_compatible(normalise_journal("Am J Clin Dermatol"), full)
    assert journals_compatible("advanced biomedical research", "adv biomed res")
    assert journals_compatible(
        normalise_journal("Int Arch Allergy Immunol"),
        normalise_journal("International archives of allergy & immunology"),
    )


def test_it_keeps_different_journals_apart():
    assert not journals_compatible(
        normalise_journal("Ecosystem Health"),
        normalise_journal("Ecosystem Health and Sustainability"),
    )
    assert not journals_compatible(normalise_journal("J Hepatol"), normalise_journal("Hepatology"))


def test_it_takes_the_first_page_and_volume_number():
    assert first_page("1234-56") == "1234"
    assert first_page("e1001") == "e1001"
    assert first_page("S12-S15") == "s12"
    assert normalise_volume("Vol. 012") == "12"


def test_it_builds_keys_from_a_record():
    keys = match_keys(
        ParsedRecord(
            title="A Title.", authors=("Doe, J.",), year=2020, doi="https://doi.org/10.1/ABC"
        )
    )
    assert (keys.title, keys.author, keys.year, keys.doi) == ("a title", "doe", 2020, "10.1/abc")


def test_it_matches_journal_names_with_subtitles_acronyms_or_a_second_language():
    from reviews.dedup.keys import journal_parts

    assert "journal of veterinary cardiology" in journal_parts(
        "Journal of veterinary cardiology : the official journal of the European Society"
    )
    assert "journal of the american veterinary medical association" in journal_parts(
        "JAVMA-JOURNAL OF THE AMERICAN VETERINARY MEDICAL ASSOCIATION"
    )
    assert journal_parts("Veterinary surgery : VS") == ("veterinary surgery",)
    assert journal_parts("Ecology") == ()
