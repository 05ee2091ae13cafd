"""Writes about self-portraits and a territory's questionnaire."""

from __future__ import annotations

from django.db import transaction

from tierslien.portraits.catalogue import CATALOGUE
from tierslien.portraits.models import Criterion
from tierslien.territories.models import Territory


@transaction.atomic
def install_default_criteria(territory: Territory) -> list[Criterion]:
    """Copy the catalogue into a territory's questionnaire (keeps existing ones)."""
    existing = set(territory.criteria.values_list("key", flat=True))
    created = [
        Criterion(
            territory=territory,
            key=entry.key,
            catalogue_key=entry.key,
            label=str(entry.label),
            question=str(entry.question),
            kind=entry.kind,
            goal=entry.goal,
            weight=entry.weight,
            enabled=entry.enabled,
            sensitive=entry.sensitive,
            options=[
                {"value": option.value, "label": str(option.label)} for option in entry.options
            ],
            position=position,
        )
        for position, entry in enumerate(CATALOGUE)
        if entry.key not in existing
    ]
    return Criterion.objects.bulk_create(created)
