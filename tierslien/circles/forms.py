"""Forms for facilitators (a season) and participants (joining a season)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tierslien.circles.models import (
    DEFAULT_CONFIRMATION_DAYS,
    SEASON_SETTINGS,
    Rhythm,
    Season,
    monday_of,
)
from tierslien.lib.slots import ALL_SLOTS, normalise_slots
from tierslien.territories.display import GridRow, part_headers, slot_grid, slot_label

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _bounded(label: Any, low: int, high: int, initial: int, help_text: Any) -> forms.IntegerField:
    message = format_lazy(_("Give a whole number between {low} and {high}."), low=low, high=high)
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        initial=initial,
        help_text=help_text,
        error_messages={"min_value": message, "max_value": message, "invalid": message},
    )


class SeasonForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=120,
        help_text=_("For example “Autumn circles 2026”."),
    )
    registration_opens = forms.DateField(label=_("Registration opens on"), widget=DATE_WIDGET)
    registration_closes = forms.DateField(label=_("Registration closes on"), widget=DATE_WIDGET)
    min_size = _bounded(
        _("Smallest circle"), 3, 12, 5, _("The fewest people a circle may have (3 to 12).")
    )
    max_size = _bounded(
        _("Largest circle"), 3, 12, 6, _("The most people a circle may have (3 to 12).")
    )
    sessions = _bounded(
        _("Number of meetings"), 1, 20, 4, _("How many times each circle meets (1 to 20).")
    )
    session_minutes = _bounded(
        _("Length of a meeting (minutes)"), 30, 240, 90, _("Between 30 and 240 minutes.")
    )
    rhythm = forms.ChoiceField(
        label=_("Rhythm"),
        choices=Rhythm.choices,
        initial=Rhythm.WEEKLY,
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )
    first_week = forms.DateField(
        label=_("Week of the first meetings"),
        widget=DATE_WIDGET,
        help_text=_("Any day of that week: circles meet on the day of their weekly slot."),
    )
    confirmation_days = _bounded(
        _("Days to confirm a seat"),
        1,
        30,
        DEFAULT_CONFIRMATION_DAYS,
        _("Once circles are published, how long members have to confirm (1 to 30 days)."),
    )

    def __init__(self, *args: Any, instance: Season | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial", {name: getattr(instance, name) for name in SEASON_SETTINGS}
            )
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["confirmation_days"].required = False  # the default when left empty

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Please give a name."))
        return name

    def clean_first_week(self) -> datetime.date:
        return monday_of(self.cleaned_data["first_week"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens = cleaned.get("registration_opens")
        closes = cleaned.get("registration_closes")
        if opens and closes and closes <= opens:
            self.add_error(
                "registration_closes",
                forms.ValidationError(
                    _("Registration must close after the day it opens."), code="window"
                ),
            )
        low, high = cleaned.get("min_size"), cleaned.get("max_size")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_size",
                forms.ValidationError(
                    _("The largest circle cannot be smaller than the smallest one."),
                    code="sizes",
                ),
            )
        first = cleaned.get("first_week")
        if first and closes and first <= closes:  # `first` is a Monday (clean_first_week)
            earliest = monday_of(closes) + datetime.timedelta(days=7)
            self.add_error(
                "first_week",
                forms.ValidationError(
                    _(
                        "The first week must start after registration closes (%(closes)s): "
                        "the earliest is the week of Monday %(earliest)s."
                    ),
                    code="too_early",
                    params={
                        "closes": date_format(closes, "DATE_FORMAT"),
                        "earliest": date_format(earliest, "DATE_FORMAT"),
                    },
                ),
            )
        return cleaned

    def clean_confirmation_days(self) -> int:
        value = self.cleaned_data.get("confirmation_days")
        return DEFAULT_CONFIRMATION_DAYS if value is None else int(value)

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in SEASON_SETTINGS}


class JoinForm(forms.Form):
    """Joining a season: the times and distance, prefilled from the self-portrait."""

    availability = forms.MultipleChoiceField(
        label=_("When can you meet, every week of the season?"),
        choices=[(slot, slot_label(slot)) for slot in ALL_SLOTS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one time: circles meet at a fixed weekly time."),
            "invalid_choice": _("Choose times from the weekly grid."),
        },
    )
    max_km = forms.FloatField(
        label=_("How far can you travel to meet (in km)?"),
        min_value=0,
        max_value=200,
        widget=forms.NumberInput(attrs={"step": "any"}),
        error_messages={
            "min_value": _("Give a distance between 0 and 200 km."),
            "max_value": _("Give a distance between 0 and 200 km."),
        },
    )

    def clean_availability(self) -> list[str]:
        return normalise_slots(self.cleaned_data["availability"])

    def slot_grid(self) -> list[GridRow]:
        return slot_grid(self["availability"].value(), id_prefix=self["availability"].auto_id)

    def slot_parts(self) -> list[Any]:
        return part_headers()


# --- Reviewing a proposal ---


def _id_choices(ids: list[tuple[int, Any]]) -> list[tuple[str, Any]]:
    return [(str(pk), label) for pk, label in ids]


class _ChoosingForm(forms.Form):
    """A form whose choices (people, circles) are given when it is built: each keyword of
    `CHOICES` names the field its (id, label) pairs go to."""

    CHOICES: dict[str, str] = {}

    def __init__(
        self, data: Any = None, *, prefix: str | None = None, **choices: list[tuple[int, Any]]
    ) -> None:
        super().__init__(data, prefix=prefix)
        if set(choices) != set(self.CHOICES):
            raise TypeError(f"{type(self).__name__} needs the choices {sorted(self.CHOICES)}")
        for keyword, field in self.CHOICES.items():
            # After the choices a field declares (none, or "let the composer choose").
            declared = list(self.fields[field].choices)
            self.fields[field].choices = [*declared, *_id_choices(choices[keyword])]


class MoveForm(_ChoosingForm):
    """Move one person of a circle to another circle."""

    member = forms.TypedChoiceField(label=_("Person"), coerce=int)
    to_circle = forms.TypedChoiceField(label=_("To circle"), coerce=int)
    force = forms.BooleanField(
        label=_("Keep the move even if it breaks a rule of the composition"), required=False
    )

    CHOICES = {"members": "member", "circles": "to_circle"}


class PlaceForm(_ChoosingForm):
    """Give a seat to someone the composition left unplaced."""

    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    to_circle = forms.TypedChoiceField(label=_("To circle"), coerce=int)
    force = forms.BooleanField(
        label=_("Keep it even if it breaks a rule of the composition"), required=False
    )

    CHOICES = {"people": "person", "circles": "to_circle"}


class SwapForm(_ChoosingForm):
    """Exchange a person of a circle with a person of another circle."""

    member = forms.TypedChoiceField(label=_("Person"), coerce=int)
    other = forms.TypedChoiceField(label=_("Swap with"), coerce=int)
    force = forms.BooleanField(
        label=_("Keep the swap even if it breaks a rule of the composition"), required=False
    )

    CHOICES = {"members": "member", "others": "other"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("member") is not None and cleaned.get("member") == cleaned.get("other"):
            raise forms.ValidationError(_("Choose two different people."))
        return cleaned


class LockForm(forms.Form):
    locked = forms.TypedChoiceField(
        label=_("Locked"), choices=[("1", _("Lock")), ("0", _("Unlock"))], coerce=int
    )


class AnswerForm(forms.Form):
    """A member's answer to their invitation."""

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("confirm", _("I will come")), ("decline", _("I cannot come"))],
    )


class LatePlaceForm(_ChoosingForm):
    """Offer someone waiting a seat: in a chosen circle, or where the composer puts them."""

    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    to_circle = forms.TypedChoiceField(
        label=_("Circle"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("Let the composer choose"))],
    )
    CHOICES = {"people": "person", "circles": "to_circle"}


class MeetingLinkForm(forms.Form):
    """The address of an online circle's meetings, chosen by the facilitator."""

    link = forms.URLField(
        label=_("Meeting link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Any video-call tool you choose; only the circle's members see it."),
    )

    def clean_link(self) -> str:
        link = str(self.cleaned_data.get("link") or "").strip()
        if link and not link.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Enter a web address starting with https://."))
        return link
