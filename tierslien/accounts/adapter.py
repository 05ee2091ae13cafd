from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils import translation

from tierslien.accounts.language import speak
from tierslien.accounts.models import User
from tierslien.outbox import services as outbox


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Write each email in its recipient's language and queue it in the outbox, urgent:
        a login code or a verification link leaves as soon as the request commits."""
        user = context.get("user")
        language = getattr(user, "language", None) or translation.get_language()
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        owner = user if isinstance(user, User) and user.pk is not None else None
        outbox.queue_email(
            message, topic="account", user=owner, language=language, urgent=True, email_only=True
        )

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        """Sign in, then speak the person's language at once: the "signed in" message
        and anything else said in this request match the pages that follow."""
        super().login(request, user)
        speak(request, getattr(user, "language", ""))
