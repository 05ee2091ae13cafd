"""Reading and erasing everything stored about one person."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import transaction
from django.utils import timezone

from tierslien.accounts.models import User
from tierslien.privacy.registry import PERSONAL_MODELS, PersonalModel

EXPORT_FORMAT_VERSION = 1


def _rows(spec: PersonalModel, user: User) -> list[dict[str, Any]]:
    model = apps.get_model(spec.label)
    queryset = model._default_manager.filter(**{spec.owner: user.pk}).order_by(*spec.order_by)
    return [dict(row) for row in queryset.values(*spec.exported)]


def collect_personal_data(user: User) -> dict[str, list[dict[str, Any]]]:
    """Every row about `user`, section by section, as plain values (nothing about others)."""
    return {spec.section: _rows(spec, user) for spec in PERSONAL_MODELS}


def export_personal_data(user: User) -> dict[str, Any]:
    return {
        "format": "tierslien-personal-data",
        "version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now(),
        "data": collect_personal_data(user),
    }


@transaction.atomic
def delete_account(user: User) -> None:
    """Remove the person and every row naming them, all at once or not at all.

    Every personal model cascades from the user (checked by a test), so one
    delete inside a transaction removes everything together; rows that outlive
    the person through a `detached` link lose the link and the erased fields first.
    """
    delete_sessions(user)
    for spec in PERSONAL_MODELS:
        model = apps.get_model(spec.label)
        for link, detached in spec.detached.items():
            model._default_manager.filter(**{link: user.pk}).update(
                **{link: None, **detached.erase}
            )
    User.objects.filter(pk=user.pk).delete()


def _mentions(value: Any, email: str) -> bool:
    if isinstance(value, str):
        return value.lower() == email
    if isinstance(value, dict):
        return any(_mentions(item, email) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_mentions(item, email) for item in value)
    return False


def _names(data: dict[str, Any], user: User) -> bool:
    """The session is, or was on its way to be, signed in as `user`, or holds their email."""
    if data.get(SESSION_KEY) == str(user.pk):
        return True
    # allauth's record of the authentication steps of a session (even an unfinished login).
    if data.get("account_authentication_methods_user") == str(user.pk):
        return True
    # allauth keeps a half-finished login (waiting for a code) with the email address
    # (someone a relay registered may have none).
    return user.email is not None and _mentions(data, user.email.lower())


def delete_sessions(user: User) -> int:
    """Delete every server session of `user` (other browsers included); returns how many.

    Sessions are not linked to users by a column: each one is decoded (account deletion is
    rare, and expired sessions are read too, since they still hold the email address).
    Each is deleted through its store, so a cache in front of the database is emptied too.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store_class, DatabaseSessionStore):  # pragma: no cover - not ours
        raise NotImplementedError(f"Cannot list the sessions of {settings.SESSION_ENGINE}.")
    decoder = store_class()
    found = [
        session_key
        for session_key, session_data in store_class.get_model_class()
        .objects.values_list("session_key", "session_data")
        .iterator(chunk_size=2000)
        if _names(decoder.decode(session_data), user)
    ]
    for session_key in found:
        store_class(session_key).delete()
    return len(found)
