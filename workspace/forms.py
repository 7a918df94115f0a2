"""Forms of the workspace pages: the records browser's filter and its bulk actions, and the
export page's form for records on their own."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from reviews.models import Membership, Record
from reviews.selectors import RECORD_SORTS, RECORD_VIEWS, databases
from screening.models import Stage
from screening.standing import MY_DECISIONS, standing_choices

from .exports.records import RECORD_STATUSES

# Ids the databases can hold: a bigger number in a lookup is an OverflowError on SQLite.
MAX_ID = 2**31 - 1
MAX_PAGE = 1_000_000
# A bulk action runs in the request, one transaction; past this, narrow the filter.
BULK_LIMIT = 5_000


class CompactSelect(forms.Select):
    """A select written in one pass.

    Django renders each option through two templates of its own; with the
    filter's and the bulk form's fifty options, that was a third of the
    records page's time.
    """

    def render(self, name, value, attrs=None, renderer=None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group, options, _ in widget["optgroups"]:
            body = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((o["value"], " selected" if o["selected"] else "", o["label"]) for o in options),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group, body) if group else body
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(widget["attrs"]),
            mark_safe("".join(groups)),
        )


class BootstrapForm(forms.Form):
    """A form whose widgets carry Bootstrap's small classes, marked invalid where a field errs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget = CompactSelect(attrs=field.widget.attrs, choices=field.widget.choices)
            if not isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
                field.widget.attrs["class"] = f"{css} {css}-sm"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields and "class" in self.fields[name].widget.attrs:
                self.fields[name].widget.attrs["class"] += " is-invalid"


class PageField(forms.Field):
    """A page number from the query string: anything but a whole number from 1 is page 1, and a
    number past the end is the last page (the paginator's rule)."""

    widget = forms.HiddenInput

    def to_python(self, value) -> int:
        value = str(value or "").strip()
        if not (value.isascii() and value.isdigit()):
            return 1
        return MAX_PAGE if len(value) > 9 else min(max(int(value), 1), MAX_PAGE)


class RecordFilterForm(BootstrapForm):
    """What the records browser shows; every field is optional, bound to the query string."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "Words, author, DOI or PMID"}
        ),
    )
    database = forms.ChoiceField(label="Database", required=False)
    batch = forms.ModelChoiceField(
        label="Import", required=False, queryset=None, empty_label="All imports"
    )
    show = forms.ChoiceField(label="Records", required=False, choices=RECORD_VIEWS.items())
    stage = forms.ChoiceField(label="Stage", required=False, choices=Stage.choices)
    state = forms.ChoiceField(label="Where it stands", required=False)
    mine = forms.ChoiceField(label="My decision", required=False)
    label = forms.ModelChoiceField(
        label="Label", required=False, queryset=None, empty_label="Any label"
    )
    sort = forms.ChoiceField(
        label="Sort",
        required=False,
        choices=[(key, label) for key, (label, _) in RECORD_SORTS.items()],
    )
    page = PageField(required=False)

    def __init__(self, data, *, membership: Membership):
        super().__init__(data)
        review = membership.review
        self.fields["database"].choices = [("", "All databases")] + [
            (name, name) for name in databases(review)
        ]
        self.fields["batch"].queryset = review.import_batches.filter(status="done")
        self.fields["state"].choices = standing_choices(membership)
        self.fields["label"].queryset = review.labels.all()
        if membership.can_screen:
            self.fields["mine"].choices = [("", "Anyone's"), *MY_DECISIONS.items()]
        else:
            del self.fields["mine"]

    def clean(self) -> dict:
        data = super().clean()
        data["show"] = data.get("show") or "unique"
        data["stage"] = data.get("stage") or Stage.TITLE_ABSTRACT
        data["sort"] = data.get("sort") or "import"
        return data

    def query_string(self, **changes) -> str:
        """The filter as a query string, ``changes`` applied (``page=2``), empty values left out."""
        values = {name: self.data.get(name, "") for name in self.fields if name != "page"}
        values.update(changes)
        return urlencode({name: value for name, value in values.items() if value not in ("", None)})


class IdListField(forms.Field):
    """Record ids from checkboxes: whole numbers a database can hold, each once."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        ids = []
        for item in values:
            item = str(item).strip()
            if (
                not (item.isascii() and item.isdigit() and len(item) <= 10)
                or not 0 < int(item) <= MAX_ID
            ):
                raise ValidationError(f"“{item[:20]}” is not a record.")
            ids.append(int(item))
        return list(dict.fromkeys(ids))


