"""Small request helpers every view module shares."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from tierslien.lib.refusals import Refused


def posted(request: HttpRequest) -> Any:
    """The submitted data of a POST, else None (so a form is bound only when posted)."""
    return request.POST if request.method == "POST" else None


def tell_refusal(request: HttpRequest, refusal: Refused) -> None:
    """Show a refused action's sentence on the next page."""
    messages.error(request, refusal.sentence())


def safe_next(request: HttpRequest) -> str:
    """The `next` address a form was given (POST, else GET), if it stays on this site; else
    "". Redirect to it as a URL (`HttpResponseRedirect`), never through `redirect()`, which
    would read "home" or "0" as the name of a view."""
    next_url = str(request.POST.get("next") or request.GET.get("next") or "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""
