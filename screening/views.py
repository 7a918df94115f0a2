from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin

from reviews.models import Record, display_name
from reviews.permissions import Ability, review_object, review_view

from . import rankings, selectors, services, stopping_checks
from .forms import (
    DecisionForm,
    FullTextForm,
    PrioritisationForm,
    ReasonForm,
    ResolveForm,
    ScreeningOrderForm,
)
from .highlight import highlight, parse_terms
from .models import Decision, ExclusionReason, FullText, Ranking, Stage, StoppingCheck
from .queue import next_record

STAGES = {"title-abstract": Stage.TITLE_ABSTRACT, "full-text": Stage.FULL_TEXT}
SLUGS = {stage: slug for slug, stage in STAGES.items()}


def _stage(slug: str) -> str:
    if slug not in STAGES:
        raise Http404("No such stage.")
    return STAGES[slug]


@review_view(Ability.CONTRIBUTE)
def screen(request, review, stage_slug: str):
    """The screening page: one record at a time, the next one swapped in by htmx."""
    stage = _stage(stage_slug)
    record = _chosen_or_next(request, review, stage)
    context = {
        **card_context(request, review, stage, record),
        "progress": selectors.progress(review, request.user, stage),
        "order_choice": _order_choice(review, request.user, stage),
    }
    return render(request, "screening/screen.html", context)


def _order_choice(review, reviewer, stage) -> str | None:
    """The reviewer's order at title/abstract when the review prioritises, else None."""
    if stage != Stage.TITLE_ABSTRACT or not rankings.prioritisation_for(review).enabled:
        return None
    return rankings.screener_order(review, reviewer)


def _chosen_or_next(request, review, stage):
    record_id = request.GET.get("record")
    if record_id and record_id.isdigit():
        return review_object(Record.objects.select_related("batch"), review, int(record_id))
    return _next(request, review, stage)


def _next(request, review, stage):
    return next_record(review, request.user, stage, skip=_skipped(request, review, stage))


def _skipped(request, review, stage) -> list[int]:
    return request.session.get(f"skip-{review.pk}-{stage}", [])


def card_context(
    request,
    review,
    stage,
    record,
    *,
    form=None,
    error: str = "",
    notice: str = "",
    undecided: bool = False,
) -> dict:
    """What the record card shows; only the requesting reviewer's own decision, unless blinding is off.

    ``undecided`` says the record comes fresh from the queue, which never offers
    a record I decided: with blinding on there is no decision to look up.
    """
    mine = others = None
    if record is not None and not (undecided and review.blinding):
        decisions = list(
            Decision.objects.filter(record=record, stage=stage).select_related("reason", "reviewer")
        )
        mine = next((d for d in decisions if d.reviewer_id == request.user.pk), None)
        others = (
            [d for d in decisions if d.reviewer_id != request.user.pk]
            if not review.blinding
            else None
        )
    full_text = None
    if record is not None and stage == Stage.FULL_TEXT:
        full_text = FullText.objects.filter(record=record).first()
    include, exclude = parse_terms(review.include_terms), parse_terms(review.exclude_terms)
    return {
        "review": review,
        "stage": stage,
        "stage_slug": SLUGS[stage],
        "urls": {
            action: reverse(f"screen_{action}", args=[review.pk, SLUGS[stage]])
            for action in ("decide", "skip", "undo")
        },
        "stage_label": Stage(stage).label,
        "record": record,
        "title_html": highlight(record.title, include, exclude) if record else "",
        "abstract_html": highlight(record.abstract, include, exclude) if record else "",
        "mine": mine,
        "others": others,
        "full_text": full_text,
        "entered": _entered(form, mine),
        "reasons": review.exclusion_reasons.filter(active=True),
        "reason_required": stage == Stage.FULL_TEXT or review.reason_at_title_abstract,
        "full_text_form": FullTextForm() if stage == Stage.FULL_TEXT else None,
        "error": error,
        "notice": notice,
        "done_count": services.screener_done(review=review, reviewer=request.user, stage=stage),
        "badge": _badge(review, request.user, stage, record),
    }


def _badge(review, reviewer, stage, record):
    if record is None or stage != Stage.TITLE_ABSTRACT:
        return None
    return rankings.relevance_badge(review, reviewer, record)


def _entered(form, mine) -> dict:
    """What the card's fields hold: what was posted when it was refused, else my decision.

    Plain values, not a form: the card is drawn after every decision, and a
    DecisionForm with its bound fields cost more than the rest of the card.
    """
    if form is not None:
        values = {name: form[name].value() or "" for name in ("reason", "note", "labels")}
        return values | {"reason": str(values["reason"])}
    if mine is None:
        return {"reason": "", "note": "", "labels": ""}
    return {
        "reason": str(mine.reason_id or ""),
        "note": mine.note,
        "labels": ", ".join(mine.labels),
    }


