"""Emails to one person about their own account's doings (receipts, alerts they asked for).

Rendered in the recipient's language from `accounts/email/<name>.txt` and
`<name>_subject.txt` (plain text: the templates turn autoescaping off, so "d'hiver" never
becomes "d&#x27;hiver"), then queued in the outbox inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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
    return outbox.Outgoing(EmailMultiAlternatives(subject, body, None, [user.email]), user)


def queue_email_to(user: User, name: str, context: Mapping[str, Any], *, topic: str) -> None:
    """Render and queue one email to `user` (sent once the caller's transaction commits)."""
    outbox.queue_emails([render_email(user, name, context)], topic=topic)
