from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierslien.spaces.models import (
    AID_TEXT_MAX,
    AID_TITLE_MAX,
    INTRO_MAX,
    MESSAGE_MAX,
    OFFER_MAX,
    AidKind,
    Answer,
)
from tierslien.spaces.pact import PROTOCOLS


def _plain(value: str) -> str:
    """Plain text: no control characters except line breaks and tabs."""
    return "".join(ch for ch in value if ch in "\n\t" or ch >= " " and ch != "\x7f")


class PlainTextField(forms.CharField):
    def to_python(self, value: Any) -> str:
        return _plain(super().to_python(value)).strip()


class PactForm(forms.Form):
    accept = forms.BooleanField(label=_("I accept the circle's pact"), required=True)


class IntroForm(forms.Form):
    text = PlainTextField(
        label=_("My introduction"),
        required=False,
        max_length=INTRO_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few words the members of your circle will see (at most 500 characters)."),
    )


class AttendanceForm(forms.Form):
    session = forms.IntegerField(min_value=1, max_value=20)
    answer = forms.ChoiceField(choices=Answer.choices)


class MessageForm(forms.Form):
    text = PlainTextField(
        label=_("Message"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text, at most 2,000 characters."),
    )


class AidPostForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AidKind.choices, widget=forms.RadioSelect)
    title = PlainTextField(label=_("Title"), max_length=AID_TITLE_MAX)
    text = PlainTextField(
        label=_("Describe it"), max_length=AID_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class AidOfferForm(forms.Form):
    text = PlainTextField(
        label=_("How I can help"), max_length=OFFER_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class LeaveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: I leave the circle and what I wrote in it is deleted."),
        required=True,
    )


class GuideForm(forms.Form):
    """The timer's settings, read from the query string (nothing is stored)."""

    protocol = forms.ChoiceField(
        label=_("Protocol"),
        choices=[(p.key, p.name) for p in PROTOCOLS],
        required=False,
    )
    minutes = forms.IntegerField(
        label=_("Speaking time per person (minutes)"),
        min_value=1,
        max_value=30,
        required=False,
    )
    names = PlainTextField(
        label=_("Order of speakers (one name per line)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def speakers(self) -> list[str]:
        text = self.cleaned_data.get("names") or ""
        return [line.strip()[:80] for line in text.splitlines() if line.strip()][:20]