@review_view(Ability.CONTRIBUTE, methods=["POST"])
def decide(request, review, stage_slug: str):
    """Record a decision and answer with the next record's card."""
    stage = _stage(stage_slug)
    form = DecisionForm(request.POST, review=review)
    if not form.is_valid():
        record = _posted_record(request, review)
        return _card(request, review, stage, record, form=form, error="Check the decision.")
    data = form.cleaned_data
    try:
        # The service locks the record by its id within this review, so the
        # check that it belongs here costs no query of its own.
        services.decision_record(
            record=Record(pk=data["record"], review=review),
            reviewer=request.user,
            stage=stage,
            verdict=data["verdict"],
            reason=data["reason"],
            note=data["note"],
            labels=data["labels"],
        )
    except Record.DoesNotExist:
        raise Http404("No such record.") from None
    except services.RecordSettled as settled:
        notice = (
            f"{' '.join(settled.messages)} Your decision was not saved; here is the next record."
        )
        return _card(request, review, stage, _next(request, review, stage), notice=notice)
    except ValidationError as error:
        record = review_object(Record, review, data["record"])
        return _card(request, review, stage, record, form=form, error=" ".join(error.messages))
    return _card(request, review, stage, _next(request, review, stage), undecided=True)


def _posted_record(request, review):
    record_id = request.POST.get("record", "")
    return review_object(Record, review, int(record_id)) if record_id.isdigit() else None


def _card(request, review, stage, record, **extra):
    context = card_context(request, review, stage, record, **extra)
    if request.headers.get("HX-Request"):
        return render(request, "screening/record_card.html", context)
    if extra.get("error"):
        messages.error(request, extra["error"])
    if extra.get("notice"):
        messages.info(request, extra["notice"])
    query = f"?record={record.pk}" if record is not None and extra.get("error") else ""
    return redirect(reverse("screen", args=[review.pk, SLUGS[stage]]) + query)


@review_view(Ability.CONTRIBUTE, methods=["POST"])
def skip(request, review, stage_slug: str):
    """Leave this record for later; once only skipped ones are left, they come round again."""
    stage = _stage(stage_slug)
    record = _posted_record(request, review)
    key = f"skip-{review.pk}-{stage}"
    skipped = request.session.get(key, [])
    if record is not None and record.pk not in skipped:
        request.session[key] = skipped = [*skipped, record.pk]
    upcoming = _next(request, review, stage)
    if upcoming is None and skipped:
        request.session[key] = []
        upcoming = _next(request, review, stage)
    return _card(request, review, stage, upcoming)


@review_view(Ability.CONTRIBUTE, methods=["POST"])
def undo(request, review, stage_slug: str):
    """Take back my latest decision that is not resolved yet, and show that record again."""
    stage = _stage(stage_slug)
    last = (
        Decision.objects.filter(record__review=review, stage=stage, reviewer=request.user)
        .order_by("-updated")
        .first()
    )
    if last is None:
        return _card(
            request, review, stage, _next(request, review, stage), error="Nothing to undo."
        )
    try:
        services.decision_withdraw(record=last.record, reviewer=request.user, stage=stage)
    except ValidationError as error:
        return _card(
            request, review, stage, _next(request, review, stage), error=" ".join(error.messages)
        )
    return _card(request, review, stage, last.record)


@review_view(Ability.CONTRIBUTE)
def my_decisions(request, review, stage_slug: str):
    stage = _stage(stage_slug)
    context = {
        "review": review,
        "stage": stage,
        "stage_slug": stage_slug,
        "stage_label": Stage(stage).label,
        "decisions": selectors.my_decisions(review, request.user, stage)[:500],
    }
    return render(request, "screening/my_decisions.html", context)


@review_view(Ability.MANAGE)
def conflict_list(request, review):
    stage = STAGES.get(request.GET.get("stage", ""), Stage.TITLE_ABSTRACT)
    pair = _pair(request.GET.get("pair", ""))
    reason = request.GET.get("reason", "")
    rows = selectors.conflicts(
        review, stage=stage, pair=pair, reason_id=int(reason) if reason.isdigit() else None
    )
    if not review.lead_sees_voters:
        for row in rows:  # in username order, "Reviewer 1" would be the same person on every record
            row.decisions.sort(key=lambda decision: (decision.verdict, decision.pk))
    context = {
        "review": review,
        "stage": stage,
        "stage_slug": SLUGS[stage],
        "rows": rows,
        "resolve_form": ResolveForm(review=review),
        "reasons": review.exclusion_reasons.all(),
        "reviewers": selectors.reviewers(review),
        "pair": request.GET.get("pair", ""),
        "reason": reason,
        "show_voters": review.lead_sees_voters,
        "counts": {s: selectors.stage_counts(review, s).conflicts for s in Stage},
    }
    return render(request, "screening/conflict_list.html", context)


def _pair(value: str) -> tuple[int, int] | None:
    parts = value.split("-")
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[0]), int(parts[1])
    return None


