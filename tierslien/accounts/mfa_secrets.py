"""TOTP secrets and recovery-code seeds, encrypted at rest with rotatable keys.

allauth passes every secret it stores through its MFA adapter's `encrypt`/`decrypt`
hooks; ours seals them with Fernet (AES-128-CBC + HMAC-SHA256) under
`settings.MFA_ENCRYPTION_KEYS`: the first key encrypts, every key decrypts (MultiFernet).

Rotation: put the new key first, run `manage.py reencrypt_mfa_secrets` (it re-encrypts
every stored secret with the first key), then drop the old key. The same function, run by
the `core` data migration, encrypts the secrets stored in clear before this existed.
"""

from __future__ import annotations

import functools
from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction

# Every Fernet token starts with its version byte 0x80, base64-encoded; a TOTP secret is
# base32 and a recovery seed hexadecimal, so neither can start like this.
_TOKEN_PREFIX = "gAAAAA"


class UnknownKeyError(Exception):
    """A stored secret is encrypted with a key that is no longer configured."""


@functools.cache
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _fernet() -> MultiFernet:
    return _multi_fernet(tuple(settings.MFA_ENCRYPTION_KEYS))


def encrypt_secret(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode("ascii")


def decrypt_secret(token: str) -> str:
    return _fernet().decrypt(token.encode("ascii")).decode()


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt_secret(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_secret(encrypted_text)


def _sealed(value: str) -> str:
    """`value` encrypted with the first key, whether it was in clear or under any key."""
    if not value.startswith(_TOKEN_PREFIX):
        return encrypt_secret(value)
    try:
        return _fernet().rotate(value.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise UnknownKeyError(
            "A stored MFA secret is encrypted with a key missing from MFA_ENCRYPTION_KEYS."
        ) from exc


def _opened(value: str) -> str:
    return decrypt_secret(value) if value.startswith(_TOKEN_PREFIX) else value


def _map_secrets(data: dict[str, Any], change: Any) -> dict[str, Any]:
    changed = dict(data)
    for field in ("secret", "seed"):  # TOTP secret, recovery-code seed
        if isinstance(changed.get(field), str):
            changed[field] = change(changed[field])
    if isinstance(changed.get("migrated_codes"), list):
        changed["migrated_codes"] = [change(code) for code in changed["migrated_codes"]]
    return changed


@transaction.atomic
def reencrypt_secrets(authenticator_model: Any) -> int:
    """Encrypt every stored secret with the first key; returns how many rows changed.

    Takes the model as an argument so the data migration can pass its historical one.
    """
    changed = 0
    for authenticator in authenticator_model.objects.select_for_update().order_by("pk"):
        authenticator.data = _map_secrets(authenticator.data, _sealed)
        authenticator.save(update_fields=["data"])
        changed += 1
    return changed


@transaction.atomic
def decrypt_secrets(authenticator_model: Any) -> None:
    """Undo `reencrypt_secrets` (the data migration's way back)."""
    for authenticator in authenticator_model.objects.select_for_update().order_by("pk"):
        authenticator.data = _map_secrets(authenticator.data, _opened)
        authenticator.save(update_fields=["data"])
