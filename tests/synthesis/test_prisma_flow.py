"""The PRISMA 2020 flow diagram from a review built through the services, box by box.

The review: MEDLINE (6 records), Embase (4, two of them MEDLINE's), the
ClinicalTrials.gov register (2), citation searching (5, one of them a MEDLINE
record) and a website (1). Every count asserted below is worked out by hand
from that construction.
"""

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from extraction.services import studies as study_services
from reviews import services as review_services
from reviews.models import DuplicatePair, Record, Source
from screening import services as screening
from screening.models import Stage, Verdict
from synthesis.plots import figure_bytes
from synthesis.plots.prisma import plot_prisma
from synthesis.prisma import prisma_flow, prisma_hash

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
INCLUDE, EXCLUDE = Verdict.INCLUDE, Verdict.EXCLUDE

# key: (title, first author, year); the DOI is made from the key. A copy shares all four.
PAPERS = {
    "M1": ("Intravenous ketamine for complex regional pain syndrome", "Sigtermans, M", 2009),
    "M2": ("Oral magnesium after knee replacement surgery", "Harrow, E", 2012),
    "M3": ("Low-dose naltrexone in fibromyalgia: a crossover study", "Okafor, D", 2014),
    "M4": ("Acupuncture for tension headache in adolescents", "Lindqvist, M", 2015),
    "M5": ("Exercise therapy and sleep quality in older adults", "Brennan, A", 2011),
    "M6": ("Memantine for phantom limb pain after amputation", "Sato, K", 2010),
    "E3": ("Esketamine nasal spray for treatment-resistant depression", "Moreau, P", 2019),
    "E4": ("Lidocaine patches versus placebo for postherpetic neuralgia", "Keller, T", 2008),
    "R1": ("Ketamine infusions in refractory migraine: registered protocol", "Alvarez, R", 2021),
    "R2": ("Dextromethorphan for neuropathic pain in diabetes: trial record", "Novak, J", 2020),
    "C2": ("Amantadine for chronic back pain in primary care", "Duarte, F", 2013),
    "C3": ("Ketamine mouthwash for oral mucositis during chemotherapy", "Ferreira, L", 2016),
    "C4": ("Cost analysis of pain clinics in rural hospitals", "Ibsen, H", 2018),
    "C5": ("Ketamine and cognitive outcomes in a cohort of anaesthetists", "Quinn, S", 2017),
    "W1": ("Guideline on the use of ketamine for chronic pain", "Walsh, G", 2022),
}


def ris(*keys: str, complete: bool = False) -> bytes:
    lines = []
    for key in keys:
        title, author, year = PAPERS[key]
        lines += ["TY  - JOUR", f"TI  - {title}", f"AU  - {author}", f"PY  - {year}"]
        lines.append(f"DO  - 10.5555/prisma.{key.lower()}")
        if complete:  # richer than the original, so deduplication keeps this copy
            lines += ["T2  - Journal of Pain Trials", "VL  - 7", "IS  - 2", "SP  - 101"]
            lines.append("AB  - An invented abstract that the original record lacks.")
        lines += ["ER  - ", ""]
    return "\n".join(lines).encode()


def import_records(review, user, name, content, source, source_name=""):
    batch = review_services.import_batch_create(
        review=review,
        user=user,
        upload=SimpleUploadedFile(name, content),
        source=source,
        source_name=source_name,
    )
    return review_services.import_batch_run(batch_id=batch.pk)


def record(review, key) -> Record:
    """The unique record of a paper: whichever copy deduplication kept."""
    doi = f"10.5555/prisma.{key.lower()}"
    return Record.objects.get(review=review, doi=doi, duplicate_of__isnull=True)