@review_view(Ability.MANAGE, methods=["POST"])
def conflict_resolve(request, review, record_id: int):
    record = review_object(Record, review, record_id)
    stage = STAGES.get(request.POST.get("stage", ""))
    form = ResolveForm(request.POST, review=review)
    if stage is None or not form.is_valid():
        messages.error(request, "Choose include or exclude.")
    else:
        try:
            services.conflict_resolve(
                record=record, stage=stage, lead=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Resolved: {form.cleaned_data['verdict']}.")
    return redirect(
        reverse("conflict_list", args=[review.pk]) + f"?stage={SLUGS.get(stage, 'title-abstract')}"
    )


@review_view(Ability.VIEW, write=Ability.MANAGE)
def reason_list(request, review):
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.exclusion_reason_add(review=review, label=form.cleaned_data["label"])
        except ValidationError as error:
            form.add_error("label", error)
        else:
            return redirect("reason_list", review.pk)
    return render(
        request,
        "screening/reason_list.html",
        {"review": review, "form": form, "reasons": review.exclusion_reasons.all()},
    )


@review_view(Ability.MANAGE, methods=["POST"])
def reason_toggle(request, review, reason_id: int):
    reason = review_object(ExclusionReason, review, reason_id)
    services.exclusion_reason_set_active(reason=reason, active=not reason.active)
    return redirect("reason_list", review.pk)


@review_view(Ability.CONTRIBUTE, methods=["POST"])
def full_text_edit(request, review, record_id: int):
    record = review_object(Record, review, record_id)
    form = FullTextForm(request.POST, request.FILES)
    if (
        form.is_valid()
        and form.cleaned_data["not_retrieved_reason"]
        and not request.membership.is_lead
    ):
        # "Not retrieved" takes the record out of full-text screening and counts in PRISMA.
        messages.error(request, "Only the lead marks a full text as not retrieved.")
    elif form.is_valid():
        services.full_text_save(record=record, user=request.user, **form.cleaned_data)
        messages.success(request, "Full text saved.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(reverse("screen", args=[review.pk, "full-text"]) + f"?record={record.pk}")


@review_view(Ability.VIEW)
@xframe_options_sameorigin  # read beside the screening form, in a frame of our own page
def full_text_file(request, review, record_id: int):
    full_text = get_object_or_404(FullText, record_id=record_id, record__review=review)
    if not full_text.file:
        raise Http404("No PDF attached.")
    return FileResponse(
        full_text.file.open("rb"),
        content_type="application/pdf",
        filename=f"record-{record_id}.pdf",
    )


@review_view(Ability.CONTRIBUTE, methods=["POST"])
def screen_order(request, review, stage_slug: str):
    """The reviewer's choice: the likely relevant records first, or the review's order."""
    stage = _stage(stage_slug)
    form = ScreeningOrderForm(request.POST)
    if form.is_valid():
        rankings.screener_order_set(
            review=review, reviewer=request.user, order=form.cleaned_data["order"]
        )
    else:
        messages.error(request, "Choose the likely relevant first, or the review's order.")
    return redirect("screen", review.pk, SLUGS[stage])


@review_view(Ability.MANAGE)
def prioritisation(request, review):
    """The review's prioritisation settings, and the record of every ranking and stopping check."""
    instance = rankings.prioritisation_for(review)
    form = PrioritisationForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Prioritisation settings saved.")
        return redirect("prioritisation", review.pk)
    context = {
        "review": review,
        "form": form,
        "rankings": rankings.rankings_of(review),
        "checks": StoppingCheck.objects.filter(review=review).prefetch_related("results")[:20],
        "methods": stopping_checks.methods_paragraph(review),
    }
    return render(request, "screening/prioritisation.html", context)


@review_view(Ability.MANAGE, methods=["POST"])
def ranking_retry(request, review, ranking_id: int):
    """The lead sends a reviewer's failed retraining again."""
    ranking = review_object(Ranking, review, ranking_id)
    try:
        rankings.ranking_retry(ranking=ranking)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        name = display_name(ranking.reviewer)
        messages.success(request, f"The retraining of {name}'s ranking is queued again.")
    return redirect("review_dashboard", review.pk)


@review_view(Ability.MANAGE, methods=["POST"])
def stopping_start(request, review):
    try:
        check = stopping_checks.stopping_check_start(review=review, lead=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Stopping check started: {check.planned} records drawn at random, queued first.",
        )
    return redirect("review_dashboard", review.pk)


@review_view(Ability.MANAGE, methods=["POST"])
def stopping_extend(request, review):
    check = stopping_checks.open_check(review)
    try:
        if check is None:
            raise ValidationError("No stopping check is open.")
        check = stopping_checks.stopping_check_extend(check=check, lead=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The sample now holds {check.planned} records.")
    return redirect("review_dashboard", review.pk)


@review_view(Ability.MANAGE, methods=["POST"])
def stopping_close(request, review):
    check = stopping_checks.open_check(review)
    if check is None:
        messages.error(request, "No stopping check is open.")
    else:
        stopping_checks.stopping_check_close(check=check, lead=request.user)
        messages.success(request, "Stopping check closed; its record is kept.")
    return redirect("review_dashboard", review.pk)
