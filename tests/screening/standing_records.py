"""A review's records in every place a record can stand, made through the screening services.

Bob and Carol screen (two screeners per record); the lead resolves. Two imports,
MEDLINE and Embase, so the database and import filters have something to tell apart.
"""

from dataclasses import dataclass

from reviews.models import Record, Source
from screening import services
from screening.models import FullText, Stage, Verdict
from tests.reviews.factories import ImportBatchFactory, RecordFactory

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


@dataclass
class Standings:
    awaiting: Record  # nobody voted
    half: Record  # Bob included; Carol has not voted
    conflict: Record  # Bob included, Carol excluded
    excluded: Record  # both excluded it (wrong population)
    included: Record  # both included it at title/abstract; waits at full text
    not_retrieved: Record  # included at title/abstract; full text not found
    final: Record  # included at full text
    duplicate: Record  # removed as a duplicate of ``awaiting``

    def all(self) -> list[Record]:
        return list(vars(self).values())


def vote(record: Record, reviewer, verdict: str, stage: str = TA, reason=None, **extra):
    return services.decision_record(
        record=record, reviewer=reviewer, stage=stage, verdict=verdict, reason=reason, **extra
    )


def both(cast, record: Record, verdict: str, stage: str = TA, reason=None) -> None:
    for reviewer in (cast.reviewer1, cast.reviewer2):
        vote(record, reviewer, verdict, stage, reason)


def standing_records(cast) -> Standings:
    review = cast.review
    medline = ImportBatchFactory(review=review, source=Source.MEDLINE, file_name="medline.nbib")
    embase = ImportBatchFactory(review=review, source=Source.EMBASE, file_name="embase.ris")
    titles = {
        "awaiting": "Ketamine for phantom limb pain",
        "half": "Ketamine infusion in fibromyalgia",
        "conflict": "Esketamine nasal spray for back pain",
        "excluded": "Ketamine in rats with neuropathic pain",
        "included": "Intravenous ketamine for complex regional pain",
        "not_retrieved": "Ketamine and magnesium for migraine",
        "final": "Repeated ketamine infusions after spinal cord injury",
        "duplicate": "Ketamine for phantom limb pain.",
    }
    records = {}
    for i, (key, title) in enumerate(titles.items()):
        batch = embase if key in ("duplicate", "final") else medline
        records[key] = RecordFactory(
            review=review, batch=batch, position=i, title=title, year=2010 + i
        )
    made = Standings(**records)
    made.duplicate.duplicate_of = made.awaiting
    made.duplicate.save()
    population = review.exclusion_reasons.get(label="Wrong population")
    vote(made.half, cast.reviewer1, Verdict.INCLUDE)
    vote(made.conflict, cast.reviewer1, Verdict.INCLUDE)
    vote(made.conflict, cast.reviewer2, Verdict.EXCLUDE)
    both(cast, made.excluded, Verdict.EXCLUDE, reason=population)
    for record in (made.included, made.not_retrieved, made.final):
        both(cast, record, Verdict.INCLUDE)
    FullText.objects.create(
        record=made.not_retrieved, not_retrieved=True, not_retrieved_reason="Not in any library"
    )
    both(cast, made.final, Verdict.INCLUDE, stage=FT)
    return made
