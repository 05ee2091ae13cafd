"""Small request helpers every view module shares."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from tierslien.lib.refusals import Refused


def posted(request: HttpRequest) -> Any:
    """The submitted data of a POST, else None (so a form is bound only when posted)."""
    return request.POST if request.method == "POST" else None


def tell_refusal(request: HttpRequest, refusal: Refused) -> None:
    """Show a refused action's sentence on the next page."""
    messages.error(request, refusal.sentence())
