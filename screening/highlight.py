"""Highlighting the review's include and exclude terms in a record's text."""

import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def parse_terms(text: str) -> tuple[str, ...]:
    """Terms from a comma- or line-separated list; blanks dropped, order kept."""
    terms = (" ".join(term.split()) for term in re.split(r"[,\n;]", text or ""))
    return tuple(dict.fromkeys(term for term in terms if term))


@lru_cache(maxsize=64)
def _pattern(include: tuple[str, ...], exclude: tuple[str, ...]) -> re.Pattern | None:
    groups = []
    for name, terms in (("inc", include), ("exc", exclude)):
        if terms:
            alternatives = "|".join(
                _term_regex(term) for term in sorted(terms, key=len, reverse=True)
            )
            groups.append(f"(?P<{name}>{alternatives})")
    return re.compile("|".join(groups), re.IGNORECASE) if groups else None


def _term_regex(term: str) -> str:
    """A term matches at word starts; a trailing * matches any ending (randomi* → randomised)."""
    wildcard = term.endswith("*")
    body = re.escape(term.rstrip("*")).replace(r"\ ", r"\s+")
    return rf"\b{body}\w*" if wildcard else rf"\b{body}\b"


def highlight(text: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> SafeString:
    """HTML of ``text``, escaped, with include terms in <mark class="hl-include"> and exclude terms in hl-exclude."""
    escaped = escape(text or "")
    pattern = _pattern(include, exclude)
    if pattern is None:
        return mark_safe(escaped)

    def wrap(match: re.Match) -> str:
        kind = "include" if match.lastgroup == "inc" else "exclude"
        return f'<mark class="hl-{kind}">{match.group(0)}</mark>'

    return mark_safe(pattern.sub(wrap, escaped))
