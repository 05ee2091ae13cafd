from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand, CommandError

from tierslien.accounts.mfa_secrets import UnknownKeyError, reencrypt_secrets


class Command(BaseCommand):
    help = (
        "Re-encrypt every TOTP secret and recovery-code seed with the first key of "
        "MFA_ENCRYPTION_KEYS (after putting a new key first; then drop the old one)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            count = reencrypt_secrets(Authenticator)
        except UnknownKeyError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} authenticator(s) re-encrypted with the first key.")
