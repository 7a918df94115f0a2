"""The export page's form for records on their own."""

from django import forms

from screening.models import Stage

from .exports.records import RECORD_STATUSES


class RecordsExportForm(forms.Form):
    """Records at a stage and result, as CSV or RIS (a GET form: choosing writes nothing)."""

    stage = forms.ChoiceField(choices=Stage.choices, initial=Stage.TITLE_ABSTRACT)
    status = forms.ChoiceField(label="Result", choices=list(RECORD_STATUSES.items()), initial="all")
    format = forms.ChoiceField(
        choices=[("csv", "CSV (spreadsheet)"), ("ris", "RIS (Zotero, EndNote)")], initial="csv"
    )
