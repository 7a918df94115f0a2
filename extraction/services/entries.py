"""Extraction entries: who writes which entry of a study, saving, carrying over, settling.

Which entry a member works on:

* Dual extraction off: a study has one shared entry. The first member who
  saves an answer creates it (it keeps that reviewer), and every reviewer and
  lead then edits the same entry; the history records who changed what.
* Dual extraction on: each extractor (a reviewer or a lead) has an entry of
  their own, and at most two members extract a study. Extraction is always
  blinded: a reviewer sees only their own values; only leads see both (on the
  compare page). The lead settles the differences field by field into the
  consensus entry (``consensus=True``, reviewer = that lead); once it exists,
  the two entries are locked and everyone reads the consensus.
* The study's result (what viewers and later steps read) is the consensus
  entry if there is one, otherwise the shared entry when dual extraction is
  off. If the setting is switched on later, the shared entry becomes its
  extractor's own entry; switched off, the earliest entry becomes the shared
  one.

An entry keeps the form version it was made under. When the form has moved on,
the entry reads under its own version until a member carries it over to the
current one (``entry_carry_over``): answers move by key, and an answer the new
field no longer accepts (a deleted field, a text that is not a number, an
option that is gone) is dropped and named; the history keeps the old entry.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.datastructures import MultiValueDict

from reviews.models import Review

from ..forms.entries import EntryForm, field_form, to_initial, to_json
from ..models import ExtractionEntry, ExtractionForm, FieldType, FormField, Study
from .form_builder import extraction_form_current

EXTRACTORS_PER_STUDY = 2


def entry_consensus(study: Study) -> ExtractionEntry | None:
    return study.entries.filter(consensus=True).select_related("form").first()


def entry_shared(study: Study) -> ExtractionEntry | None:
    """The study's one entry when dual extraction is off: the earliest made."""
    return study.entries.filter(consensus=False).select_related("form").order_by("pk").first()


def entry_own(study: Study, user) -> ExtractionEntry | None:
    return study.entries.filter(consensus=False, reviewer=user).select_related("form").first()


def entries_independent(study: Study) -> list[ExtractionEntry]:
    """The dual extractors' entries, first extractor first."""
    return list(
        study.entries.filter(consensus=False).select_related("form", "reviewer").order_by("pk")
    )


def entry_result(study: Study) -> ExtractionEntry | None:
    """What a study's extraction says: the consensus, or the shared entry without dual extraction."""
    consensus = entry_consensus(study)
    if consensus or study.review.dual_extraction:
        return consensus
    return entry_shared(study)


def entry_working(study: Study, user) -> ExtractionEntry | None:
    """The entry ``user`` writes to (None until their first answer)."""
    if study.review.dual_extraction:
        return entry_own(study, user)
    return entry_consensus(study) or entry_shared(study)


def _writable(study: Study, user, *, consensus: bool, version: ExtractionForm | None):
    """The entry to write to, created if needed; refused when locked or full."""
    review = study.review
    form = extraction_form_current(review)
    if form is None:
        raise ValidationError("The review has no extraction form yet.")
    # The lock orders entry creation against form edits, which copy a version in use.
    ExtractionForm.objects.select_for_update().filter(pk=form.pk).first()
    entry = entry_consensus(study) if consensus else _working_locked(study, user)
    if entry is None:
        entry = ExtractionEntry(study=study, form=form, reviewer=user, consensus=consensus)
    if entry.form_id != form.pk:
        raise ValidationError(
            f"This entry was made under form version {entry.form.version}; "
            f"carry it over to version {form.version} first."
        )
    if version is not None and version.pk != form.pk:
        raise ValidationError("The form has changed since the page was loaded; reload it.")
    return entry


def _working_locked(study: Study, user) -> ExtractionEntry | None:
    if not study.review.dual_extraction:
        return entry_consensus(study) or entry_shared(study)
    if entry_consensus(study):
        raise ValidationError("The lead has settled this study's extraction; it is locked.")
    own = entry_own(study, user)
    others = study.entries.filter(consensus=False).exclude(reviewer=user).count()
    if own is None and others >= EXTRACTORS_PER_STUDY:
        raise ValidationError("Two reviewers have already extracted this study.")
    return own


@transaction.atomic
def entry_save(*, study: Study, reviewer, data, consensus: bool = False) -> ExtractionEntry:
    """Validate every answer of the current form and save them all (blanks clear)."""
    entry = _writable(study, reviewer, consensus=consensus, version=None)
    form = EntryForm(data, version=entry.form)
    if not form.is_valid():
        raise ValidationError({key: list(errors) for key, errors in form.errors.items()})
    entry.values = form.values()
    entry.save()
    return entry


