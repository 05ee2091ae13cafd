"""Plain-text emails are not HTML: no template may escape what it prints.

Every `.txt` template we render (ours and allauth's emails, which extend our
`account/email/base_message.txt`) is rendered with a context in which every name holds an
apostrophe, a quote, an ampersand and a `<`; none of them may come out as an HTML entity.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import allauth
import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

NASTY = 'L\'été <des> "Cercles" & co'
ENTITY = re.compile(r"&(#x?[0-9a-fA-F]+|[a-zA-Z]+);")
OURS = settings.BASE_DIR / "tierslien" / "templates"
ALLAUTH = Path(allauth.__file__).parent / "templates"
NUMBERS = {"over", "short", "duration_minutes", "number", "place", "count", "minutes"}
NUMBERS |= {"members", "sectors", "other_sector", "others", "new_to_you", "answers"}  # why together
WHEN = datetime.datetime(2027, 1, 14, 18, 30, tzinfo=datetime.UTC)


def _value(name: str) -> object:
    if name in NUMBERS:
        return 3
    dates = {"day", "date", "deadline", "expires"}
    if name.endswith(("_at", "_by", "_on", "_closes")) or name in dates:
        return WHEN
    return Anything()


class Anything(str):
    """A name with every awkward character; any attribute is another such name."""

    def __new__(cls) -> Anything:
        return super().__new__(cls, NASTY)

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        return _value(name)

    def __iter__(self):  # a loop over "anything" runs once
        return iter([Anything()])

    def __len__(self) -> int:
        return 1


class AnythingContext(dict):
    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> object:
        return _value(key)


def _email_templates() -> list[str]:
    names = [
        str(p.relative_to(OURS))
        for p in OURS.rglob("*.txt")
        if "email" in p.parts or p.name.endswith("_subject.txt")
    ]
    names += [str(p.relative_to(ALLAUTH)) for p in (ALLAUTH / "account" / "email").glob("*.txt")]
    return sorted(set(names))


def test_every_email_template_is_found() -> None:
    names = _email_templates()
    assert "circles/email/invitation_subject.txt" in names
    assert "account/email/email_confirmation_subject.txt" in names


@pytest.mark.parametrize("name", _email_templates())
@pytest.mark.parametrize("language", ["fr", "en"])
def test_plain_text_email_has_no_html_entity(name: str, language: str) -> None:
    with translation.override(language):
        text = render_to_string(name, AnythingContext())
    assert not ENTITY.search(text), f"{name}: {ENTITY.search(text)!r} in {text!r}"


@pytest.mark.parametrize(
    "name",
    [n for n in _email_templates() if (OURS / n).exists() and "name" in (OURS / n).read_text()],
)
def test_our_email_templates_print_the_names_as_given(name: str) -> None:
    text = render_to_string(name, AnythingContext())
    assert NASTY in text, name
