"""Django's admin behind the same door as the rest: allauth login, then the second factor.

The admin's own login form is never used: it would sign a staff account in with a password
alone, outside allauth's rate limits and MFA stage. `/admin/login/` only sends people on:
anonymous visitors to allauth's login, staff whose session has not passed the second factor
to the code step (or to enrol an authenticator app), and anyone else away with a 403.
Its password change page sends to allauth's, where wrong guesses count as failed logins.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from tierslien.accounts.mfa import passed_mfa, second_factor_redirect


def _is_staff(user: Any) -> bool:
    return bool(user.is_active and user.is_staff)


def _has_permission(request: HttpRequest) -> bool:
    if not _is_staff(request.user):
        return False
    return passed_mfa(request)


def _next_url(request: HttpRequest) -> str:
    wanted = request.GET.get(REDIRECT_FIELD_NAME, "")
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe and wanted else reverse("admin:index")


@never_cache
def admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """Replaces `admin.site.login`: never reads a password, whatever the method."""
    next_url = _next_url(request)
    if not request.user.is_authenticated:
        return redirect_to_login(next_url)
    if not _is_staff(request.user):
        raise PermissionDenied
    detour = second_factor_redirect(request, next_url)
    if detour is not None:
        return detour
    return redirect(next_url)


def admin_password_change(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """Replaces `admin.site.password_change`: Django's form there guesses without a limit."""
    return redirect("account_change_password")


def harden_admin_site() -> None:
    admin.site.login = admin_login
    admin.site.password_change = admin_password_change
    admin.site.has_permission = _has_permission
    admin.site.site_header = "Tiers Lien"
    admin.site.site_title = "Tiers Lien"
