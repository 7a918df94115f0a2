"""The review's extraction form: the default form, and edits that version it.

Versioning: an edit goes to the current (highest) version while no entry uses
it. Once an entry does, the first edit copies the version (its sections and
fields) into version + 1 and edits the copy, so every entry keeps the fields it
was entered under. A field's ``key`` names its value in every entry and stays
the same across versions; a new field gets a key never used in any version of
the review's form, so an old key never takes on a new meaning.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from reviews.models import Review

from ..models import ExtractionEntry, ExtractionForm, FieldType, FormField, FormSection

T = FieldType

# (section title, [(label, type, {options})]) of the form a new review starts with.
DEFAULT_FORM = [
    (
        "Methods",
        [
            (
                "Study design",
                T.SINGLE_CHOICE,
                {
                    "required": True,
                    "choices": [
                        "Parallel-group RCT",
                        "Cross-over RCT",
                        "Cluster RCT",
                        "Non-randomised controlled study",
                        "Other",
                    ],
                },
            ),
            ("Country", T.SHORT_TEXT, {}),
            ("Setting", T.SHORT_TEXT, {"help_text": "e.g. outpatient pain clinic, inpatients."}),
            ("Recruitment period starts", T.DATE, {}),
        ],
    ),
    (
        "Participants",
        [
            ("Number randomised", T.INTEGER, {"required": True}),
            ("Age, mean", T.NUMBER, {"unit": "years"}),
            ("Women", T.INTEGER, {"help_text": "Number of women randomised."}),
            ("Inclusion criteria", T.LONG_TEXT, {}),
        ],
    ),
    (
        "Interventions",
        [
            ("Intervention details", T.LONG_TEXT, {"help_text": "Drug, route, schedule."}),
            ("Dose", T.NUMBER, {"unit": "mg/kg/h"}),
            ("Duration of treatment", T.NUMBER, {"unit": "days"}),
        ],
    ),
    ("Comparators", [("Comparator", T.LONG_TEXT, {"help_text": "Placebo, usual care, ..."})]),
    (
        "Outcomes",
        [
            (
                "Outcomes measured",
                T.MULTIPLE_CHOICE,
                {"choices": ["Pain intensity", "Sleep quality", "Adverse events", "Other"]},
            ),
            ("Follow-up", T.NUMBER, {"unit": "weeks"}),
        ],
    ),
    (
        "Funding",
        [
            (
                "Funding source",
                T.SINGLE_CHOICE,
                {"choices": ["Industry", "Public", "Mixed", "None", "Not reported"]},
            ),
            ("Conflicts of interest declared", T.YES_NO, {}),
        ],
    ),
    ("Notes", [("Notes", T.LONG_TEXT, {})]),
]


def extraction_form_current(review: Review) -> ExtractionForm | None:
    """The version new entries are made under: the highest."""
    return ExtractionForm.objects.filter(review=review).order_by("-version").first()


@transaction.atomic
def extraction_form_create_default(*, review: Review, user=None) -> ExtractionForm:
    """Add the default form as the review's next version (version 1 on a new review)."""
    form = _new_version(review, user)
    taken: set[str] = set()
    for position, (title, fields) in enumerate(DEFAULT_FORM):
        section = FormSection.objects.create(form=form, title=title, position=position)
        for index, (label, type, options) in enumerate(fields):
            key = field_key(label, taken)
            taken.add(key)
            FormField.objects.create(
                section=section, key=key, label=label, type=type, position=index, **options
            )
    return form


def _new_version(review: Review, user) -> ExtractionForm:
    Review.objects.select_for_update().filter(pk=review.pk).first()
    latest = extraction_form_current(review)
    version = latest.version + 1 if latest else 1
    return ExtractionForm.objects.create(review=review, version=version, created_by=user)


def field_key(label: str, taken: set[str]) -> str:
    """A slug of the label, unique among ``taken``: ``age_mean``, ``age_mean_2``."""
    base = slugify(label).replace("-", "_")[:50].strip("_") or "field"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


def keys_ever_used(review: Review) -> set[str]:
    return set(FormField.objects.filter(section__form__review=review).values_list("key", flat=True))


# Editing ------------------------------------------------------------------


@dataclass(frozen=True)
class Editable:
    """The version an edit goes to, and where the edited section and field sit in it."""

    form: ExtractionForm
    section: FormSection | None = None
    field: FormField | None = None


