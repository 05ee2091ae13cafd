"""The end-of-season form and the "keep in touch" choices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierslien.accounts.models import User
from tierslien.feedback.models import Again, Felt, Met


class FeedbackForm(forms.Form):
    met_different = forms.ChoiceField(
        label=_("Did you meet people from worlds different from yours?"),
        choices=Met.choices,
        widget=forms.RadioSelect,
    )
    felt_safe = forms.ChoiceField(
        label=_("Did you feel safe and heard?"), choices=Felt.choices, widget=forms.RadioSelect
    )
    come_again = forms.ChoiceField(
        label=_("Would you come to a circle again?"),
        choices=Again.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything else? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Read by the facilitator only once at least 11 people have answered, and erased "
            "30 days after the end. Please name nobody."
        ),
    )


class KeepInTouchForm(forms.Form):
    wanted = forms.MultipleChoiceField(
        label=_("I would like to see again"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, members: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wanted"].choices = [(str(m.pk), m.display_name) for m in members]

    def wanted_ids(self) -> set[int]:
        return {int(value) for value in self.cleaned_data["wanted"]}
