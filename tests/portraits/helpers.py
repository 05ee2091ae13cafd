"""Small builders shared by the self-portrait tests."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tierslien.portraits.models import Criterion
from tierslien.territories.models import Territory


def edit_url(territory: Territory) -> str:
    return reverse("portrait_edit", args=[territory.slug])


def detail_url(territory: Territory) -> str:
    return reverse("portrait_detail", args=[territory.slug])


def withdraw_url(territory: Territory, key: str) -> str:
    return reverse("portrait_withdraw_consent", args=[territory.slug, key])


def criterion(territory: Territory, key: str) -> Criterion:
    return Criterion.objects.get(territory=territory, key=key)


def questionnaire(**overrides: Any) -> dict[str, Any]:
    """A valid questionnaire POST answering nothing sensitive."""
    data: dict[str, Any] = {
        "sector": "",
        "max_km": "12",
        "availability": ["tue-evening", "sat-morning"],
        "meeting_mode": "either",
        "accessibility_needs": ["step-free"],
        "hopes": ["discovery", "theme"],
        "answer_age_bracket": "35-49",
        "answer_gender": "",
        "answer_occupation": "4",
        "answer_education": "bac3",
        "answer_housing": "social-tenant",
        "answer_languages": ["fr", "ar"],
        "answer_worlds": ["sport", "association"],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
