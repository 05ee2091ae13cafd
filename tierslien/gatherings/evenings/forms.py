"""Forms: an evening (facilitators) and the check-in at the door."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierslien.gatherings.models import Attendee
from tierslien.portraits.models import Criterion
from tierslien.territories.models import Territory, Venue


def _bounded(label: Any, low: int, high: int, initial: int) -> forms.IntegerField:
    message = _("Give a whole number between %(low)d and %(high)d.") % {"low": low, "high": high}
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        initial=initial,
        error_messages={"min_value": message, "max_value": message, "invalid": message},
    )


class EveningForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Date and start time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    min_size = _bounded(_("Smallest table"), 3, 8, 4)
    max_size = _bounded(_("Largest table"), 3, 8, 5)
    rounds = _bounded(_("Number of rounds"), 1, 6, 2)
    round_minutes = _bounded(_("Minutes per round"), 5, 120, 30)

    def __init__(self, *args: Any, territory: Territory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.filter(territory=territory)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_size"), data.get("max_size")
        if low is not None and high is not None and low > high:
            self.add_error("max_size", _("The largest table cannot be smaller than the smallest."))
        return data


def question_field(criterion: Criterion) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=criterion.display_question,
        choices=[("", _("Prefer not to say")), *criterion.choices()],
        required=False,
        initial="",
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )


class CheckInForm(forms.Form):
    """A big, quick form: first name, the door questions, an optional email, companions."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=40,
        help_text=_("Shown on the table plan; nothing else is."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "words"}),
    )

    def __init__(
        self,
        *args: Any,
        questions: list[Criterion],
        others: list[Attendee],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.question_keys = [c.key for c in questions]
        for criterion in questions:
            self.fields[f"q_{criterion.key}"] = question_field(criterion)
        self.fields["email"] = forms.EmailField(
            label=_("Email (optional)"),
            required=False,
            help_text=_(
                "Only to invite you to join circles later. Deleted with the evening after 30 days."
            ),
            widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        )
        self.fields["came_with"] = forms.MultipleChoiceField(
            label=_("I came with…"),
            required=False,
            choices=[(str(a.pk), a.first_name) for a in others],
            widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
            help_text=_("They will sit at other tables, to meet new people."),
        )
        self.fields["stay_together"] = forms.BooleanField(
            label=_("We'd like to stay together"), required=False
        )

    def clean_first_name(self) -> str:
        name = " ".join(self.cleaned_data["first_name"].split())
        if not name:
            raise forms.ValidationError(_("Write a first name."))
        return name

    def question_fields(self) -> list[forms.BoundField]:
        return [self[f"q_{key}"] for key in self.question_keys]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "answers": {
                key: data[f"q_{key}"] for key in self.question_keys if data.get(f"q_{key}")
            },
            "email": data.get("email") or "",
            "came_with": [int(pk) for pk in data.get("came_with") or []],
            "stay_together": bool(data.get("stay_together")),
        }


class DoorCodeForm(forms.Form):
    """Checking in on one's own phone: the six digits shown in the room."""

    code = forms.CharField(
        label=_("Code shown in the room"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{6}"}
        ),
        error_messages={
            "required": _("Type the six digits shown in the room."),
            "min_length": _("Type the six digits shown in the room."),
            "max_length": _("Type the six digits shown in the room."),
        },
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError(_("Type the six digits shown in the room."))
        return code
