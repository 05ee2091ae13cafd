from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tierslien.accounts.consent import TERMS_SUMMARY, current_terms_version
from tierslien.accounts.models import Language, User
from tierslien.accounts.services import accept_terms


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
    accept_terms = forms.BooleanField(help_text=TERMS_SUMMARY, required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accept_terms"].label = terms_label()

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.language = self.cleaned_data["language"]
        user.save(update_fields=["display_name", "language"])
        accept_terms(user)


def terms_label() -> SafeString:
    """ "I accept the terms of use (version X) and have read the privacy notice", with links."""
    return format_html(
        gettext(
            "I accept the {terms_link}terms of use{end} (version {version}) and have read "
            "the {privacy_link}privacy notice{end}"
        ),
        end=mark_safe("</a>"),  # a constant
        terms_link=format_html('<a href="{}">', reverse("legal_terms")),
        privacy_link=format_html('<a href="{}">', reverse("legal_privacy")),
        version=current_terms_version(),
    )


class AcceptTermsForm(forms.Form):
    """Accepting a new version of the terms, when they changed since the last time."""

    accept_terms = forms.BooleanField(required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accept_terms"].label = terms_label()


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=40)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])