@pytest.fixture
def review(cast):
    review = cast.review
    import_records(
        review, cast.lead, "medline.ris", ris("M1", "M2", "M3", "M4", "M5", "M6"), Source.MEDLINE
    )
    import_records(review, cast.lead, "embase.ris", ris("M1", "M2", "E3", "E4"), Source.EMBASE)
    import_records(
        review, cast.lead, "ctgov.ris", ris("R1", "R2"), Source.REGISTER, "ClinicalTrials.gov"
    )
    import_records(review, cast.lead, "citations.ris", ris("M3", complete=True), Source.CITATION)
    import_records(
        review, cast.lead, "more-citations.ris", ris("C2", "C3", "C4", "C5"), Source.CITATION
    )
    import_records(review, cast.lead, "website.ris", ris("W1"), Source.WEBSITE)
    return review


def both(cast, review, key, verdict, stage=TA, reason=None):
    for reviewer in (cast.reviewer1, cast.reviewer2):
        screening.decision_record(
            record=record(review, key),
            reviewer=reviewer,
            stage=stage,
            verdict=verdict,
            reason=reason,
        )


def reason(review, label):
    return review.exclusion_reasons.get(label=label)


def conflict(cast, review, key, stage, verdict, reason=None):
    """Reviewer 1 excludes, reviewer 2 includes; the lead settles on ``verdict``."""
    target = record(review, key)
    first = reason or review.exclusion_reasons.get(label="Other")
    screening.decision_record(
        record=target, reviewer=cast.reviewer1, stage=stage, verdict=EXCLUDE, reason=first
    )
    screening.decision_record(record=target, reviewer=cast.reviewer2, stage=stage, verdict=INCLUDE)
    screening.conflict_resolve(
        record=target, stage=stage, verdict=verdict, reason=reason, lead=cast.lead
    )


def not_retrieved(cast, review, key):
    screening.full_text_save(
        record=record(review, key), user=cast.lead, not_retrieved_reason="Author did not reply"
    )


@pytest.fixture
def screened(cast, review):
    """Title/abstract, full text: R2 and W1 stay unscreened."""
    for key in ("M1", "M2", "M3", "M6", "E3", "R1", "C2", "C3", "C5"):
        both(cast, review, key, INCLUDE)
    for key in ("M4", "M5", "C4"):
        both(cast, review, key, EXCLUDE)
    conflict(cast, review, "E4", TA, EXCLUDE)
    not_retrieved(cast, review, "M6")
    not_retrieved(cast, review, "C2")
    for key in ("M1", "M3", "C3"):
        both(cast, review, key, INCLUDE, FT)
    for key in ("M2", "E3"):
        both(cast, review, key, EXCLUDE, FT, reason(review, "Wrong population"))
    conflict(cast, review, "R1", FT, EXCLUDE, reason(review, "Wrong comparator"))
    both(cast, review, "C5", EXCLUDE, FT, reason(review, "Wrong study design"))
    return review


def test_the_imports_hold_the_duplicates_the_test_relies_on(review):
    assert not DuplicatePair.objects.filter(review=review, status="undecided").exists()
    copies = Record.objects.filter(review=review, duplicate_of__isnull=False)
    assert copies.count() == 3
    # The citation copy of M3 is the more complete one: kept, and the MEDLINE one removed.
    kept = record(review, "M3")
    assert kept.batch.source == Source.CITATION
    assert kept.duplicates.get().batch.source == Source.MEDLINE


def test_every_box_counts_what_the_review_holds(screened):
    flow = prisma_flow(screened)
    assert list(flow.identified_by_source.items()) == [
        ("MEDLINE", 6),
        ("Embase", 4),
        ("ClinicalTrials.gov", 2),
    ]
    # 12 database and register records, 10 papers among them (M1, M2 twice;
    # M3's group is the left column's, though citation searching's copy is kept).
    assert (flow.duplicates_removed, flow.other_removed) == (2, 0)
    # Screened: 9 resolved (R2 waits); excluded M4, M5 and E4 (by the lead).
    assert (flow.records_screened, flow.records_excluded) == (9, 3)
    # Sought: M1, M2, M3, M6, E3, R1; M6 not retrieved; the other 5 assessed.
    assert (flow.reports_sought, flow.reports_not_retrieved, flow.reports_assessed) == (6, 1, 5)
    assert list(flow.reports_excluded.items()) == [
        ("Wrong comparator", 1),
        ("Wrong population", 2),
    ]
    assert list(flow.other_identified.items()) == [
        ("Citation searching", 5),
        ("Websites and organisations", 1),
    ]
    # Found only by other methods: C2, C3, C5 sought (C4 excluded, W1 waits),
    # C2 not retrieved, C3 included, C5 excluded.
    assert (flow.other_sought, flow.other_not_retrieved, flow.other_assessed) == (3, 1, 2)
    assert flow.other_excluded == {"Wrong study design": 1}
    # Included: M1, M3 and C3; no study built yet, so one study per report.
    assert (flow.studies_included, flow.reports_included) == (3, 3)


