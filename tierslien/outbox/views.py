"""What the outbox's pages share (the facilitator's "send the failed messages again"), and
the SMS gateway's replies (STOP, START)."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
)
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tierslien.lib.phones import BadPhoneNumber, to_e164
from tierslien.outbox import services


def resend_failed(request: HttpRequest, topic: str) -> int:
    """Queue the failed messages about `topic` again and tell the facilitator how many."""
    count = services.resend_failed(topic, acting_user=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "%(count)d message will be sent again.",
                "%(count)d messages will be sent again.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("No failed message to send again."))
    return count


@csrf_exempt  # called by the SMS gateway, a server: authenticated by the shared token
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """A reply to a text message, from the gateway: `{"from": "+33…", "text": "STOP"}`.

    404 while no gateway is configured, 403 without the gateway's token (compared in
    constant time), 400 for a body that is not such a reply.
    """
    expected = settings.SMS_GATEWAY_TOKEN
    if not expected:
        raise Http404
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return HttpResponseForbidden()
    try:
        reply = json.loads(request.body)
        phone = to_e164(str(reply["from"]))
        text = str(reply.get("text", ""))
    except (ValueError, KeyError, TypeError, BadPhoneNumber):
        return HttpResponseBadRequest()
    outcome = services.answer(phone, text)
    return JsonResponse({"done": outcome or "ignored"})
