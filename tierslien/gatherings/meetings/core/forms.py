"""Forms: a meeting (facilitators), a contributor's invitation, and their answer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien.gatherings.meetings.core.services import (
    MAX_CRITERIA,
    MEETING_FIELDS,
    eligible_criteria,
)
from tierslien.gatherings.models import (
    ContributorFormat,
    ContributorKind,
    Meeting,
)
from tierslien.portraits.models import Criterion
from tierslien.territories.models import Territory, Venue

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _bounded(
    label: Any, low: int, high: int, initial: int, help_text: Any = ""
) -> forms.IntegerField:
    message = _("Give a whole number between %(low)d and %(high)d.") % {"low": low, "high": high}
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        initial=initial,
        help_text=help_text,
        error_messages={"min_value": message, "max_value": message, "invalid": message},
    )


def _moment(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_FORMATS,
        error_messages={"invalid": _("Give a date and a time.")},
    )


def _clean_text(value: str) -> str:
    """No control characters (a NUL byte cannot be stored); keep line breaks."""
    return "".join(c for c in value if c in "\n\t" or c.isprintable()).strip()


class CriteriaField(forms.ModelMultipleChoiceField):
    """Refuses ids no database integer can hold (SQLite raises OverflowError on them)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value if isinstance(value, (list, tuple)) else []:
            if str(pk).strip().lstrip("-").isdigit() and abs(int(pk)) >= 2**63:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class MeetingForm(forms.Form):
    """Create or edit a themed meeting. Only the territory's enabled, non-sensitive,
    one-choice questions may balance the seats; others are refused by name."""

    theme = forms.CharField(label=_("Theme"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the meeting is about, for the public page."),
    )
    starts_at = _moment(_("Date and start time"))
    duration_minutes = _bounded(_("Duration (minutes)"), 30, 600, 120)
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=Venue.objects.none())
    seats = _bounded(
        _("Seats for citizens"),
        2,
        2000,
        40,
        _("Contributors come in addition. A lottery gives the seats when more people apply."),
    )
    registration_opens = _moment(_("Applications open"))
    registration_closes = _moment(_("Applications close"))
    criteria = CriteriaField(
        label=_("Criteria whose balance matters"),
        queryset=Criterion.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
        help_text=_(
            "Seats are shared fairly on these (quotas per answer). Sensitive questions are "
            "never offered: the anonymised pool of applicants is published for verification."
        ),
    )
    rotations = _bounded(_("Table rotations"), 1, 6, 2)
    rotation_minutes = _bounded(_("Minutes per rotation"), 5, 180, 30)
    confirmation_hours = _bounded(
        _("Hours to confirm a seat"),
        1,
        24 * 30,
        72,
        _("After that, an unconfirmed seat goes to the waiting list."),
    )

    def __init__(
        self,
        *args: Any,
        territory: Territory,
        instance: Meeting | None = None,
        rules_locked: bool = False,
        **kwargs: Any,
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(instance, name) for name in MEETING_INITIAL},
                "venue": instance.venue_id,
                "criteria": list(instance.criteria.values_list("pk", flat=True)),
            }
        super().__init__(*args, **kwargs)
        self.territory = territory
        self.instance = instance
        self.fields["venue"].queryset = Venue.objects.filter(territory=territory)
        criteria_field = self.fields["criteria"]
        # Any question of the territory is recognised (to be refused by name); only the
        # eligible ones are offered.
        criteria_field.queryset = Criterion.objects.filter(territory=territory)
        self.eligible = eligible_criteria(territory)
        criteria_field.widget.choices = [(c.pk, c.display_label) for c in self.eligible]
        if instance is None:
            criteria_field.initial = [c.pk for c in self.eligible[:3]]
        self.rules_locked = rules_locked
        if rules_locked:
            for name in ("seats", "criteria"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "People have applied (or the seed of the draw is published): this can no "
                    "longer change."
                )

    def clean_theme(self) -> str:
        theme = " ".join(_clean_text(self.cleaned_data["theme"]).split())
        if not theme:
            raise forms.ValidationError(_("Give the meeting a theme."))
        return theme

    def clean_description(self) -> str:
        return _clean_text(self.cleaned_data.get("description") or "")

    def clean_criteria(self) -> list[Criterion]:
        chosen = list(self.cleaned_data.get("criteria") or [])
        if self.rules_locked:
            return chosen  # not editable: values() leaves it out
        allowed = {c.pk for c in self.eligible}
        for criterion in chosen:
            if criterion.pk in allowed:
                continue
            if criterion.sensitive or criterion.ever_sensitive:
                message = _(
                    "“%(name)s” is a sensitive question: it can never balance seats, since "
                    "the anonymised pool of applicants is published."
                )
            elif not criterion.enabled:
                message = _("“%(name)s” is not asked in this territory's self-portrait.")
            else:
                message = _(
                    "“%(name)s” is not a one-choice question: quotas are set on single answers."
                )
            raise forms.ValidationError(message % {"name": criterion.display_label})
        if len(chosen) > MAX_CRITERIA:
            raise forms.ValidationError(
                _("Choose at most %(count)d criteria, so that quotas stay readable.")
                % {"count": MAX_CRITERIA}
            )
        return chosen

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        starts = data.get("starts_at")
        opens = data.get("registration_opens")
        closes = data.get("registration_closes")
        unchanged_start = self.instance is not None and starts == self.instance.starts_at
        if starts is not None and starts <= timezone.now() and not unchanged_start:
            self.add_error("starts_at", _("The meeting must start in the future."))
        if opens is not None and closes is not None and opens >= closes:
            self.add_error("registration_closes", _("Applications must open before they close."))
        if closes is not None and starts is not None and closes > starts:
            self.add_error(
                "registration_closes",
                _("Applications must close before the meeting starts."),
            )
        duration = data.get("duration_minutes")
        rotations = data.get("rotations")
        minutes = data.get("rotation_minutes")
        total = None if rotations is None or minutes is None else rotations * minutes
        if duration is not None and total is not None and total > duration:
            self.add_error(
                "rotation_minutes",
                _("The rotations (%(total)d minutes) do not fit in the meeting's duration.")
                % {"total": total},
            )
        return data

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.rules_locked:
            data.pop("seats", None)
            data.pop("criteria", None)
        return data


