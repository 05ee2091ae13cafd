"""Attack replays on signing in: the admin's password form, MFA per session, rate limits,
TOTP secrets at rest, sessions of a deleted account.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from cryptography.fernet import Fernet, InvalidToken
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.cast import PASSWORD, Cast, make_user, sign_in, totp_secret
from tierslien.accounts.mfa_secrets import UnknownKeyError, reencrypt_secrets
from tierslien.accounts.models import User
from tierslien.privacy.services import delete_account

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
NOW = datetime.datetime(2026, 3, 2, 9, 0, 5, tzinfo=datetime.UTC)


def current_code(user: User) -> str:
    return format_hotp_value(hotp_value(totp_secret(user), int(time.time()) // 30))


def signed_in_as(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


# --- The admin's own login form ---


def test_admin_login_never_takes_a_password_from_a_signed_in_person(
    client_as: ClientAs, cast: Cast
) -> None:
    client = client_as("outsider")
    for attempt in range(25):
        password = PASSWORD if attempt == 24 else f"wrong {attempt}"
        response = client.post(
            "/admin/login/", {"username": cast.admin.email, "password": password}
        )
        assert response.status_code == 403
    assert signed_in_as(client) == str(cast.outsider.pk)


def test_admin_login_sends_anonymous_posts_to_allauth(client: Client, cast: Cast) -> None:
    response = client.post(
        "/admin/login/?next=/admin/", {"username": cast.admin.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert signed_in_as(client) is None


def test_admin_refuses_staff_whose_session_skipped_the_code(client: Client, cast: Cast) -> None:
    sign_in(client, cast.admin, mfa=False)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('mfa_reauthenticate')}?next=%2Fadmin%2F"


def test_admin_sends_staff_without_totp_to_enrol(client: Client, cast: Cast) -> None:
    staff = make_user("staff@example.org", "Staff", is_staff=True, is_superuser=True)
    sign_in(client, staff, mfa=False)
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"] == f"{reverse('mfa_activate_totp')}?next=%2Fadmin%2F"


def test_admin_login_ignores_an_outside_next(client_as: ClientAs) -> None:
    response = client_as("admin").get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == reverse("admin:index")


@time_machine.travel(NOW, tick=False)
def test_admin_opens_after_the_code_step(client: Client, cast: Cast) -> None:
    sign_in(client, cast.admin, mfa=False)
    url = f"{reverse('mfa_reauthenticate')}?next=/admin/"
    response = client.post(url, {"code": current_code(cast.admin)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_password_change_is_allauths_rate_limited_one(client_as: ClientAs) -> None:
    client = client_as("admin")
    url = reverse("admin:password_change")
    form = {"old_password": "guess", "new_password1": "x" * 12, "new_password2": "x" * 12}
    response = client.post(url, form)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")


# --- Facilitator pages ask whether this session passed the second factor ---


def test_facilitator_whose_session_skipped_the_code_is_sent_to_the_code_step(
    client_as: ClientAs, cast: Cast
) -> None:
    page = reverse("manage_territory", args=[cast.territory.slug])
    response = client_as("facilitator_without_mfa").get(page)
    assert response.status_code == 302
    assert (
        response["Location"] == f"{reverse('mfa_reauthenticate')}?next={page.replace('/', '%2F')}"
    )


@time_machine.travel(NOW, tick=False)
def test_the_code_step_opens_the_facilitator_pages(client_as: ClientAs, cast: Cast) -> None:
    client = client_as("facilitator_without_mfa")
    page = reverse("manage_territory", args=[cast.territory.slug])
    response = client.post(
        f"{reverse('mfa_reauthenticate')}?next={page}", {"code": current_code(cast.facilitator)}
    )
    assert response["Location"] == page
    assert client.get(page).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_a_code_is_accepted_once(client_as: ClientAs, cast: Cast) -> None:
    first, second = client_as("facilitator_without_mfa"), client_as("facilitator_without_mfa")
    url = reverse("mfa_reauthenticate")
    code = current_code(cast.facilitator)
    assert first.post(url, {"code": code}).status_code == 302
    assert second.post(url, {"code": code}).status_code == 200
    page = reverse("manage_territory", args=[cast.territory.slug])
    assert second.get(page).status_code == 302


# --- Every password entry point shares the account's failed-login budget ---


def test_login_locks_after_five_wrong_passwords(client: Client, cast: Cast) -> None:
    url = reverse("account_login")
    for attempt in range(5):
        client.post(url, {"login": cast.participant.email, "password": f"wrong {attempt}"})
    response = client.post(url, {"login": cast.participant.email, "password": PASSWORD})
    assert response.status_code == 200
    assert signed_in_as(client) is None


def test_confirming_with_a_password_locks_after_five_wrong_ones(
    client_as: ClientAs, cast: Cast
) -> None:
    client = client_as("participant")
    url = reverse("account_reauthenticate")
    for attempt in range(5):
        assert client.post(url, {"password": f"wrong {attempt}"}).status_code == 200
    assert client.post(url, {"password": PASSWORD}).status_code == 200


def test_password_change_guesses_count_as_failed_logins(cast: Cast) -> None:
    url = reverse("account_change_password")
    new = {"password1": "a brand new passphrase", "password2": "a brand new passphrase"}
    with time_machine.travel(NOW, tick=False) as traveller:
        client = sign_in(Client(), cast.participant, mfa=False)
        for attempt in range(5):
            client.post(url, {"oldpassword": f"wrong {attempt}", **new})
        traveller.shift(datetime.timedelta(minutes=2))  # the page's own 5/minute is over
        response = client.post(url, {"oldpassword": PASSWORD, **new})
        assert response.status_code == 200
        traveller.shift(datetime.timedelta(minutes=4))  # and so is the account's lock-out
        assert client.post(url, {"oldpassword": PASSWORD, **new}).status_code == 302
    cast.participant.refresh_from_db()
    assert cast.participant.check_password("a brand new passphrase")


@time_machine.travel(NOW, tick=False)
def test_the_code_step_locks_after_five_wrong_codes(client_as: ClientAs, cast: Cast) -> None:
    client = client_as("facilitator_without_mfa")
    url = reverse("mfa_reauthenticate")
    for attempt in range(5):
        client.post(url, {"code": f"{attempt:06}"})
    assert client.post(url, {"code": current_code(cast.facilitator)}).status_code == 200


# --- TOTP secrets at rest ---


def test_totp_secrets_are_stored_encrypted(cast: Cast, settings: object) -> None:
    stored = Authenticator.objects.get(user=cast.facilitator, type=Authenticator.Type.TOTP)
    secret = totp_secret(cast.facilitator)
    assert secret not in str(stored.data)
    key = settings.MFA_ENCRYPTION_KEYS[0]  # type: ignore[attr-defined]
    assert Fernet(key).decrypt(stored.data["secret"].encode()).decode() == secret


def test_the_admin_never_shows_a_secret(client_as: ClientAs, cast: Cast) -> None:
    client = client_as("admin")
    stored = Authenticator.objects.get(user=cast.facilitator, type=Authenticator.Type.TOTP)
    url = reverse("admin:mfa_authenticator_change", args=[stored.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert stored.data["secret"] not in page
    assert totp_secret(cast.facilitator) not in page
    assert 'name="data"' not in page
    assert client.post(url, {"data": '{"secret": "AAAA"}'}).status_code == 403


def test_rotating_keys_reencrypts_every_secret(cast: Cast, settings: object) -> None:
    secret = totp_secret(cast.facilitator)
    old = settings.MFA_ENCRYPTION_KEYS[0]  # type: ignore[attr-defined]
    new = Fernet.generate_key().decode()
    settings.MFA_ENCRYPTION_KEYS = [new, old]  # type: ignore[attr-defined]
    assert totp_secret(cast.facilitator) == secret  # the old key still decrypts
    call_command("reencrypt_mfa_secrets", stdout=None)
    settings.MFA_ENCRYPTION_KEYS = [new]  # type: ignore[attr-defined]
    assert totp_secret(cast.facilitator) == secret
    stored = Authenticator.objects.get(user=cast.facilitator, type=Authenticator.Type.TOTP)
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(stored.data["secret"].encode())


def test_reencrypting_without_the_old_key_changes_nothing(cast: Cast, settings: object) -> None:
    before = list(Authenticator.objects.values_list("data", flat=True).order_by("pk"))
    settings.MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # type: ignore[attr-defined]
    with pytest.raises(UnknownKeyError):
        reencrypt_secrets(Authenticator)
    assert list(Authenticator.objects.values_list("data", flat=True).order_by("pk")) == before


def test_secrets_stored_in_clear_get_encrypted(cast: Cast) -> None:
    secret = totp_secret(cast.facilitator)
    Authenticator.objects.filter(user=cast.facilitator, type=Authenticator.Type.TOTP).update(
        data={"secret": secret}
    )
    reencrypt_secrets(Authenticator)
    stored = Authenticator.objects.get(user=cast.facilitator, type=Authenticator.Type.TOTP)
    assert stored.data["secret"] != secret
    assert totp_secret(cast.facilitator) == secret


# --- Sessions of a deleted account ---


def _sessions_naming(email: str, user_id: int) -> list[str]:
    found = []
    for session in Session.objects.all():
        data = session.get_decoded()
        if data.get("_auth_user_id") == str(user_id) or email in str(data):
            found.append(session.session_key)
    return found


def test_deleting_an_account_deletes_its_sessions(cast: Cast) -> None:
    user, user_id, email = cast.participant, cast.participant.pk, cast.participant.email
    phone, laptop, other = Client(), Client(), Client()
    sign_in(phone, user, mfa=False)
    sign_in(laptop, user, mfa=False)
    sign_in(other, cast.co_member, mfa=False)
    pending = Client()  # a login waiting at the code step keeps the email address
    session = pending.session
    session["account_login"] = {"email": email, "state": {}}
    session.save()
    assert len(_sessions_naming(email, user_id)) == 3

    response = laptop.post(reverse("delete_account"), {"confirm": "on"})

    assert response.status_code == 302
    assert _sessions_naming(email, user_id) == []
    assert signed_in_as(other) == str(cast.co_member.pk)


def test_the_delete_service_deletes_sessions_too(cast: Cast) -> None:
    client = Client()
    sign_in(client, cast.participant, mfa=False)
    delete_account(cast.participant)
    assert not Session.objects.filter(session_key=client.session.session_key).exists()


# --- Settings: keys required in production, one cache for every process ---


def _settings_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import tierslien.settings as s; "
        "print(s.CACHES['default']['BACKEND']); print(len(s.MFA_ENCRYPTION_KEYS))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MFA_", "DEBUG"))}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_refuses_to_start_without_mfa_keys() -> None:
    result = _settings_in_a_fresh_process(DEBUG="false", SECRET_KEY="a real production secret")
    assert result.returncode != 0
    assert "Set MFA_ENCRYPTION_KEYS" in result.stderr


def test_production_reads_the_keys_from_a_file(tmp_path: Path) -> None:
    keys = tmp_path / "mfa-keys"
    keys.write_text(f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}\n")
    result = _settings_in_a_fresh_process(
        DEBUG="false", SECRET_KEY="a real production secret", MFA_ENCRYPTION_KEYS_FILE=str(keys)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "2"]


def test_development_derives_a_key_and_shares_the_cache_too() -> None:
    result = _settings_in_a_fresh_process()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "1"]
