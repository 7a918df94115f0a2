"""Extraction pages: the studies to extract, the entry page with autosave, the lead's compare page."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from reviews.permissions import Ability, has_ability, review_object, review_view

from ..forms.entries import EntryForm, display
from ..models import ExtractionEntry, FormField, Study
from ..services import entries as services
from ..services.form_builder import extraction_form_current


@review_view(Ability.VIEW)
def extraction_list(request, review):
    context = {
        "review": review,
        "statuses": services.extraction_status(review),
        "can_extract": has_ability(request.membership, Ability.CONTRIBUTE),
    }
    return render(request, "extraction/entry_list.html", context)


@review_view(Ability.VIEW, write=Ability.CONTRIBUTE)
def study_extract(request, review, study_id: int):
    """The study's entry: a form that saves as you go, or the entry read-only.

    Read-only when the member may not write it: a viewer, an entry made under
    an older form version (until carried over), or a settled dual extraction.
    """
    study = review_object(Study, review, study_id)
    if request.method == "POST" and request.POST.get("action") == "carry_over":
        return _carry_over(request, review, study)
    current = extraction_form_current(review)
    can_extract = has_ability(request.membership, Ability.CONTRIBUTE)
    settled = services.entry_consensus(study) is not None
    entry = services.entry_working(study, request.user) if can_extract else None
    refusal = _refusal(review, study, entry, current, settled) if can_extract else ""
    form = None
    if can_extract and not refusal:
        form = _entry_form(request, review, study, current, entry)
        if request.method == "POST" and _save(request, study, form):
            return redirect("study_extract", review.pk, study.pk)
    elif request.method == "POST":
        messages.error(request, refusal or "Your role cannot extract.")
        return redirect("study_extract", review.pk, study.pk)
    # Dual extraction is blinded: without an entry of their own, a member reads
    # only the settled result (entry_result), never the other extractor's.
    shown = services.entry_result(study) if settled or entry is None else entry
    context = {
        "review": review,
        "study": study,
        "current": current,
        "entry": shown,
        "form": form,
        "refusal": refusal,
        "answers": answer_sections(shown) if shown and form is None else [],
        "old_version": entry is not None and current is not None and entry.form_id != current.pk,
        "dual": review.dual_extraction,
        "settled": settled,
    }
    return render(request, "extraction/entry_page.html", context)


def _refusal(review, study, entry, current, settled) -> str:
    """Why this member cannot write the study's entry here, or "" when they can."""
    if current is None:
        return "The review has no extraction form yet."
    if entry is not None and entry.form_id != current.pk:
        return f"Entered under form version {entry.form.version}; carry it over to edit it."
    if review.dual_extraction and settled:
        return "The lead has settled this study's extraction."
    if review.dual_extraction and entry is None and len(services.entries_independent(study)) >= 2:
        return "Two reviewers have already extracted this study."
    return ""


def _entry_form(request, review, study, current, entry) -> EntryForm:
    def autosave(field):
        return reverse("study_extract_field", args=[review.pk, study.pk, field.pk])

    data = request.POST if request.method == "POST" else None
    return EntryForm(data, version=current, values=entry.values if entry else {}, autosave=autosave)


def _save(request, study, form) -> bool:
    try:
        services.entry_save(study=study, reviewer=request.user, data=request.POST)
    except ValidationError as error:
        _add_errors(form, error)
        return False
    messages.success(request, "Saved.")
    return True


def _add_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        if key not in form.errors:
            form.add_error(key if key in form.fields else None, errors)


def _carry_over(request, review, study):
    entry = services.entry_working(study, request.user)
    if entry is None:
        return redirect("study_extract", review.pk, study.pk)
    dropped = services.entry_carry_over(entry=entry)
    version = extraction_form_current(review).version
    if dropped:
        messages.warning(
            request,
            f"Carried over to version {version}; these answers no longer fit and were left out "
            f"(the history keeps them): {', '.join(dropped)}.",
        )
    else:
        messages.success(request, f"Carried over to version {version}.")
    return redirect("study_extract", review.pk, study.pk)


