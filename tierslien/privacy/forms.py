from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account and all my data will be deleted for good."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the deletion.")},
    )
