"""Forms of the day: the search at the door, one person's check-in, composing the plan."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierslien.gatherings.meetings.day.pages import expected_citizens
from tierslien.gatherings.models import Contributor, ContributorStatus, Meeting

SEARCH_MAX = 80


class DoorSearchForm(forms.Form):
    """GET filter of the check-in list by name (works without JavaScript)."""

    q = forms.CharField(
        label=_("Search by name"),
        max_length=SEARCH_MAX,
        required=False,
        error_messages={
            "max_length": _("Type at most %(limit_value)d characters."),
            "null_characters_not_allowed": _("This search contains a character it cannot hold."),
        },
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "autocapitalize": "words"}
        ),
    )

    def search(self) -> str:
        """The words to look for; empty when the form is invalid or blank."""
        if not self.is_valid():
            return ""
        return " ".join(self.cleaned_data["q"].split())


class MarkForm(forms.Form):
    """One person arrives (or the mark is undone): exactly one of application/contributor."""

    application = forms.ModelChoiceField(queryset=None, required=False)
    contributor = forms.ModelChoiceField(queryset=None, required=False)
    arrived = forms.TypedChoiceField(
        choices=[("1", _("Arrived")), ("0", _("Not arrived"))],
        coerce=lambda value: value == "1",
        error_messages={"required": _("Say whether the person arrived.")},
    )
    q = forms.CharField(max_length=SEARCH_MAX, required=False)

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        message = _("This person is not expected at this meeting.")
        application = self.fields["application"]
        application.queryset = expected_citizens(meeting)
        application.error_messages["invalid_choice"] = message
        contributor = self.fields["contributor"]
        contributor.queryset = Contributor.objects.filter(
            meeting=meeting, status=ContributorStatus.ACCEPTED
        )
        contributor.error_messages["invalid_choice"] = message

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if (data.get("application") is None) == (data.get("contributor") is None):
            raise forms.ValidationError(_("Choose one person to check in."))
        return data

    def back_to(self) -> str:
        """The search to return to (only when it is a valid one)."""
        search = DoorSearchForm({"q": self.data.get("q", "")})
        return search.search()


class ComposeForm(forms.Form):
    fresh = forms.BooleanField(required=False)


class MoveForm(forms.Form):
    """Move one person to another table in one rotation (plain selects, no JavaScript).

    `person` is "a<application id>" (a citizen) or "c<contributor id>" (a host: refused
    with its reason, contributors stay at their table). `plan` is the fingerprint of
    the plan the move was checked against; `confirm` applies a move that breaks soft
    rules (repeat, revisit) once they were read.
    """

    person = forms.ChoiceField(
        label=_("Person"), error_messages={"invalid_choice": _("Choose someone in the plan.")}
    )
    table = forms.TypedChoiceField(
        label=_("Move to"),
        coerce=int,
        error_messages={"invalid_choice": _("Choose one of the plan's tables.")},
    )
    plan = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        people: list[tuple[str, str]],
        tables: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ChoiceField)
        person.choices = [("", "—"), *people]
        table = self.fields["table"]
        assert isinstance(table, forms.TypedChoiceField)
        table.choices = [("", "—"), *tables]
