from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from reviews.models import Record
from reviews.permissions import Ability, review_object, review_view

from .. import selectors
from ..models import Study
from ..services import studies as services


@review_view(Ability.VIEW, write=Ability.MANAGE)
def study_list(request, review):
    if request.method == "POST":
        created = services.studies_sync(review=review)
        messages.success(
            request,
            f"{len(created)} new stud{'y' if len(created) == 1 else 'ies'} from included reports.",
        )
        return redirect("study_list", review.pk)
    studies = Study.objects.filter(review=review).prefetch_related("reports")
    waiting = selectors.included_reports(review).filter(studies__isnull=True).count()
    context = {"review": review, "studies": studies, "waiting": waiting}
    return render(request, "extraction/study_list.html", context)


@review_view(Ability.VIEW, write=Ability.MANAGE)
def study_detail(request, review, study_id: int):
    study = review_object(Study.objects.prefetch_related("reports__batch"), review, study_id)
    if request.method == "POST":
        _change(request, review, study)
        if Study.objects.filter(pk=study.pk).exists():
            return redirect("study_detail", review.pk, study.pk)
        return redirect("study_list", review.pk)
    others = Study.objects.filter(review=review).exclude(pk=study.pk)
    return render(
        request,
        "extraction/study_detail.html",
        {"review": review, "study": study, "others": others},
    )


def _change(request, review, study) -> None:
    action = request.POST.get("action")
    try:
        if action == "rename":
            services.study_rename(study=study, name=request.POST.get("name", ""))
        elif action == "merge":
            other = review_object(Study, review, int(request.POST.get("other") or 0))
            services.study_merge(into=study, other=other)
        elif action == "unlink":
            record = review_object(Record, review, int(request.POST.get("record") or 0))
            services.study_unlink_report(study=study, record=record)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Saved.")