@transaction.atomic
def entry_save_field(
    *, study: Study, reviewer, field: FormField, data, consensus: bool = False
) -> ExtractionEntry:
    """Validate and save one answer (autosave). ``data`` holds it under the field's key."""
    entry = _writable(study, reviewer, consensus=consensus, version=field.section.form)
    form = field_form(field, data)
    if not form.is_valid():
        raise ValidationError(form.errors[field.key])
    _set(entry, field.key, to_json(form.cleaned_data[field.key]))
    entry.save()
    return entry


def _set(entry: ExtractionEntry, key: str, value) -> None:
    values = dict(entry.values)
    if value is None:
        values.pop(key, None)
    else:
        values[key] = value
    entry.values = values


@transaction.atomic
def entry_carry_over(*, entry: ExtractionEntry) -> list[str]:
    """Move an entry to the current form version; return the labels of answers dropped."""
    entry = (
        ExtractionEntry.objects.select_for_update().select_related("study__review").get(pk=entry.pk)
    )
    current = extraction_form_current(entry.study.review)
    old_fields = {
        f.key: f
        for f in FormField.objects.filter(section__form=entry.form_id).order_by(
            "section__position", "section__pk", "position", "pk"
        )
    }
    kept, dropped = {}, []
    new_fields = {f.key: f for f in FormField.objects.filter(section__form=current)}
    # In the old form's order: PostgreSQL's jsonb keeps no key order of its own.
    ordered = [key for key in old_fields if key in entry.values]
    ordered += [key for key in entry.values if key not in old_fields]
    for key in ordered:
        value = entry.values[key]
        field = new_fields.get(key)
        cleaned = _recleaned(field, old_fields.get(key), value) if field else None
        if cleaned is None:
            dropped.append(old_fields[key].label if key in old_fields else key)
        else:
            kept[key] = cleaned
    entry.form, entry.values = current, kept
    entry.save()
    return dropped


def _recleaned(field: FormField, old: FormField | None, value):
    """The value as the (possibly changed) field stores it, or None if it no longer fits."""
    raw = to_initial(old, value) if old else value
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > 1 and field.type != FieldType.MULTIPLE_CHOICE:
        return None
    form = field_form(field, MultiValueDict({field.key: [str(item) for item in items]}))
    if not form.is_valid():
        return None
    return to_json(form.cleaned_data[field.key])


@transaction.atomic
def entry_settle(*, study: Study, lead, key: str, source: ExtractionEntry) -> ExtractionEntry:
    """Take ``source``'s answer to ``key`` into the consensus entry (made if needed)."""
    if source.study_id != study.pk or source.consensus:
        raise ValidationError("Choose one of this study's two entries.")
    consensus = _writable(study, lead, consensus=True, version=None)
    if not FormField.objects.filter(section__form=consensus.form, key=key).exists():
        raise ValidationError("The current form has no such field.")
    _set(consensus, key, source.values.get(key))
    consensus.save()
    return consensus


@transaction.atomic
def entry_settle_agreements(*, study: Study, lead) -> ExtractionEntry:
    """Start (or fill) the consensus with every answer the two extractors gave alike."""
    first, second = _pair(study)
    consensus = _writable(study, lead, consensus=True, version=None)
    for key, value in first.values.items():
        if second.values.get(key) == value and key not in consensus.values:
            _set(consensus, key, value)
    consensus.save()
    return consensus


def _pair(study: Study) -> tuple[ExtractionEntry, ExtractionEntry]:
    entries = entries_independent(study)
    if len(entries) < 2:
        raise ValidationError("Two reviewers have not both extracted this study yet.")
    return entries[0], entries[1]


# Status -------------------------------------------------------------------


@dataclass(frozen=True)
class StudyStatus:
    study: Study
    label: str
    extractors: int
    settled: bool


def extraction_status(review: Review) -> list[StudyStatus]:
    """Every study of the review with how far its extraction has got."""
    statuses = []
    studies = Study.objects.filter(review=review).prefetch_related("entries")
    for study in studies:
        entries = list(study.entries.all())
        settled = any(e.consensus for e in entries)
        count = sum(not e.consensus for e in entries)
        statuses.append(StudyStatus(study, _label(review, count, settled), count, settled))
    return statuses


def _label(review: Review, count: int, settled: bool) -> str:
    if settled:
        return "Settled"
    if not review.dual_extraction:
        return "Extracted" if count else "Not started"
    if count >= EXTRACTORS_PER_STUDY:
        return "To settle"
    return f"{count} of {EXTRACTORS_PER_STUDY} extractors"
