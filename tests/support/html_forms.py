"""Forms as a browser sees them: read from a page's HTML, submitted as a browser would.

A test that builds its POST data by hand can pass while the page itself cannot
be submitted (a required field the template never renders fails with no error
on the page). These helpers take the fields from the HTML instead.

A form's fields are its own (nested inside it) and those outside it that name
it with ``form="<id>"``. A browser sends text inputs, hidden inputs,
textareas, selects (the selected options, else the first of a single select),
and checkboxes and radios only when checked; disabled controls never. It sends
a submit button's name and value only for the button clicked: ``payload``
clicks the first named one unless the test names another.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

TEXT_TYPES = {"", "text", "hidden", "number", "email", "date", "url", "password", "search", "tel"}
TEXT_TYPES |= {"range", "color", "time", "datetime-local", "month", "week"}


@dataclass
class HtmlForm:
    """One ``<form>``: where it posts, what a browser would send, every control's name."""

    id: str
    method: str
    action: str
    attrs: dict[str, str]
    data: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # select: (value, text)
    choices: dict[str, list[str]] = field(default_factory=dict)  # checkbox / radio values offered
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, text)

    @property
    def submit(self) -> tuple[str, str] | None:
        """The first named submit button, as if clicked."""
        return next(((name, value) for name, value, _ in self.buttons if name), None)

    @property
    def values(self) -> dict[str, list[str]]:
        """What the browser sends before any button, by name."""
        sent: dict[str, list[str]] = {}
        for name, value in self.data:
            sent.setdefault(name, []).append(value)
        return sent

    def payload(self, **changes) -> dict[str, list[str]]:
        """What the browser sends, with ``changes`` (name → value or list; None drops it)."""
        sent = self.values
        if self.submit:
            sent.setdefault(self.submit[0], []).append(self.submit[1])
        for name, value in changes.items():
            if value is None:
                sent.pop(name, None)
            else:
                sent[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        return sent

    def option(self, name: str, label: str) -> str:
        """The value of the option of select ``name`` whose text is ``label``."""
        matches = [value for value, text in self.options[name] if text == label]
        assert matches, f"no option {label!r} in {name}: {[t for _, t in self.options[name]]}"
        return matches[0]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, HtmlForm] = {}
        self._current: str | None = None  # the id of the form we are inside
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: tuple[HtmlForm, str, list[str]] | None = None
        self._button: tuple[HtmlForm, str, str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._start_form(attrs)
            return
        form = self.forms.get(attrs.get("form", self._current))
        if tag == "option" and self._select is not None:
            self._option = {
                "value": attrs.get("value"),
                "selected": "selected" in attrs,
                "text": [],
            }
        name = attrs.get("name")
        if form is None or "disabled" in attrs:
            return
        if tag == "input" and name:
            self._input(form, name, attrs)
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            if name:
                form.names.add(name)
            self._button = (form, name or "", attrs.get("value", ""), [])
        elif tag == "select" and name:
            form.names.add(name)
            form.options[name] = []
            self._select = {"form": form, "name": name, "multiple": "multiple" in attrs}
            self._select |= {"selected": []}
        elif tag == "textarea" and name:
            form.names.add(name)
            self._textarea = (form, name, [])

    def _start_form(self, attrs: dict) -> None:
        method = attrs.get("method", "get").lower()
        action = attrs.get("action") or attrs.get("hx-post") or attrs.get("hx-get") or ""
        if "hx-post" in attrs:
            method = "post"
        form_id = attrs.get("id") or f"form-{len(self.forms)}"
        self.forms[form_id] = HtmlForm(id=form_id, method=method, action=action, attrs=attrs)
        self._current = form_id

    def _input(self, form: HtmlForm, name: str, attrs: dict) -> None:
        kind = attrs.get("type", "").lower()
        form.names.add(name)
        if kind in TEXT_TYPES:
            form.data.append((name, attrs.get("value", "")))
        elif kind in ("checkbox", "radio"):
            form.choices.setdefault(name, []).append(attrs.get("value", "on"))
            if "checked" in attrs:
                form.data.append((name, attrs.get("value", "on")))
        elif kind == "file":
            form.files.add(name)
        elif kind == "submit":
            form.buttons.append((name, attrs.get("value", ""), attrs.get("value", "")))

    def handle_data(self, data):
        for part in (self._option, self._textarea, self._button):
            if isinstance(part, dict):
                part["text"].append(data)
            elif part is not None:
                part[-1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "option" and self._option is not None:
            self._end_option()
        elif tag == "select" and self._select is not None:
            select, self._select = self._select, None
            form, name, chosen = select["form"], select["name"], select["selected"]
            if not chosen and not select["multiple"] and form.options[name]:
                chosen = [form.options[name][0][0]]
            form.data += [(name, value) for value in chosen]
        elif tag == "textarea" and self._textarea is not None:
            form, name, text = self._textarea
            # A browser drops the one newline that may follow <textarea>.
            form.data.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None
        elif tag == "button" and self._button is not None:
            form, name, value, text = self._button
            form.buttons.append((name, value, "".join(text).strip()))
            self._button = None

    def _end_option(self) -> None:
        option, self._option = self._option, None
        if self._select is None:
            return
        text = "".join(option["text"]).strip()
        value = option["value"] if option["value"] is not None else text
        self._select["form"].options[self._select["name"]].append((value, text))
        if option["selected"]:
            if not self._select["multiple"]:
                self._select["selected"].clear()
            self._select["selected"].append(value)


def rendered_forms(html: str) -> dict[str, HtmlForm]:
    """Every form of the page by id (``form-N`` for one without), in order."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def html_forms(html: str) -> list[HtmlForm]:
    """Every form of the page, in order."""
    return list(rendered_forms(html).values())


def post_forms(html: str) -> list[HtmlForm]:
    return [form for form in html_forms(html) if form.method == "post"]


def rendered_form(response_or_html, form_id: str) -> HtmlForm:
    """The form ``form_id`` of a page (a test client response or its HTML)."""
    html = getattr(response_or_html, "content", response_or_html)
    html = html.decode() if isinstance(html, bytes) else html
    forms = rendered_forms(html)
    assert form_id in forms, f"no form #{form_id} on the page (found {sorted(forms)})"
    return forms[form_id]


def submit(client, page_url: str, form: HtmlForm, **changes):
    """POST ``form`` as the browser would from ``page_url``, with ``changes`` typed in."""
    return client.post(form.action or page_url, form.payload(**changes))
