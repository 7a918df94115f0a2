"""Which models travel in a review's backup, how to find a review's rows, and in what order.

The plan is walked from :class:`~reviews.models.Review` along the foreign keys that
point at it (through ``Django``'s ``_meta``), so a new model that belongs to a review
joins the backup by itself. A model of the project's apps that is not reached must be
named in :data:`EXCLUDED` with the reason; a test holds the two lists together.
"""

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import models

from reviews.models import Review

PROJECT_APPS = ("reviews", "screening", "extraction", "synthesis", "workspace")

EXCLUDED: dict[str, str] = {
    "reviews.Invitation": (
        "its link lets whoever holds it join the team: invitations never travel "
        "(their history does); invite again on the new instance"
    ),
    "screening.QueueEntry": (
        "an index of the records waiting at a stage, keyed on record ids: the restore "
        "rebuilds it from the decisions"
    ),
}

# Task ids: they name messages of the old instance's task system. Restored as a new
# uuid where the backup has one (a worker checks the row's id before it runs), else "".
FRESH: dict[str, tuple[str, ...]] = {
    "reviews.ImportBatch": ("task_id",),
    "screening.Ranking": ("task_id",),
    "synthesis.Analysis": ("task_id",),
    "workspace.Export": ("task_id",),
}


class PlanError(Exception):
    """The model graph has a relation the backup does not know how to carry."""


@dataclass(frozen=True)
class Step:
    """One model of the plan.

    ``lookup`` is the filter keyword that leads from the model to its review's id
    (``record__review__id``); ``history_of`` is the model whose history a historical
    model keeps, else None.
    """

    model: type[models.Model]
    lookup: str
    history_of: type[models.Model] | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def fresh(self) -> tuple[str, ...]:
        return FRESH.get(self.label, ())

    def rows(self, review_id: int) -> models.QuerySet:
        """The model's rows that belong to review ``review_id``, oldest first."""
        manager = self.model._base_manager
        return manager.filter(**{self.lookup: review_id}).order_by("pk")


def is_historical(model: type[models.Model]) -> bool:
    return hasattr(model, "instance_type")


def history_model(model: type[models.Model]) -> type[models.Model] | None:
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, manager).model if manager else None


def review_plan() -> tuple[Step, ...]:
    """Every model that belongs to a review, each after the models it points to,
    then the historical models in the same order."""
    lookups = _walk(Review)
    planned = [model for model in lookups if model._meta.label not in EXCLUDED]
    ordered = _dependency_order(planned)
    steps = [Step(model, lookups[model]) for model in ordered]
    for model in ordered + [m for m in lookups if m not in planned]:
        historical = history_model(model)
        if historical is not None and historical._meta.label not in EXCLUDED:
            steps.append(Step(historical, lookups[model], history_of=model))
    _check_relations(steps)
    return tuple(steps)


def project_models() -> list[type[models.Model]]:
    """Every model of the project's own apps, the automatic many-to-many tables included."""
    found = []
    for label in PROJECT_APPS:
        found += apps.get_app_config(label).get_models(include_auto_created=True)
    return found


def _walk(root: type[models.Model]) -> dict[type[models.Model], str]:
    """Breadth first from ``root`` along non-null foreign keys pointing at what is found."""
    lookups = {root: "id"}
    queue = [root]
    while queue:
        parent = queue.pop(0)
        for relation in parent._meta.get_fields(include_hidden=True):
            child = relation.related_model
            if not (relation.one_to_many or relation.one_to_one) or relation.concrete:
                continue
            if child in lookups or is_historical(child) or relation.remote_field.null:
                continue
            lookups[child] = f"{relation.remote_field.name}__{lookups[parent]}"
            queue.append(child)
    return lookups


def _dependency_order(planned: list[type[models.Model]]) -> list[type[models.Model]]:
    """Each model after every planned model it points to (a model may point to itself)."""
    done: list[type[models.Model]] = []
    waiting = list(planned)
    while waiting:
        ready = [m for m in waiting if all(d in done for d in _depends_on(m, planned))]
        if not ready:
            names = ", ".join(m._meta.label for m in waiting)
            raise PlanError(f"Foreign keys go round in a circle between {names}.")
        done += ready
        waiting = [m for m in waiting if m not in ready]
    return done


def _depends_on(model, planned) -> set:
    return {
        field.related_model
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model in planned and field.related_model is not model
    }


def _check_relations(steps: list[Step]) -> None:
    """Every foreign key leads to a planned model, a user, or (from history) an excluded one."""
    planned = {step.model for step in steps if step.history_of is None}
    reached = planned | {step.history_of for step in steps if step.history_of}
    user = apps.get_model(settings.AUTH_USER_MODEL)
    for step in steps:
        allowed = reached if step.history_of else planned
        for field in step.model._meta.concrete_fields:
            if field.is_relation and field.related_model not in allowed | {user}:
                raise PlanError(
                    f"{step.label}.{field.name} points to {field.related_model._meta.label}, "
                    "which a review's backup does not carry: plan it or exclude it."
                )