@review_view(Ability.CONTRIBUTE, methods=["POST"])
def study_extract_field(request, review, study_id: int, field_id: int):
    """Autosave one answer; answer with its status line (an error, or a "saved" tick)."""
    study = review_object(Study, review, study_id)
    field = review_object(
        FormField.objects.select_related("section__form"),
        review,
        field_id,
        field="section__form__review",
    )
    consensus = request.POST.get("consensus") == "1"
    error = ""
    if consensus and not request.membership.is_lead:
        error = "Only a lead settles."
    else:
        try:
            services.entry_save_field(
                study=study,
                reviewer=request.user,
                field=field,
                data=request.POST,
                consensus=consensus,
            )
        except ValidationError as failure:
            error = " ".join(failure.messages)
    return render(request, "extraction/entry_field_status.html", {"error": error, "field": field})


# The lead's compare page --------------------------------------------------


@dataclass(frozen=True)
class Answer:
    field: FormField
    text: str


@dataclass(frozen=True)
class AnswerSection:
    title: str
    answers: list[Answer]


def answer_sections(entry: ExtractionEntry) -> list[AnswerSection]:
    """An entry's answers under its own version's sections and fields, as read."""
    sections = entry.form.sections.prefetch_related("fields")
    return [
        AnswerSection(
            s.title, [Answer(f, display(f, entry.values.get(f.key))) for f in s.fields.all()]
        )
        for s in sections
    ]


@dataclass(frozen=True)
class Cell:
    entry: ExtractionEntry
    text: str


@dataclass(frozen=True)
class CompareRow:
    field: FormField
    values: list[Cell]
    settled: str
    differ: bool
    is_settled: bool


@review_view(Ability.MANAGE)
def study_extract_compare(request, review, study_id: int):
    """The two extractors' answers side by side; the lead takes one answer per field."""
    study = review_object(Study, review, study_id)
    if request.method == "POST":
        _settle(request, review, study)
        return redirect("study_extract_compare", review.pk, study.pk)
    entries = services.entries_independent(study)[:2]
    consensus = services.entry_consensus(study)
    context = {
        "review": review,
        "study": study,
        "entries": entries,
        "consensus": consensus,
        "sections": compare_sections(entries, consensus) if len(entries) == 2 else [],
        "consensus_form": _consensus_form(review, study, consensus),
    }
    return render(request, "extraction/entry_compare.html", context)


def _consensus_form(review, study, consensus) -> EntryForm | None:
    if consensus is None or consensus.form != extraction_form_current(review):
        return None

    def autosave(field):
        return reverse("study_extract_field", args=[review.pk, study.pk, field.pk])

    return EntryForm(version=consensus.form, values=consensus.values, autosave=autosave)


def compare_sections(entries, consensus) -> list[tuple[str, list[CompareRow]]]:
    """Rows by key under the newer entry's version (keys are stable across versions)."""
    newer = max(entries, key=lambda entry: entry.form.version).form
    settled = consensus.values if consensus else {}
    return [
        (section.title, [_row(field, entries, settled) for field in section.fields.all()])
        for section in newer.sections.prefetch_related("fields")
    ]


def _row(field, entries, settled: dict) -> CompareRow:
    answers = [entry.values.get(field.key) for entry in entries]
    return CompareRow(
        field,
        [
            Cell(entry, display(field, answer))
            for entry, answer in zip(entries, answers, strict=True)
        ],
        display(field, settled.get(field.key)),
        differ=answers[0] != answers[1],
        is_settled=field.key in settled,
    )


def _settle(request, review, study) -> None:
    action = request.POST.get("action")
    try:
        if action == "agreements":
            services.entry_settle_agreements(study=study, lead=request.user)
        elif action == "take":
            source = review_object(
                ExtractionEntry, review, _int(request.POST.get("entry")), field="study__review"
            )
            services.entry_settle(
                study=study, lead=request.user, key=request.POST.get("key", ""), source=source
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))


def _int(value) -> int:
    return int(value) if value and str(value).isdigit() else 0
