"""Read a form out of a page's HTML as a browser would submit it, so tests post what pages render.

Fields are the form's own (nested inside it) and those outside it that name it
with ``form="<id>"``. A browser sends text inputs, hidden inputs, textareas,
selects (the selected option, else the first), and checkboxes and radios only
when checked; it sends a submit button's name and value only for the button
clicked, so buttons are listed apart.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class RenderedForm:
    id: str
    action: str
    method: str
    values: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)  # checkbox / radio values offered
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, text)

    def data(self, **changes) -> dict[str, list[str]]:
        """What the browser sends, with ``changes`` (name: value or list of values) applied."""
        values = {name: list(items) for name, items in self.values.items()}
        for name, value in changes.items():
            values[name] = value if isinstance(value, list) else [value]
        return values

    def option(self, name: str, label: str) -> str:
        """The value of the option of select ``name`` whose text is ``label``."""
        matches = [value for value, text in self.options[name] if text == label]
        assert matches, f"no option {label!r} in {name}: {[t for _, t in self.options[name]]}"
        return matches[0]


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, RenderedForm] = {}
        self.current: str | None = None  # the form we are inside
        self.select: tuple[str, str | None] | None = None  # (name, form id)
        self.option: dict | None = None
        self.textarea: tuple[str, str | None] | None = None
        self.button: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            form_id = attrs.get("id") or f"form-{len(self.forms)}"
            self.forms[form_id] = RenderedForm(
                form_id, attrs.get("action", ""), attrs.get("method", "get").lower()
            )
            self.current = form_id
            return
        owner = attrs.get("form", self.current)
        name = attrs.get("name")
        if tag == "input" and name and owner in self.forms:
            self._input(self.forms[owner], name, attrs)
        elif tag == "select" and name:
            self.select = (name, owner)
            if owner in self.forms:
                self.forms[owner].options[name] = []
        elif tag == "option" and self.select:
            self.option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": ""}
        elif tag == "textarea" and name:
            self.textarea = (name, owner)
            if owner in self.forms:
                self.forms[owner].values[name] = [""]
        elif tag == "button" and owner in self.forms:
            self.button = {
                "name": name or "",
                "value": attrs.get("value", ""),
                "text": "",
                "form": owner,
            }

    def _input(self, form: RenderedForm, name: str, attrs: dict) -> None:
        kind = attrs.get("type", "text")
        if kind in ("checkbox", "radio"):
            form.choices.setdefault(name, []).append(attrs.get("value", "on"))
            if "checked" in attrs:
                form.values.setdefault(name, []).append(attrs.get("value", "on"))
        elif kind == "submit":
            form.buttons.append((name, attrs.get("value", ""), attrs.get("value", "")))
        elif kind not in ("file", "image", "reset", "button"):
            form.values.setdefault(name, []).append(attrs.get("value", ""))

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        elif self.textarea and self.textarea[1] in self.forms:
            self.forms[self.textarea[1]].values[self.textarea[0]][0] += data
        if self.button is not None:
            self.button["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "option" and self.option is not None and self.select:
            self._end_option()
        elif tag == "select" and self.select:
            self._end_select()
        elif tag == "textarea":
            self.textarea = None
        elif tag == "button" and self.button is not None:
            form = self.forms[self.button["form"]]
            form.buttons.append(
                (self.button["name"], self.button["value"], self.button["text"].strip())
            )
            self.button = None

    def _end_option(self):
        name, owner = self.select
        option, self.option = self.option, None
        value = option["value"] if option["value"] is not None else option["text"].strip()
        if owner in self.forms:
            self.forms[owner].options[name].append((value, option["text"].strip()))
            if option["selected"]:
                self.forms[owner].values[name] = [value]

    def _end_select(self):
        name, owner = self.select
        self.select = None
        form = self.forms.get(owner)
        if form is not None and name not in form.values and form.options[name]:
            form.values[name] = [form.options[name][0][0]]


def rendered_forms(html: str) -> dict[str, RenderedForm]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def rendered_form(response_or_html, form_id: str) -> RenderedForm:
    """The form ``form_id`` of a page (a test client response or its HTML)."""
    html = getattr(response_or_html, "content", response_or_html)
    html = html.decode() if isinstance(html, bytes) else html
    forms = rendered_forms(html)
    assert form_id in forms, f"no form #{form_id} on the page (found {sorted(forms)})"
    return forms[form_id]
