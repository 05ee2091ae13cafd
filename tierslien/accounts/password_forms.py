"""allauth's password change, whose current password counts as a sign-in attempt.

A module of its own: `forms.py` is imported by allauth's forms module while it loads
(ACCOUNT_SIGNUP_FORM_CLASS), so it cannot subclass allauth's forms.
"""

from __future__ import annotations

from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    """allauth checks the current password with `check_password` directly, limited only by
    the page's own rate (5 a minute, 7,200 a day): a stolen session could guess the
    password. Checked through the adapter instead, wrong guesses share the account's
    failed-login budget (ACCOUNT_RATE_LIMITS["login_failed"]) with the login page and the
    "confirm it is you" page.
    """

    def clean_oldpassword(self) -> str:
        password: str = self.cleaned_data.get("oldpassword", "")
        if self.user is None or not get_adapter().reauthenticate(self.user, password):
            raise get_adapter().validation_error("enter_current_password")
        return password
