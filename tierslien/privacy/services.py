"""Reading and erasing everything stored about one person."""

from __future__ import annotations

from typing import Any

from django.apps import apps
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
    for spec in PERSONAL_MODELS:
        model = apps.get_model(spec.label)
        for link, detached in spec.detached.items():
            model._default_manager.filter(**{link: user.pk}).update(
                **{link: None, **detached.erase}
            )
    User.objects.filter(pk=user.pk).delete()
