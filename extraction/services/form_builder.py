"""The review's extraction form: the default form (or one built from a spec), and edits
that version it.

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

# (section title, [(label, type, {options})]): a form's sections and fields, in order.
FormSpec = list[tuple[str, list[tuple[str, str, dict]]]]

_DESIGNS = [
    "Parallel-group randomised trial",
    "Cluster-randomised trial",
    "Cross-over trial",
    "Other randomised design",
    "Non-randomised controlled study",
    "Other",
]
_ANALYSED = [
    "Intention to treat (everyone randomised)",
    "Modified intention to treat",
    "Per protocol",
    "As treated",
    "Unclear",
]

# The form a new review starts with, for any review of interventions: the
# sections and items of the Cochrane data collection forms (Cochrane Handbook
# chapter 5, "Collecting data"; the EPOC and CDPLPG forms for intervention
# reviews), in our own words. Each review adapts it to its question.
DEFAULT_FORM: FormSpec = [
    (
        "Methods",
        [
            ("Study design", T.SINGLE_CHOICE, {"required": True, "choices": _DESIGNS}),
            (
                "Unit of allocation",
                T.SINGLE_CHOICE,
                {"choices": ["Individuals", "Clusters", "Body parts", "Other"]},
            ),
            ("Aim of the study", T.LONG_TEXT, {}),
            (
                "Trial registration",
                T.SHORT_TEXT,
                {"help_text": "Register and identifier, or “none found”."},
            ),
            ("Start date", T.DATE, {"help_text": "When recruitment began."}),
            ("End date", T.DATE, {"help_text": "When the last follow-up ended."}),
            (
                "Total study duration",
                T.SHORT_TEXT,
                {"help_text": "Treatment and follow-up as reported, e.g. 8 weeks, then 6 months."},
            ),
            ("Ethical approval reported", T.YES_NO, {}),
        ],
    ),
    (
        "Participants",
        [
            (
                "Population",
                T.LONG_TEXT,
                {"help_text": "Who took part: the condition, how it was diagnosed, its severity."},
            ),
            (
                "Setting",
                T.SHORT_TEXT,
                {"help_text": "Where, e.g. primary care or hospital; how many centres."},
            ),
            ("Country", T.SHORT_TEXT, {}),
            ("Inclusion criteria", T.LONG_TEXT, {}),
            ("Exclusion criteria", T.LONG_TEXT, {}),
            (
                "Recruitment",
                T.LONG_TEXT,
                {"help_text": "How participants were found and invited."},
            ),
            (
                "Number randomised",
                T.INTEGER,
                {"required": True, "help_text": "Everyone randomised, all groups together."},
            ),
            ("Age", T.SHORT_TEXT, {"help_text": "As reported: mean (SD), median (range), ..."}),
            ("Sex", T.SHORT_TEXT, {"help_text": "e.g. 58% women, or 35 women and 25 men."}),
            (
                "Other baseline characteristics",
                T.LONG_TEXT,
                {"help_text": "Co-morbidity, ethnicity, social factors: those the review needs."},
            ),
            (
                "Baseline imbalances",
                T.LONG_TEXT,
                {"help_text": "Differences between the groups at the start that could matter."},
            ),
        ],
    ),
    (
        "Interventions",
        [
            ("Number of groups", T.INTEGER, {}),
            (
                "Experimental intervention",
                T.LONG_TEXT,
                {
                    "help_text": "What the experimental group received, in enough detail to "
                    "repeat it: what, how much, how often, how, for how long."
                },
            ),
            (
                "Comparator",
                T.LONG_TEXT,
                {
                    "help_text": "What the control group received (placebo, usual care, no "
                    "treatment or another intervention), in the same detail."
                },
            ),
            ("Duration of treatment", T.SHORT_TEXT, {"help_text": "e.g. 5 days, 12 weeks."}),
            ("Delivered by", T.SHORT_TEXT, {"help_text": "Who gave it, and their training."}),
            (
                "Co-interventions",
                T.LONG_TEXT,
                {"help_text": "Other treatments given or allowed, by group."},
            ),
            (
                "Adherence and fidelity",
                T.LONG_TEXT,
                {"help_text": "Whether the groups got what was planned, and how it was checked."},
            ),
        ],
    ),
    (
        "Outcomes",
        [
            (
                "Outcomes collected",
                T.LONG_TEXT,
                {"help_text": "Every outcome the methods or the protocol name, with time points."},
            ),
            (
                "Outcomes reported",
                T.LONG_TEXT,
                {"help_text": "Those with results in the reports; name any left unreported."},
            ),
            (
                "Outcome definitions and tools",
                T.LONG_TEXT,
                {
                    "help_text": "For each outcome of the review: its definition, the tool or "
                    "scale (range, and whether higher is better), the unit, who measured it."
                },
            ),
            ("Longest follow-up", T.SHORT_TEXT, {}),
        ],
    ),
    (
        "Results",
        [
            (
                "Participants analysed",
                T.LONG_TEXT,
                {"help_text": "How many were analysed, per group and outcome."},
            ),
            (
                "Missing participants",
                T.LONG_TEXT,
                {"help_text": "Withdrawals, losses and exclusions per group, with reasons."},
            ),
            ("Analysis population", T.SINGLE_CHOICE, {"choices": _ANALYSED}),
            (
                "Results as reported",
                T.LONG_TEXT,
                {
                    "help_text": "Each outcome's results as the report gives them, with the "
                    "page or table; the numbers to pool go in the outcome data grid."
                },
            ),
            ("Subgroup analyses", T.LONG_TEXT, {"help_text": "Those the authors report."}),
        ],
    ),
    (
        "Notes",
        [
            (
                "Funding source",
                T.SINGLE_CHOICE,
                {"choices": ["Industry", "Public or charity", "Mixed", "None", "Not reported"]},
            ),
            ("Conflicts of interest declared", T.YES_NO, {}),
            ("Key conclusions of the authors", T.LONG_TEXT, {}),
            (
                "Correspondence with the authors",
                T.LONG_TEXT,
                {"help_text": "Whom we asked what, when, and what they answered."},
            ),
            ("Notes", T.LONG_TEXT, {}),
        ],
    ),
]


def extraction_form_current(review: Review) -> ExtractionForm | None:
    """The version new entries are made under: the highest."""
    return ExtractionForm.objects.filter(review=review).order_by("-version").first()


def extraction_form_create_default(*, review: Review, user=None) -> ExtractionForm:
    """Add the default form as the review's next version (version 1 on a new review)."""
    return extraction_form_create(review=review, user=user, spec=DEFAULT_FORM)


@transaction.atomic
def extraction_form_create(*, review: Review, user=None, spec: FormSpec) -> ExtractionForm:
    """Add a form built from ``spec`` as the review's next version.

    Keys are slugs of the labels, so a field labelled as in an earlier
    version (say "Country") has that version's key and its values line up.
    """
    form = _new_version(review, user)
    taken: set[str] = set()
    for position, (title, fields) in enumerate(spec):
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
