"""Writes about accounts: consents, profile changes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tierslien.accounts.consent import current_terms_version
from tierslien.accounts.models import Consent, User


@transaction.atomic
def give_consent(user: User, subject: str, *, wording_version: str) -> Consent:
    """Record a consent, unless the same one is already active."""
    current = active_consent(user, subject)
    if current is not None and current.wording_version == wording_version:
        return current
    if current is not None:
        current.withdrawn_at = timezone.now()
        current.save(update_fields=["withdrawn_at"])
    return Consent.objects.create(
        user=user, subject=subject, wording_version=wording_version, given_at=timezone.now()
    )


@transaction.atomic
def accept_terms(user: User) -> Consent:
    """Record that `user` accepts the current terms of use (and read the privacy notice)."""
    version = current_terms_version()
    consent = give_consent(user, Consent.TERMS, wording_version=version)
    if user.accepted_terms_version != version:
        user.accepted_terms_version = version
        user.save(update_fields=["accepted_terms_version"])
    return consent


def must_accept_terms(user: User) -> bool:
    """A signed-in person who has not accepted the current version (no query)."""
    return user.accepted_terms_version != current_terms_version()


@transaction.atomic
def withdraw_consent(user: User, subject: str) -> bool:
    """Stamp the active consent as withdrawn; True if there was one."""
    updated = Consent.objects.filter(user=user, subject=subject, withdrawn_at=None).update(
        withdrawn_at=timezone.now()
    )
    return updated > 0


def active_consent(user: User, subject: str) -> Consent | None:
    return (
        Consent.objects.filter(user=user, subject=subject, withdrawn_at=None)
        .order_by("-given_at", "-id")
        .first()
    )


def active_subjects(user: User) -> set[str]:
    return set(
        Consent.objects.filter(user=user, withdrawn_at=None).values_list("subject", flat=True)
    )


@transaction.atomic
def update_profile(user: User, *, display_name: str, language: str) -> None:
    user.display_name = display_name
    user.language = language
    user.save(update_fields=["display_name", "language"])


@transaction.atomic
def change_language(user: User, language: str) -> bool:
    """Store the language `user` is spoken to in (pages and emails); True if it changed."""
    if user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    return True
