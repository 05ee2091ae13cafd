from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from tierslien.accounts.services import must_accept_terms


def site(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.SITE_NAME,
        # A signed-in person who has not accepted the current terms sees a banner (no query).
        "terms_to_accept": bool(user and user.is_authenticated and must_accept_terms(user)),
    }