def test_studies_count_once_built_and_merged(cast, screened):
    before = prisma_flow(screened)
    studies = {s.reports.get().doi[-2:]: s for s in study_services.studies_sync(review=screened)}
    assert prisma_flow(screened) == before
    assert prisma_hash(prisma_flow(screened)) == prisma_hash(before)
    study_services.study_merge(into=studies["m1"], other=studies["m3"])
    after = prisma_flow(screened)
    assert (after.studies_included, after.reports_included) == (2, 3)
    assert prisma_hash(after) != prisma_hash(before)


def test_the_hash_changes_with_any_count_and_the_order_of_reasons(screened):
    flow = prisma_flow(screened)
    digest = prisma_hash(flow)
    assert len(digest) == 64 and digest == prisma_hash(prisma_flow(screened))
    both_reasons = dict(reversed(list(flow.reports_excluded.items())))
    assert prisma_hash(replace(flow, reports_excluded=both_reasons)) != digest
    assert prisma_hash(replace(flow, other_removed=1)) != digest


def test_a_review_of_databases_only_has_no_other_methods_column(cast, other_review):
    import_records(other_review, cast.lead, "medline.ris", ris("M1", "M2"), Source.MEDLINE)
    import_records(other_review, cast.lead, "embase.ris", ris("M2"), Source.EMBASE)
    flow = prisma_flow(other_review)
    assert flow.identified_by_source == {"MEDLINE": 2, "Embase": 1}
    assert flow.duplicates_removed == 1
    assert flow.other_identified is None
    assert (flow.records_screened, flow.studies_included, flow.reports_included) == (0, 0, 0)


def svg_box_texts(svg: bytes) -> dict[str, str]:
    """The text of every gid'd group, from the comments matplotlib writes before each line."""
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.fromstring(svg, parser=parser)
    texts = {}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        lines = [node.text.strip() for node in group if node.tag is ET.Comment]
        if group.get("id") and lines:
            texts[group.get("id")] = " ".join(lines)
    return texts


def test_the_drawn_svg_shows_each_count_in_its_box(cast, screened):
    study_services.studies_sync(review=screened)
    boxes = svg_box_texts(figure_bytes(plot_prisma(prisma_flow(screened)), "svg"))
    expected = {
        "identified": ["MEDLINE (n = 6)", "Embase (n = 4)", "ClinicalTrials.gov (n = 2)"],
        "removed": ["Duplicate records removed (n = 2)", "other reasons (n = 0)"],
        "screened": ["Records screened", "(n = 9)"],
        "excluded": ["Records excluded", "(n = 3)"],
        "sought": ["(n = 6)"],
        "not-retrieved": ["(n = 1)"],
        "assessed": ["(n = 5)"],
        "reports-excluded": ["Wrong comparator (n = 1)", "Wrong population (n = 2)"],
        "included": ["Studies included in review (n = 3)", "Reports of included studies (n = 3)"],
        "other-identified": ["Citation searching (n = 5)", "Websites and organisations (n = 1)"],
        "other-sought": ["(n = 3)"],
        "other-not-retrieved": ["(n = 1)"],
        "other-assessed": ["(n = 2)"],
        "other-excluded": ["Wrong study design (n = 1)"],
    }
    for gid, parts in expected.items():
        for part in parts:
            assert part in boxes[gid], (gid, part, boxes[gid])