class BulkActionForm(BootstrapForm):
    """One action on the records a filter shows: the ones ticked, or all of them."""

    ACTIONS = [
        ("label", "Add a label"),
        ("unlabel", "Remove a label"),
        ("exclude", "Exclude at title/abstract"),
    ]
    SCOPES = [("selected", "The records ticked"), ("all", "Every record the filter shows")]

    action = forms.ChoiceField(label="Action", choices=ACTIONS)
    scope = forms.ChoiceField(label="Apply to", choices=SCOPES, initial="selected")
    records = IdListField(label="Records ticked", required=False)
    expected = forms.IntegerField(
        min_value=0, max_value=MAX_ID, required=False, widget=forms.HiddenInput
    )
    label_name = forms.CharField(
        label="Label",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"list": "label-names", "placeholder": "e.g. animal study"}),
    )
    reason = forms.ModelChoiceField(
        label="Reason", queryset=None, required=False, empty_label="Choose a reason"
    )
    note = forms.CharField(label="Note", max_length=2000, required=False)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.review = review
        self.fields["reason"].queryset = review.exclusion_reasons.filter(active=True)

    def clean(self) -> dict:
        data = super().clean()
        action, scope = data.get("action"), data.get("scope")
        if scope == "selected" and not data.get("records"):
            self.add_error("records", "Tick the records to act on, or choose every record.")
        if scope == "all" and data.get("expected") is None:
            self.add_error("scope", "Say how many records you saw: reload the records page.")
        if action in ("label", "unlabel") and not " ".join(data.get("label_name", "").split()):
            self.add_error("label_name", "Name the label.")
        if action == "unlabel" and data.get("label_name"):
            data["label"] = self.review.labels.filter(name__iexact=data["label_name"]).first()
            if data["label"] is None:
                self.add_error("label_name", f"No label is called “{data['label_name']}”.")
        if action == "exclude":
            if data.get("reason") is None:
                self.add_error("reason", "Choose the reason for the exclusion.")
            if not data.get("note", "").strip():
                self.add_error("note", "Say why, in a note kept with the lead's decision.")
        return data

    def selection(self, filtered: QuerySet[Record]) -> "Selection":
        """The records to act on: the ticked ones, or every one of ``filtered``.

        Raises ValidationError when a ticked record is not in the review, when
        there are too many, or when the filter no longer shows the number of
        records the page showed (another import, a resolution since): then
        nothing is done.
        """
        data = self.cleaned_data
        ids = data["records"]
        if data["scope"] == "all":
            ids = list(filtered.values_list("pk", flat=True)[: BULK_LIMIT + 1])
        if len(ids) > BULK_LIMIT:
            raise ValidationError(
                f"The filter shows more than {BULK_LIMIT:,} records; one action takes at most"
                f" {BULK_LIMIT:,}: narrow the filter."
            )
        if data["scope"] == "all" and len(ids) != data["expected"]:
            raise ValidationError(
                f"The filter now shows {len(ids):,} records, not the {data['expected']:,} you saw:"
                " look at them again before acting on them."
            )
        records = Record.objects.filter(review=self.review, pk__in=ids)
        missing = len(ids) - records.count()
        if missing:
            raise ValidationError(f"{missing} of the ticked records are not in this review.")
        return Selection(records.order_by("pk"), len(ids))


@dataclass(frozen=True)
class Selection:
    records: QuerySet[Record]
    count: int


class RecordLabelForm(BootstrapForm):
    """Add or take off one label on one record, from its story page."""

    name = forms.CharField(
        label="Label",
        max_length=40,
        widget=forms.TextInput(attrs={"list": "label-names", "placeholder": "A label"}),
    )
    remove = forms.BooleanField(required=False)


class RecordsExportForm(BootstrapForm):
    """Records at a stage and result, as CSV or RIS (a GET form: choosing writes nothing)."""

    stage = forms.ChoiceField(choices=Stage.choices, initial=Stage.TITLE_ABSTRACT)
    status = forms.ChoiceField(label="Result", choices=list(RECORD_STATUSES.items()), initial="all")
    format = forms.ChoiceField(
        choices=[("csv", "CSV (spreadsheet)"), ("ris", "RIS (Zotero, EndNote)")], initial="csv"
    )
