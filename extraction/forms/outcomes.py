"""Forms for comparisons, outcomes, outcome data CSV uploads and the derive helper."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms

from ..models import Comparison, Outcome
from ..services.outcome_data import DERIVATION_METHODS
from ..services.outcomes import measure_problem

DIRECTIONS = [
    ("lower", "Lower values are better (e.g. pain, adverse events)"),
    ("higher", "Higher values are better (e.g. quality of life, pain relief)"),
]


class ComparisonForm(forms.ModelForm):
    class Meta:
        model = Comparison
        fields = ["name", "experimental", "control"]
        help_texts = {"name": "e.g. “IV ketamine vs control”."}

    def __init__(self, *args, submit_label: str = "Add comparison", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "name",
            Row(Column("experimental"), Column("control")),
            Submit("submit", submit_label),
        )


class OutcomeForm(forms.ModelForm):
    direction = forms.ChoiceField(choices=DIRECTIONS, widget=forms.RadioSelect, initial="lower")

    class Meta:
        model = Outcome
        fields = ["name", "data_type", "measure", "unit", "timepoint", "subgroup_variable"]
        labels = {"measure": "Default effect measure"}
        help_texts = {
            "name": "e.g. “Pain intensity”.",
            "unit": "e.g. “0–10 NRS”; shown on the forest plot's axis.",
            "timepoint": "e.g. “end of infusion” or “4 weeks”.",
            "subgroup_variable": "e.g. “Dose”; leave blank for none. Each study then "
            "names its subgroup in the grid.",
        }

    def __init__(self, *args, submit_label: str = "Add outcome", **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["direction"] = "lower" if self.instance.lower_is_better else "higher"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "name",
            Row(Column("data_type"), Column("measure")),
            "direction",
            Row(Column("unit"), Column("timepoint"), Column("subgroup_variable")),
            Submit("submit", submit_label),
        )

    def clean(self):
        cleaned = super().clean()
        data_type, measure = cleaned.get("data_type"), cleaned.get("measure")
        if data_type and measure and (problem := measure_problem(data_type, measure)):
            self.add_error("measure", problem)
        return cleaned

    def outcome_fields(self) -> dict:
        """The cleaned data as the services take it."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return fields | {"lower_is_better": self.cleaned_data["direction"] == "lower"}


class OutcomeCSVForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8, comma-, semicolon- or tab-separated, with the template's header.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file is over 5 MB; outcome data is far smaller.")
        return upload.read()


class DerivationForm(forms.Form):
    """The derive helper: a method and the numbers it asks for (all as text, checked later)."""

    method = forms.ChoiceField()
    se = forms.CharField(required=False, label="SE")
    n = forms.CharField(required=False, label="n (this arm)")
    lower = forms.CharField(required=False, label="Lower limit")
    upper = forms.CharField(required=False, label="Upper limit")
    level = forms.CharField(required=False, label="Confidence level", initial="0.95")
    mean_difference = forms.CharField(required=False, label="Mean difference")
    t = forms.CharField(required=False, label="t")
    p = forms.CharField(required=False, label="p value")
    n_exp = forms.CharField(required=False, label="n (experimental)")
    n_ctrl = forms.CharField(required=False, label="n (control)")
    ratio = forms.CharField(required=False, label="Ratio")
    estimate = forms.CharField(required=False, label="Estimate")

    def __init__(self, *args, target: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = [
            (key, spec.label) for key, spec in DERIVATION_METHODS.items() if spec.target == target
        ]
        # Only the chosen method's numbers are fields, so the page renders every field it holds.
        _, spec = self.method_spec()
        wanted = {"method", *spec.inputs, *spec.options} if spec else {"method"}
        for name in set(self.fields) - wanted:
            del self.fields[name]

    def method_spec(self):
        method = self["method"].value() or self.fields["method"].choices[0][0]
        return method, DERIVATION_METHODS.get(method)

    def inputs(self) -> dict:
        return {name: self.data.get(name, "") for name in self.fields if name != "method"}
