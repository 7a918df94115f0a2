"""Forms of the extraction form: the builder's field form, and the entry form built from a version.

Values are stored in ``ExtractionEntry.values`` as JSON, keyed by field key, by
type: text and single choice as str, multiple choice as a list of str, integer
as int, yes/no as bool, date as an ISO string (2024-03-01), and a number as a
decimal *string* exactly as entered ("12.50"), so no float rounding touches an
extracted figure and its stated precision survives. A blank answer has no key.
"""

from datetime import date
from decimal import Decimal

from crispy_forms.bootstrap import AppendedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.utils.html import escape

from ..models import ExtractionForm, FieldType, FormField

YES_NO = [("", "—"), ("yes", "Yes"), ("no", "No")]
CHOICE_TYPES = (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE)


def _yes_no(value: str) -> bool:
    return value == "yes"


def form_field(field: FormField) -> forms.Field:
    """The Django form field that asks and validates one question."""
    common = {"label": field.label, "required": field.required, "help_text": field.help_text}
    options = [(option, option) for option in field.choices]
    match field.type:
        case FieldType.LONG_TEXT:
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
        case FieldType.NUMBER:
            return forms.DecimalField(**common)
        case FieldType.INTEGER:
            return forms.IntegerField(**common)
        case FieldType.YES_NO:
            return forms.TypedChoiceField(
                choices=YES_NO, coerce=_yes_no, empty_value=None, **common
            )
        case FieldType.SINGLE_CHOICE:
            return forms.ChoiceField(choices=[("", "—"), *options], **common)
        case FieldType.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(
                choices=options, widget=forms.CheckboxSelectMultiple, **common
            )
        case FieldType.DATE:
            return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        case _:
            return forms.CharField(max_length=500, **common)


def to_json(value):
    """A cleaned value as stored (see the module docstring); None for a blank answer."""
    if value in (None, "", []):
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_initial(field: FormField, value):
    """A stored value as a form field's initial value."""
    if value is None:
        return None
    if field.type == FieldType.YES_NO:
        return "yes" if value else "no"
    return value


def display(field: FormField, value) -> str:
    """A stored value as read, for read-only pages and the compare page."""
    if value is None or value == "" or value == []:
        return ""
    if field.type == FieldType.YES_NO:
        return "Yes" if value else "No"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if field.type == FieldType.NUMBER and field.unit:
        return f"{value} {field.unit}"
    if field.type == FieldType.DATE:
        try:
            return date.fromisoformat(value).strftime("%-d %b %Y")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


class EntryForm(forms.Form):
    """The questions of one form version, laid out by section for crispy forms.

    With ``autosave`` (a function of a FormField giving its save URL), each
    input posts on change and a status line under it shows the answer.
    """

    def __init__(self, *args, version: ExtractionForm, values=None, autosave=None, **kwargs):
        self.version = version
        self.sections = list(version.sections.prefetch_related("fields"))
        self.by_key = {f.key: f for s in self.sections for f in s.fields.all()}
        values = values or {}
        initial = {key: to_initial(f, values.get(key)) for key, f in self.by_key.items()}
        super().__init__(*args, initial=initial, **kwargs)
        for key, field in self.by_key.items():
            self.fields[key] = form_field(field)
            if autosave:
                self.fields[key].widget.attrs.update(_autosave_attrs(field, autosave(field)))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*(self._fieldset(s, bool(autosave)) for s in self.sections))

    def _fieldset(self, section, autosave: bool) -> Fieldset:
        items = []
        for field in section.fields.all():
            item = AppendedText(field.key, escape(field.unit)) if field.unit else field.key
            items.append(item)
            if autosave:
                items.append(HTML(_status_html(field)))
        return Fieldset(section.title, *items, css_class="extraction-section")

    def values(self) -> dict:
        """The cleaned answers as stored, blanks left out."""
        stored = {key: to_json(value) for key, value in self.cleaned_data.items()}
        return {key: value for key, value in stored.items() if value is not None}


def _autosave_attrs(field: FormField, url: str) -> dict:
    # Posts the whole enclosing form (htmx does for non-GET requests); the view
    # reads only this field's answer from it. One save at a time per form, in
    # the order the answers were given.
    return {
        "hx-post": url,
        "hx-trigger": "change",
        "hx-sync": "closest form:queue all",
        "hx-target": f"#save-{field.key}",
        "hx-swap": "innerHTML",
    }


def _status_html(field: FormField) -> str:
    # Pulled up under its field, whose wrapper already has a bottom margin.
    return (
        f'<div class="autosave-status small" id="save-{field.key}" aria-live="polite"'
        ' style="margin: -.75rem 0 .75rem; min-height: 1.25rem"></div>'
    )


def field_form(field: FormField, data) -> EntryForm:
    """A form asking only ``field``: what autosave validates."""
    form = forms.Form(data)
    form.fields[field.key] = form_field(field)
    return form


class FieldForm(forms.ModelForm):
    """Add or change a field of the extraction form (the builder)."""

    choices = forms.CharField(
        label="Options",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For a choice field: one option per line.",
    )

    class Meta:
        model = FormField
        fields = ["label", "type", "required", "help_text", "unit", "choices"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["choices"] = "\n".join(self.instance.choices)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_label(self) -> str:
        label = " ".join(self.cleaned_data["label"].split())
        if not label:
            raise forms.ValidationError("Give the field a label.")
        return label

    def clean_choices(self) -> list[str]:
        seen = []
        for line in self.cleaned_data["choices"].splitlines():
            option = " ".join(line.split())
            if option and option not in seen:
                seen.append(option)
        return seen

    def clean(self):
        data = super().clean()
        if data.get("type") in CHOICE_TYPES and len(data.get("choices") or []) < 2:
            self.add_error("choices", "Give at least two options, one per line.")
        return data

    def attributes(self) -> dict:
        """The cleaned data as ``field_add`` and ``field_update`` take them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
