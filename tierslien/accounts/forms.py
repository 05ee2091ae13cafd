from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation
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
    terms_version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shown_terms(self)
        # The language the page is read in, not always French.
        active = (translation.get_language() or "")[:2]
        if active in Language.values:
            self.fields["language"].initial = active

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    def clean_terms_version(self) -> str:
        return clean_terms_version(self.cleaned_data["terms_version"])

    def signup(self, request: HttpRequest, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.language = self.cleaned_data["language"]
        user.save(update_fields=["display_name", "language"])
        accept_terms(user)


def terms_label() -> SafeString:
    """The acceptance box's label, naming the version, with links to both texts."""
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


def shown_terms(form: forms.Form) -> None:
    """Label the acceptance box, and remember which version the page showed."""
    form.fields["accept_terms"].label = terms_label()
    form.fields["terms_version"].initial = current_terms_version()


def clean_terms_version(shown: str) -> str:
    """The version on the page must still be the current one: a person accepts what they
    were shown, never a version that changed while they were reading."""
    if shown and shown != current_terms_version():
        raise forms.ValidationError(
            _("The terms of use changed while you were reading them: please read them again.")
        )
    return shown


class AcceptTermsForm(forms.Form):
    """Accepting a new version of the terms, when they changed since the last time."""

    accept_terms = forms.BooleanField(required=True)
    terms_version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shown_terms(self)

    def clean_terms_version(self) -> str:
        return clean_terms_version(self.cleaned_data["terms_version"])


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=40)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])
