from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row, Submit
from django import forms

from .models import Membership, Review, Role, Source


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


QUESTION_FIELDS = ["population", "intervention", "comparator", "outcomes", "study_designs"]


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["title", "protocol_id", *QUESTION_FIELDS]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in QUESTION_FIELDS}

    def __init__(self, *args, submit_label: str = "Create review", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].error_messages["required"] = "Give the review a title."
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("title", css_class="col-md-8"), Column("protocol_id", css_class="col-md-4")),
            Fieldset("Review question (PICO)", *QUESTION_FIELDS),
            Submit("submit", submit_label),
        )

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("Give the review a title.")
        return title

    def clean_protocol_id(self) -> str:
        return self.cleaned_data["protocol_id"].strip().upper()


# The settings page's groups, in order: (legend, fields, a sentence under the legend).
SETTINGS_GROUPS = [
    (
        "Screening",
        ["screeners_per_record", "maybe_to_full_text", "maybe_is_conflict"],
        "How many reviewers screen each record, and where a “maybe” goes.",
    ),
    (
        "Blinding",
        ["blinding", "lead_sees_voters"],
        "What reviewers and the lead see of each other's decisions.",
    ),
    (
        "Exclusion reasons",
        ["reason_at_title_abstract"],
        "Full-text exclusions always need a reason. <a href=\"{% url 'reason_list' review.pk %}\">Edit"
        " the list of reasons</a>.",
    ),
    (
        "Order of the screening queue",
        ["screening_order", "order_seed"],
        "The order every reviewer meets the records in.",
    ),
    (
        "Highlighting",
        ["include_terms", "exclude_terms"],
        "Words marked in titles and abstracts on the screening card.",
    ),
    ("Extraction", ["dual_extraction"], ""),
]
SETTINGS_FIELDS = [name for _, names, _ in SETTINGS_GROUPS for name in names]


class ReviewSettingsForm(ReviewForm):
    """Every setting of a review, grouped as the page shows them.

    Each field of the form is in the layout: a field the page does not render
    would fail validation with no error on the page (tests/test_forms_as_rendered.py).
    """

    class Meta(ReviewForm.Meta):
        fields = [*ReviewForm.Meta.fields, *SETTINGS_FIELDS]
        widgets = {
            **ReviewForm.Meta.widgets,
            "include_terms": forms.Textarea(attrs={"rows": 2}),
            "exclude_terms": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "blinding": "Blind reviewers to each other's decisions",
            "screeners_per_record": "Screeners per record",
            "screening_order": "Order",
            "order_seed": "Seed of the random order",
            "dual_extraction": "Two reviewers extract each study",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, submit_label="Save settings", **kwargs)
        self.fields["screeners_per_record"].widget = forms.Select(
            choices=[
                (1, "1: single screening"),
                (2, "2: dual screening, independently"),
                (3, "3: triple screening"),
            ]
        )
        self.fields[
            "screeners_per_record"
        ].help_text = (
            "Each record needs this many decisions before it is settled or goes to the lead."
        )
        groups = [
            Fieldset(
                legend, HTML(f'<p class="form-text mt-0">{note}</p>') if note else HTML(""), *names
            )
            for legend, names, note in SETTINGS_GROUPS
        ]
        submit = self.helper.layout.fields.pop()
        self.helper.layout.fields += [*groups, submit]

    def clean_order_seed(self) -> int:
        seed = self.cleaned_data["order_seed"]
        if seed is not None and seed > 2**31 - 1:
            raise forms.ValidationError("Give a seed below 2,147,483,648.")
        return seed

    def clean(self):
        cleaned = super().clean()
        terms = [cleaned.get("include_terms", ""), cleaned.get("exclude_terms", "")]
        for name, text in zip(("include_terms", "exclude_terms"), terms, strict=True):
            if text and len(text) > 5000:
                self.add_error(name, "Keep the terms under 5,000 characters.")
        return cleaned


class MemberAddForm(forms.Form):
    identifier = forms.CharField(label="Username or e-mail", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_class = "row g-2 align-items-end"
        self.helper.layout = Layout(
            Column("identifier", css_class="col-md-6"),
            Column("role", css_class="col-md-3"),
            Column(Submit("add", "Add member", css_class="mb-3"), css_class="col-md-3"),
        )


class MemberRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]


class ImportForm(forms.Form):
    """One or more export files from one database search."""

    files = MultipleFileField(label="Export files")
    source = forms.ChoiceField(label="Source", choices=Source.choices, initial=Source.MEDLINE)
    source_name = forms.CharField(
        label="Database name",
        required=False,
        max_length=100,
        help_text="Only when the source is another database or a register, e.g. PsycINFO.",
    )
    interface = forms.CharField(
        required=False, max_length=100, help_text="e.g. PubMed, Ovid, Embase.com, Cochrane Library."
    )
    search_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    strategy = forms.CharField(
        label="Search strategy",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Paste the strategy as run; PRISMA-S asks for it.",
    )
    format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[("", "Detect automatically")],
        help_text="Override only if detection picks the wrong format.",
    )

    def __init__(self, *args, formats: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [("", "Detect automatically")] + [(f, f) for f in formats]
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.layout = Layout(
            "files",
            Row(
                Column("source", css_class="col-md-4"),
                Column("source_name", css_class="col-md-4"),
                Column("interface", css_class="col-md-4"),
            ),
            Row(
                Column("search_date", css_class="col-md-4"), Column("format", css_class="col-md-4")
            ),
            "strategy",
            Submit("upload", "Upload and preview"),
        )

    def clean_files(self):
        files = self.cleaned_data["files"]
        names = [f.name for f in files]
        repeated = {name for name in names if names.count(name) > 1}
        if repeated:
            raise forms.ValidationError(
                f"The same file was chosen twice: {', '.join(sorted(repeated))}."
            )
        return files
