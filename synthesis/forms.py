"""Forms for creating an analysis and choosing its settings, in plain words."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Fieldset, Layout, Row, Submit
from django import forms

from extraction.models import Outcome
from extraction.outcomes.measures import measures_for

from . import reporting

PRESETS = [
    (
        "cochrane",
        "Current Cochrane guidance (RevMan since 2025): random effects with REML, "
        "a prediction interval",
    ),
    (
        "revman5",
        "RevMan 5's defaults: fixed-effect Mantel-Haenszel for events, DerSimonian-Laird "
        "when random, I² from Q",
    ),
]
LEVELS = [("0.9", "90%"), ("0.95", "95%"), ("0.99", "99%")]
I2_CHOICES = [
    ("tau2", "From τ², consistent with the chosen estimator (Cochrane since 2025)"),
    ("Q", "From Q, as RevMan 5 and most published reviews report it"),
]


class AnalysisCreateForm(forms.Form):
    outcome = forms.ModelChoiceField(queryset=Outcome.objects.none())
    name = forms.CharField(
        max_length=200, required=False, help_text="Leave blank to use the outcome's name."
    )
    preset = forms.ChoiceField(
        label="Start from", choices=PRESETS, initial="cochrane", widget=forms.RadioSelect
    )

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = Outcome.objects.filter(
            comparison__review=review
        ).select_related("comparison")
        self.fields["outcome"].label_from_instance = lambda o: f"{o.comparison} · {o.name}"
        self.helper = FormHelper()
        self.helper.layout = Layout("outcome", "name", "preset", Submit("submit", "Create"))


class AnalysisSettingsForm(forms.Form):
    """Every choice of an analysis, each explained; studies can be set aside with a reason."""

    name = forms.CharField(max_length=200)
    measure = forms.ChoiceField(label="Effect measure")
    pooling = forms.ChoiceField(
        label="How studies are combined",
        choices=list(reporting.POOLING_WORDS.items()),
        widget=forms.RadioSelect,
    )
    model = forms.ChoiceField(
        label="Model", choices=list(reporting.MODEL_WORDS.items()), widget=forms.RadioSelect
    )
    tau2_estimator = forms.ChoiceField(
        label="Between-study variance (τ²) estimator",
        choices=list(reporting.TAU2_WORDS.items()),
        widget=forms.RadioSelect,
        help_text="Used with random effects only.",
    )
    hksj = forms.BooleanField(
        label="Widen the confidence interval for the uncertainty in τ² "
        "(Hartung-Knapp-Sidik-Jonkman)",
        required=False,
        help_text="Recommended by Cochrane when there are few studies; random effects only.",
    )
    prediction_interval = forms.BooleanField(
        label="Show a prediction interval: where the effect of a new, similar study "
        "would be expected to lie",
        required=False,
    )
    prediction_interval_kind = forms.ChoiceField(
        label="How the prediction interval is computed",
        choices=list(reporting.PREDICTION_WORDS.items()),
        widget=forms.RadioSelect,
        initial="metafor",
        help_text="Random effects only. The results page and the forest plot name the formula.",
    )
    ci_level = forms.TypedChoiceField(
        label="Confidence level", choices=LEVELS, coerce=float, initial="0.95"
    )
    i2 = forms.ChoiceField(label="I² (inconsistency)", choices=I2_CHOICES, widget=forms.RadioSelect)
    subgroups = forms.BooleanField(required=False)
    zero_cell_correction = forms.FloatField(
        label="Added to each cell of a study with a zero cell",
        min_value=0,
        max_value=1,
        help_text="0.5 as RevMan does; 0 for none.",
    )
    exclude_double_zero = forms.BooleanField(
        label="Leave out studies with no events in either arm from risk and odds ratios",
        required=False,
        help_text="They carry no information on a ratio; they are kept for risk differences.",
    )
    revman5_zero_cells = forms.BooleanField(
        label="Also correct zero cells inside the Mantel-Haenszel totals (RevMan 5)",
        required=False,
    )

    def __init__(self, *args, outcome: Outcome, studies: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome, self.studies = outcome, studies
        self.fields["measure"].choices = [(m.key, m.label) for m in measures_for(outcome.data_type)]
        dichotomous = outcome.data_type == "dichotomous"
        if not dichotomous:
            self.fields["pooling"].choices = self.fields["pooling"].choices[:1]
            for name in ("zero_cell_correction", "exclude_double_zero", "revman5_zero_cells"):
                del self.fields[name]
        if outcome.subgroup_variable:
            self.fields["subgroups"].label = (
                f"Pool within each subgroup of “{outcome.subgroup_variable}” "
                "and test for differences between them"
            )
        else:
            del self.fields["subgroups"]
        for i, study in enumerate(studies):
            self.fields[f"exclude_{i}"] = forms.BooleanField(label=study, required=False)
            self.fields[f"reason_{i}"] = forms.CharField(
                label="Reason",
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": f"Why {study} is left out"}),
            )
        self.helper = FormHelper()
        self.helper.layout = self._layout(dichotomous)

    def _layout(self, dichotomous: bool) -> Layout:
        choices = ["name", "measure", "pooling", "model", "tau2_estimator", "hksj"]
        choices += ["prediction_interval", "prediction_interval_kind", "ci_level", "i2"]
        if "subgroups" in self.fields:
            choices.append("subgroups")
        parts = [Fieldset("What is pooled and how", *choices)]
        if dichotomous:
            parts.append(
                Fieldset(
                    "Zero cells",
                    "zero_cell_correction",
                    "exclude_double_zero",
                    "revman5_zero_cells",
                )
            )
        if self.studies:
            rows = [
                Row(
                    Column(f"exclude_{i}", css_class="col-md-5 pt-md-4"),
                    Column(f"reason_{i}", css_class="col-md-7"),
                )
                for i in range(len(self.studies))
            ]
            parts.append(
                Fieldset(
                    "Studies left out",
                    HTML(
                        '<p class="text-secondary small">Tick a study to leave it out of this '
                        "analysis; the reason is reported under the results.</p>"
                    ),
                    *rows,
                )
            )
        parts.append(Submit("submit", "Save and run"))
        return Layout(*parts)

    @classmethod
    def initial_for(cls, name: str, settings: dict, studies: list[str]) -> dict:
        initial = {"name": name, **settings, "ci_level": str(settings["ci_level"])}
        reasons = {item["study"]: item["reason"] for item in settings.get("excluded", [])}
        for i, study in enumerate(studies):
            initial[f"exclude_{i}"] = study in reasons
            initial[f"reason_{i}"] = reasons.get(study, "")
        return initial

    def clean(self):
        cleaned = super().clean()
        excluded = []
        for i, study in enumerate(self.studies):
            reason = (cleaned.get(f"reason_{i}") or "").strip()
            if cleaned.get(f"exclude_{i}"):
                if not reason:
                    self.add_error(f"reason_{i}", f"Say why {study} is left out.")
                excluded.append({"study": study, "reason": reason})
        cleaned["excluded"] = excluded
        if cleaned.get("pooling") in ("mantel_haenszel", "peto") and cleaned.get("hksj"):
            self.add_error(
                "hksj", "The Hartung-Knapp-Sidik-Jonkman adjustment needs inverse-variance pooling."
            )
        return cleaned

    def settings(self) -> dict:
        """The cleaned choices in the shape ``Analysis.settings`` stores."""
        names = [
            n for n in self.fields if not n.startswith(("exclude_", "reason_")) and n != "name"
        ]
        return {n: self.cleaned_data[n] for n in names} | {
            "excluded": self.cleaned_data["excluded"]
        }
