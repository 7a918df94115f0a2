from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .models import ExclusionReason, PrioritisationSettings, ScreeningOrder, Verdict


class DecisionForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    verdict = forms.ChoiceField(choices=Verdict.choices)
    reason = forms.ModelChoiceField(queryset=ExclusionReason.objects.none(), required=False)
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    labels = forms.CharField(required=False, max_length=300, help_text="Comma separated.")

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = review.exclusion_reasons.filter(active=True)

    def clean_labels(self) -> list[str]:
        return [label for label in self.cleaned_data["labels"].split(",") if label.strip()]


class ResolveForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[(Verdict.INCLUDE, "Include"), (Verdict.EXCLUDE, "Exclude")]
    )
    reason = forms.ModelChoiceField(queryset=ExclusionReason.objects.none(), required=False)
    note = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = review.exclusion_reasons.filter(active=True)


class FullTextForm(forms.Form):
    file = forms.FileField(label="PDF", required=False)
    url = forms.URLField(label="or a link", required=False, max_length=1000, assume_scheme="https")
    not_retrieved_reason = forms.CharField(
        label="or: not retrieved, because", required=False, max_length=300
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        limit = settings.FULL_TEXT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"“{upload.name}” is {filesizeformat(upload.size)}; the limit is {filesizeformat(limit)}."
            )
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError(f"“{upload.name}” is not a PDF file.")
        return upload

    def clean(self):
        data = super().clean()
        if not (data.get("file") or data.get("url") or data.get("not_retrieved_reason")):
            raise forms.ValidationError(
                "Attach a PDF, give a link, or say why the full text was not found."
            )
        return data


class ReasonForm(forms.Form):
    label = forms.CharField(max_length=120, label="New reason")


class PrioritisationForm(forms.ModelForm):
    """The review's prioritised screening and stopping-test settings (screening owns them)."""

    class Meta:
        model = PrioritisationSettings
        fields = ["enabled", "retrain_every", "show_badge", "recall_target", "confidence"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset("Prioritised screening", "enabled", "retrain_every", "show_badge"),
            Fieldset("Stopping test", "recall_target", "confidence"),
            Submit("save", "Save"),
        )

    def clean_retrain_every(self):
        every = self.cleaned_data["retrain_every"]
        if every < 1:
            raise forms.ValidationError("Retrain after at least one new decision.")
        return every

    def _fraction(self, name: str) -> float:
        value = self.cleaned_data[name]
        if not 0 < value < 1:
            raise forms.ValidationError(
                f"Give a fraction between 0 and 1, e.g. 0.95 (not {value})."
            )
        return value

    def clean_recall_target(self):
        return self._fraction("recall_target")

    def clean_confidence(self):
        return self._fraction("confidence")


class ScreeningOrderForm(forms.Form):
    order = forms.ChoiceField(choices=ScreeningOrder.choices)
