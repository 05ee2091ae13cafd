"""/health/ (public, JSON, no personal data) and /metrics (Prometheus, bearer token)."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tierslien.operations import metrics as metrics_module
from tierslien.operations import status


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    healthy, document = status.health()
    return JsonResponse(document, status=200 if healthy else 503)


def _has_metrics_token(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), expected.encode())


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    # Without METRICS_TOKEN, or with a wrong one, the page does not exist.
    if not _has_metrics_token(request):
        raise Http404
    body, content_type = metrics_module.render()
    return HttpResponse(body, content_type=content_type)
