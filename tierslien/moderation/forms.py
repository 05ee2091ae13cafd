"""What members and facilitators type: a short reason, a note."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What happened?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few words for the facilitator. The person is not told who reported."),
    )


class RemovalForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the record (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
