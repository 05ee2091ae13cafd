from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tierslien.accounts.language import remember, speak


class UserLanguageMiddleware:
    """A signed-in person's language preference wins over the browser's; the language
    cookie follows it, so the pages after logging out keep speaking it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", None) if user and user.is_authenticated else None
        if language:
            speak(request, language)
        response = self.get_response(request)
        user = getattr(request, "user", None)  # signing in or out changes it
        if user is not None and user.is_authenticated and user.language:
            response.headers.setdefault("Content-Language", user.language)
            remember(request, response, user.language)
        return response
