"""Emails to one person about their own account's doings (receipts, alerts they asked for).

Rendered in the recipient's language from `accounts/email/<name>.txt`,
`<name>_subject.txt` and `<name>_sms.txt`, the short text-message version (plain text: the
templates turn autoescaping off, so "d'hiver" never becomes "d&#x27;hiver"),
then queued in the outbox inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation

from tierslien.accounts.models import User
from tierslien.outbox import services as outbox

TEMPLATES = "accounts/email"


def absolute(path: str) -> str:
    """A path of this site as a link that works from an email."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def render_email(user: User, name: str, context: Mapping[str, Any]) -> outbox.Outgoing:
    """`accounts/email/<name>` for `user`, in their language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        full = {"user": user, "site": settings.SITE_NAME, **context}
        subject = " ".join(render_to_string(f"{TEMPLATES}/{name}_subject.txt", full).split())
        body = render_to_string(f"{TEMPLATES}/{name}.txt", full)
        text = render_text(f"{TEMPLATES}/{name}_sms.txt", full)
    return outbox.Outgoing(EmailMultiAlternatives(subject, body, None, [user.email]), user, text)


def render_text(template: str, context: Mapping[str, Any]) -> str:
    """The text-message version of a message, "" when it has none (the outbox then sends
    the subject)."""
    try:
        return render_to_string(template, dict(context)).strip()
    except TemplateDoesNotExist:
        return ""


def queue_email_to(
    user: User, name: str, context: Mapping[str, Any], *, topic: str, territory: Any = None
) -> None:
    """Render and queue one message to `user` (sent once the caller's transaction commits);
    `territory` prints it when the person is reached by post."""
    outbox.queue_emails([render_email(user, name, context)], topic=topic, territory=territory)