def _editable(form: ExtractionForm, user, *, section=None, field=None) -> Editable:
    """The current version, ready to edit: copied first when entries use it."""
    locked = ExtractionForm.objects.select_for_update().get(pk=form.pk)
    current = extraction_form_current(form.review)
    if current.pk != locked.pk:
        raise ValidationError(f"Version {form.version} is not the current form; reload the page.")
    if not ExtractionEntry.objects.filter(form=locked).exists():
        return Editable(locked, section, field)
    copy, sections, fields = _clone(locked, user)
    return Editable(
        copy,
        sections[section.pk] if section else None,
        fields[field.pk] if field else None,
    )


def _clone(form: ExtractionForm, user):
    copy = _new_version(form.review, user)
    sections, fields = {}, {}
    for section in form.sections.prefetch_related("fields"):
        new_section = FormSection.objects.create(
            form=copy, title=section.title, position=section.position
        )
        sections[section.pk] = new_section
        for field in section.fields.all():
            old_pk = field.pk
            field.pk, field.id, field.section = None, None, new_section
            field.save()
            fields[old_pk] = field
    return copy, sections, fields


@transaction.atomic
def section_add(*, review: Review, user, title: str) -> FormSection:
    title = _title(title)
    current = extraction_form_current(review) or _new_version(review, user)
    form = _editable(current, user).form
    position = _next_position(form.sections.all())
    return FormSection.objects.create(form=form, title=title, position=position)


@transaction.atomic
def section_rename(*, section: FormSection, user, title: str) -> FormSection:
    section = _editable(section.form, user, section=section).section
    section.title = _title(title)
    section.save(update_fields=["title"])
    return section


@transaction.atomic
def section_move(*, section: FormSection, user, offset: int) -> FormSection:
    section = _editable(section.form, user, section=section).section
    _move(list(section.form.sections.all()), section, offset)
    return section


@transaction.atomic
def section_delete(*, section: FormSection, user) -> ExtractionForm:
    editable = _editable(section.form, user, section=section)
    editable.section.delete()
    return editable.form


@transaction.atomic
def field_add(*, section: FormSection, user, **attributes) -> FormField:
    section = _editable(section.form, user, section=section).section
    field = FormField(section=section, position=_next_position(section.fields.all()))
    field.key = field_key(attributes.get("label", ""), keys_ever_used(section.form.review))
    return _field_save(field, attributes)


@transaction.atomic
def field_update(*, field: FormField, user, **attributes) -> FormField:
    """Change a field's label, type, required, help text, choices, unit or section."""
    field = _editable(field.section.form, user, field=field).field
    if "section" in attributes:
        attributes["section"] = _same_section(attributes["section"], field)
    return _field_save(field, attributes)


@transaction.atomic
def field_move(*, field: FormField, user, offset: int) -> FormField:
    field = _editable(field.section.form, user, field=field).field
    _move(list(field.section.fields.all()), field, offset)
    return field


@transaction.atomic
def field_delete(*, field: FormField, user) -> ExtractionForm:
    editable = _editable(field.section.form, user, field=field)
    editable.field.delete()
    return editable.form


EDITABLE_ATTRIBUTES = {"label", "type", "required", "help_text", "choices", "unit", "section"}


def _field_save(field: FormField, attributes: dict) -> FormField:
    unknown = set(attributes) - EDITABLE_ATTRIBUTES
    if unknown:
        raise TypeError(f"Not a field attribute: {', '.join(sorted(unknown))}")
    for name, value in attributes.items():
        setattr(field, name, value)
    if field.type not in (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE):
        field.choices = []
    elif not field.choices:
        raise ValidationError({"choices": "A choice field needs its options."})
    if field.type != FieldType.NUMBER:
        field.unit = ""
    field.label = _title(field.label)
    field.full_clean(exclude=["section"])
    field.save()
    return field


def _same_section(section: FormSection, field: FormField) -> FormSection:
    """The field's new section, found in the version being edited (which may be a fresh copy)."""
    if section.form_id == field.section.form_id:
        return section
    old = list(section.form.sections.values_list("pk", flat=True))
    new = list(field.section.form.sections.all())
    if section.pk not in old or len(old) != len(new):
        raise ValidationError("Choose a section of the current form.")
    return new[old.index(section.pk)]


def _title(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError("Give it a name.")
    return text


def _next_position(queryset) -> int:
    last = queryset.order_by("-position").first()
    return last.position + 1 if last else 0


def _move(siblings: list, item, offset: int) -> None:
    """Move ``item`` up (-1) or down (+1) among its ordered siblings, renumbering them."""
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == item.pk)
    target = max(0, min(len(siblings) - 1, index + offset))
    siblings.insert(target, siblings.pop(index))
    for position, sibling in enumerate(siblings):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])
    item.position = target
