"""Forms of the seats area: applying without a portrait, quotas, the seed, answering a seat."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierslien.gatherings.meetings.seats.quotas import QuotaLine
from tierslien.gatherings.meetings.seats.seed import MAX_SEED
from tierslien.gatherings.models import DrawMethod
from tierslien.portraits.models import Criterion


def _criterion_field(criterion: Criterion) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=criterion.display_question,
        choices=[("", _("Prefer not to say")), *criterion.choices()],
        required=False,
        initial="",
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )


class ApplyForm(forms.Form):
    """For people without a portrait: just the meeting's criteria, each optional."""

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keys = [c.key for c in criteria]
        for criterion in criteria:
            self.fields[f"q_{criterion.key}"] = _criterion_field(criterion)

    def answers(self) -> dict[str, str]:
        return {key: value for key in self.keys if (value := self.cleaned_data.get(f"q_{key}"))}


def _seats_field(label: Any, seats: int, initial: int) -> forms.IntegerField:
    message = _("Give a whole number of seats between 0 and %(seats)d.") % {"seats": seats}
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=seats,
        initial=initial,
        error_messages={
            "min_value": message,
            "max_value": message,
            "invalid": message,
            "required": message,
        },
        widget=forms.NumberInput(attrs={"class": "seats-input", "inputmode": "numeric"}),
    )


class QuotaForm(forms.Form):
    """At least / at most so many seats for every value of every criterion."""

    def __init__(self, *args: Any, lines: list[QuotaLine], seats: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            low, high = self.names(line)
            self.fields[low] = _seats_field(_("At least"), seats, line.min)
            self.fields[high] = _seats_field(_("At most"), seats, line.max)

    @staticmethod
    def names(line: QuotaLine) -> tuple[str, str]:
        return f"min-{line.key}-{line.value}", f"max-{line.key}-{line.value}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for line in self.lines:
            low, high = self.names(line)
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, _("“At most” cannot be below “at least”."))
        return data

    def rows(self) -> list[tuple[QuotaLine, forms.BoundField, forms.BoundField]]:
        return [(line, self[self.names(line)[0]], self[self.names(line)[1]]) for line in self.lines]

    def bounds(self) -> dict[tuple[str, str], tuple[int, int]]:
        data = self.cleaned_data
        return {
            (line.key, line.value): (data[self.names(line)[0]], data[self.names(line)[1]])
            for line in self.lines
        }


class ToleranceForm(forms.Form):
    """How far from the population's shares the default quotas go (percentage points)."""

    tolerance = forms.IntegerField(
        label=_("Tolerance around the population's shares (percentage points)"),
        min_value=0,
        max_value=50,
        initial=5,
        error_messages={
            "min_value": _("Give a whole number between 0 and 50."),
            "max_value": _("Give a whole number between 0 and 50."),
            "invalid": _("Give a whole number between 0 and 50."),
        },
    )


class DrawMethodForm(forms.Form):
    """Which fair lottery draws the seats, each explained in plain words."""

    method = forms.ChoiceField(
        label=_("The lottery"),
        choices=[
            (DrawMethod.LEXIMIN, _("Leximin (recommended)")),
            (DrawMethod.MAXIMIN, _("Maximin")),
        ],
        error_messages={"invalid_choice": _("Choose leximin or maximin.")},
    )


class SeedForm(forms.Form):
    """Random (drawn by the server now) or typed in from a public source."""

    RANDOM = "random"
    PUBLIC = "public"

    source = forms.ChoiceField(
        label=_("Where the seed comes from"),
        choices=[
            (RANDOM, _("Draw a random seed now")),
            (PUBLIC, _("A number from a public source announced in advance")),
        ],
        initial=RANDOM,
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )
    seed = forms.CharField(
        label=_("The number"),
        required=False,
        max_length=19,
        help_text=_("A whole number, for example the digits of dice rolled in public."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("The public source"),
        required=False,
        max_length=300,
        help_text=_("For example: the EuroMillions numbers of 1 December 2026, in order."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") != self.PUBLIC:
            data["seed"], data["description"] = None, ""
            return data
        raw = (data.get("seed") or "").strip()
        if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_SEED:
            self.add_error("seed", _("Give a whole number between 0 and 9223372036854775807."))
        else:
            data["seed"] = int(raw)
        if not (data.get("description") or "").strip():
            self.add_error("description", _("Say where the number comes from."))
        return data


class SeatAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[("confirm", _("I will come")), ("decline", _("I cannot come"))],
        error_messages={
            "required": _("Choose one of the two answers."),
            "invalid_choice": _("Choose one of the two answers."),
        },
    )
