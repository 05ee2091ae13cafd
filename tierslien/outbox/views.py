"""What the outbox's pages share: the facilitator's "send the failed messages again"."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
