"""Forms as a browser sees them: read from a page's HTML, submitted as a browser would.

A test that builds its POST data by hand can pass while the page itself cannot
be submitted (a required field the template never renders fails with no error
on the page). These helpers take the fields from the HTML instead.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

TEXT_TYPES = {"", "text", "hidden", "number", "email", "date", "url", "password", "search", "tel"}


@dataclass
class HtmlForm:
    """One ``<form>``: where it posts, what a browser would send, every control's name."""

    method: str
    action: str
    attrs: dict[str, str]
    data: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)
    submit: tuple[str, str] | None = None  # the first named submit button, as if clicked

    def payload(self, **changes) -> dict[str, list[str]]:
        """What the browser sends, with ``changes`` (name → value or list) typed over it."""
        sent: dict[str, list[str]] = {}
        for name, value in self.data + ([self.submit] if self.submit else []):
            sent.setdefault(name, []).append(value)
        for name, value in changes.items():
            if value is None:
                sent.pop(name, None)
            else:
                sent[name] = value if isinstance(value, list) else [str(value)]
        return sent


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: tuple[str, bool, list, list] | None = None  # name, multiple, selected, first
        self._option: dict | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            method = attrs.get("method", "get").lower()
            action = attrs.get("action") or attrs.get("hx-post") or attrs.get("hx-get") or ""
            if "hx-post" in attrs:
                method = "post"
            self._form = HtmlForm(method=method, action=action, attrs=attrs)
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self._input(form, name, attrs)
        elif tag == "button" and name:
            form.names.add(name)
            if attrs.get("type", "submit") == "submit" and form.submit is None:
                form.submit = (name, attrs.get("value", ""))
        elif tag == "select" and name:
            form.names.add(name)
            self._select = (name, "multiple" in attrs, [], [])
        elif tag == "option" and self._select is not None:
            self._option = {
                "value": attrs.get("value"),
                "selected": "selected" in attrs,
                "text": [],
            }
        elif tag == "textarea" and name:
            form.names.add(name)
            self._textarea = (name, [])

    def _input(self, form: HtmlForm, name: str, attrs: dict) -> None:
        kind = attrs.get("type", "").lower()
        form.names.add(name)
        if kind in TEXT_TYPES:
            form.data.append((name, attrs.get("value", "")))
        elif kind in ("checkbox", "radio"):
            if "checked" in attrs:
                form.data.append((name, attrs.get("value", "on")))
        elif kind == "file":
            form.files.add(name)
        elif kind == "submit" and form.submit is None:
            form.submit = (name, attrs.get("value", ""))

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"].append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._select is not None:
            option = self._option
            value = option["value"] if option["value"] is not None else "".join(option["text"])
            (self._select[2] if option["selected"] else self._select[3]).append(value.strip())
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, selected, others = self._select
            chosen = selected if (selected or multiple) else others[:1]
            self._form.data += [(name, value) for value in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            # A browser drops the one newline that may follow <textarea>.
            self._form.data.append((name, "".join(text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def html_forms(html: str) -> list[HtmlForm]:
    """Every form of the page, in order."""
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def post_forms(html: str) -> list[HtmlForm]:
    return [form for form in html_forms(html) if form.method == "post"]


def submit(client, page_url: str, form: HtmlForm, **changes):
    """POST ``form`` as the browser would from ``page_url``, with ``changes`` typed in."""
    return client.post(form.action or page_url, form.payload(**changes))
