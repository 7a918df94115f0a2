from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms

from .models import Membership, Review, Role

QUESTION_FIELDS = ["population", "intervention", "comparator", "outcomes", "study_designs"]


class ReviewForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = ["title", "protocol_id", *QUESTION_FIELDS]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in QUESTION_FIELDS}

    def __init__(self, *args, submit_label: str = "Create review", **kwargs):
        super().__init__(*args, **kwargs)
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


class ReviewSettingsForm(ReviewForm):
    class Meta(ReviewForm.Meta):
        fields = [*ReviewForm.Meta.fields, "blinding", "screeners_per_record"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, submit_label="Save", **kwargs)
        self.fields["screeners_per_record"].widget = forms.Select(
            choices=[(1, "1 (single screening, lead checks)"), (2, "2 (dual screening)"), (3, "3")]
        )
        self.helper.layout.insert(
            2, Fieldset("Screening", "blinding", "screeners_per_record")
        )


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