# The form's fields filled from a meeting being edited (the venue is set apart: a pk).
MEETING_INITIAL = tuple(name for name in MEETING_FIELDS if name != "venue")


class InviteForm(forms.Form):
    """Invite a contributor (no account needed: they answer through a link)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("Shown on the public page with their name once they accept."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ContributorKind.choices)
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_(
            "Only to send the invitation: never shown, deleted when the meeting is archived."
        ),
    )

    def clean_name(self) -> str:
        name = " ".join(_clean_text(self.cleaned_data["name"]).split())
        if not name:
            raise forms.ValidationError(_("Write a name."))
        return name

    def clean_organisation(self) -> str:
        return " ".join(_clean_text(self.cleaned_data.get("organisation") or "").split())


ANSWER_CHOICES = [("accept", _("I accept")), ("decline", _("I decline"))]


class ContributionForm(forms.Form):
    """A contributor's answer: accept and describe the contribution, or decline."""

    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=ANSWER_CHOICES,
        initial="accept",
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )
    title = forms.CharField(label=_("Title of your contribution"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("A few lines for the public page: what you will bring to the discussion."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", "—"), *ContributorFormat.choices],
        required=False,
    )

    def clean_title(self) -> str:
        return " ".join(_clean_text(self.cleaned_data.get("title") or "").split())

    def clean_summary(self) -> str:
        return _clean_text(self.cleaned_data.get("summary") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("answer") == "accept":
            if not data.get("title"):
                self.add_error("title", _("Give your contribution a title."))
            if not data.get("summary"):
                self.add_error("summary", _("Describe your contribution in a few lines."))
            if not data.get("format"):
                self.add_error("format", _("Choose a format."))
        return data
