"""The second factor: whether THIS session passed it, and where to send it when not.

Owning an authenticator app proves nothing about a session: a password alone must never
open a facilitator's or an administrator's pages. allauth writes every authentication step
of a session into the session itself (`get_authentication_records`, its public API); a
session passed the second factor when one of those records is an "mfa" step — made by the
login's code stage or by the "confirm it is you" step (`mfa_reauthenticate`).
"""

from __future__ import annotations

from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

MFA_METHOD = "mfa"


def has_totp(user: Any) -> bool:
    """The person has enrolled an authenticator app (says nothing about this session)."""
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def passed_mfa(request: HttpRequest) -> bool:
    """This session, signed in as this user, completed a second-factor step."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == MFA_METHOD for record in records)


def second_factor_redirect(request: HttpRequest, next_url: str) -> HttpResponse | None:
    """None when this session passed the second factor; otherwise where to go first.

    Someone with an authenticator app confirms a code from it; someone without one
    enrols first (and then confirms a code).
    """
    if passed_mfa(request):
        return None
    query = urlencode({"next": next_url})
    if has_totp(request.user):
        messages.info(request, _("Confirm it is you with a code from your authenticator app."))
        return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
    messages.info(
        request,
        _(
            "Protect your account with an authenticator app before managing a territory "
            "or the site."
        ),
    )
    return redirect(f"{reverse('mfa_activate_totp')}?{query}")
