"""Encrypt the TOTP secrets and recovery-code seeds stored in clear before MFAAdapter.

Runs the same function as `manage.py reencrypt_mfa_secrets`, on the historical model;
values already encrypted are re-encrypted with the first key, so running it twice is safe.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from tierslien.accounts.mfa_secrets import decrypt_secrets, reencrypt_secrets


def encrypt(apps: Any, schema_editor: Any) -> None:
    reencrypt_secrets(apps.get_model("mfa", "Authenticator"))


def decrypt(apps: Any, schema_editor: Any) -> None:
    decrypt_secrets(apps.get_model("mfa", "Authenticator"))


class Migration(migrations.Migration):
    dependencies = [("mfa", "0003_authenticator_type_uniq")]

    operations = [migrations.RunPython(encrypt, decrypt)]
