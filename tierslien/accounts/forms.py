from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tierslien.accounts.consent import TERMS_SUMMARY, TERMS_VERSION
from tierslien.accounts.models import Consent, Language, User
from tierslien.accounts.services import give_consent


def clean_display_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise forms.ValidationError(_("Please choose a first name or a pseudonym."))
    if "@" in value:
        raise forms.ValidationError(_("A display name cannot contain an email address."))
    return value


class SignupExtraForm(forms.Form):
    """Extra fields of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=40,
        help_text=_("A first name or a pseudonym: the only thing other members will see."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    accept_terms = forms.BooleanField(
        label=_("I accept the terms of use"), help_text=TERMS_SUMMARY, required=True
    )

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.language = self.cleaned_data["language"]
        user.save(update_fields=["display_name", "language"])
        give_consent(user, Consent.TERMS, wording_version=TERMS_VERSION)


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=40)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])
