"""Which language a person is spoken to in, and keeping it the same everywhere.

- A signed-in person's stored `User.language` wins over the browser's (the middleware
  activates it on every request, and keeps the language cookie in step, so the pages
  after logging out speak the same language).
- Signing in switches to the person's language at once (the adapter calls `speak`), so a
  message added later in the same request is in the language of the next page.
- Changing one's language (the header switch or the profile) switches at once too, so the
  confirmation is already in the new language.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from tierslien.accounts.models import Language


def is_known(code: object) -> bool:
    return isinstance(code, str) and code in Language.values


def speak(request: HttpRequest, code: str) -> None:
    """Use `code` for the rest of this request (and the response's messages)."""
    if is_known(code):
        translation.activate(code)
        request.LANGUAGE_CODE = code


def remember(request: HttpRequest, response: HttpResponse, code: str) -> None:
    """Keep the language cookie on `code` (read by the pages shown when signed out)."""
    if is_known(code) and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != code:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
