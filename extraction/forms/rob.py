"""Forms for risk of bias: the review's tools, and one assessment built from a tool's definition."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms

from ..rob import ANSWERS, TOOLS, Tool
from ..services.rob import OVERALL


def _tool_choice(tool: Tool) -> tuple[str, str]:
    return tool.key, f"{tool.name} ({tool.reference})"


class RobToolsForm(forms.Form):
    tools = forms.MultipleChoiceField(
        label="Risk-of-bias tools",
        choices=[_tool_choice(tool) for tool in TOOLS.values()],
        widget=forms.CheckboxSelectMultiple,
        help_text="RoB 2 for randomised trials (per study and outcome), Cochrane RoB 1 for "
        "reviews that started with it, ROBINS-I for non-randomised studies. Taking a tool "
        "off hides its assessments; they are kept and come back with it.",
        error_messages={"required": "Choose at least one risk-of-bias tool."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout("tools", Submit("submit", "Save tools"))


def question_field(key: str) -> str:
    """Form field name of a signalling question: "1.2" -> "q1_2" (no dots in names)."""
    return "q" + key.replace(".", "_")


class RobAssessmentForm(forms.Form):
    """Answers, judgements and support texts of one tool; the service validates them together.

    Fields: ``q1_1`` ... per signalling question, ``judgement_D1`` and
    ``support_D1`` per domain, ``overall`` and ``support_overall``.
    """

    def __init__(self, *args, tool: Tool, **kwargs):
        super().__init__(*args, **kwargs)
        self.tool = tool
        judgements = [("", "Not judged yet"), *((j.key, j.label) for j in tool.judgements)]
        for domain in tool.domains:
            for question in domain.questions:
                # "NA" is what a question that does not apply gets, never a choice.
                options = [o for o in question.options if o in ANSWERS]
                self.fields[question_field(question.key)] = forms.ChoiceField(
                    label=f"{question.key} {question.text}",
                    choices=[(o, o) for o in options],
                    widget=forms.RadioSelect,
                    required=False,
                )
            self.fields[f"judgement_{domain.key}"] = _judgement_field(
                f"Judgement of {domain.key}", judgements
            )
            self.fields[f"support_{domain.key}"] = _support_field(domain.key)
        self.fields[OVERALL] = _judgement_field("Overall judgement", judgements)
        self.fields[f"support_{OVERALL}"] = _support_field("the overall judgement")

    def payload(self) -> dict:
        """The cleaned data as :func:`extraction.services.rob.rob_save` takes it."""
        data = self.cleaned_data
        domains = self.tool.domains
        return {
            "answers": {
                q.key: data.get(question_field(q.key), "") for d in domains for q in d.questions
            },
            "judgements": {d.key: data.get(f"judgement_{d.key}", "") for d in domains},
            "support": {
                key: data.get(f"support_{key}", "") for key in [d.key for d in domains] + [OVERALL]
            },
            "overall": data.get(OVERALL, ""),
        }

    def field_for(self, key: str) -> str | None:
        """The field a service error keyed by domain, "overall" or "answers" belongs to."""
        if key == OVERALL:
            return OVERALL
        if any(domain.key == key for domain in self.tool.domains):
            return f"judgement_{key}"
        return None

    @staticmethod
    def initial_from(answers: dict, judgements: dict, support: dict, overall: str) -> dict:
        initial = {question_field(key): value for key, value in answers.items()}
        initial |= {f"judgement_{key}": value for key, value in judgements.items()}
        initial |= {f"support_{key}": value for key, value in support.items()}
        return initial | {OVERALL: overall}


def _judgement_field(label: str, choices) -> forms.ChoiceField:
    select = forms.Select(attrs={"class": "form-select"})
    return forms.ChoiceField(label=label, choices=choices, required=False, widget=select)


def _support_field(what: str) -> forms.CharField:
    attrs = {"rows": 2, "class": "form-control", "placeholder": "Quote from the report, or why"}
    return forms.CharField(
        label=f"Support for {what}", required=False, widget=forms.Textarea(attrs=attrs)
    )
