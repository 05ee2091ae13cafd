"""Django's admin behind the same door as the rest: allauth login, then TOTP."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest


def _has_permission(request: HttpRequest) -> bool:
    from tierslien.territories.access import has_totp

    user: Any = request.user
    return bool(user.is_active and user.is_staff and has_totp(user))


def harden_admin_site() -> None:
    # Sign-in goes through allauth (rate limits, MFA); staff without TOTP are refused.
    admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
    admin.site.has_permission = _has_permission  # type: ignore[method-assign]
    admin.site.site_header = "Tiers Lien"
    admin.site.site_title = "Tiers Lien"
