"""The one way to fetch self-portraits and criteria.

A portrait is only ever its owner's: no URL carries a person's id, so the
portrait of `request.user` is the only one a view can reach. Criteria are
reached through their territory (another territory's criterion is a 404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tierslien.accounts.models import Consent
from tierslien.accounts.services import active_subjects
from tierslien.portraits.describe import Description, describe_portrait
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.territories.models import Territory


def get_own_portrait(user: Any, territory: Territory) -> Portrait | None:
    """The signed-in person's portrait in this territory, or None if they have not joined."""
    if not user.is_authenticated:
        return None
    return (
        Portrait.objects.select_related("sector", "territory")
        .filter(user=user, territory=territory)
        .first()
    )


def questionnaire_criteria(territory: Territory) -> QuerySet[Criterion]:
    """The questions people are asked in this territory, in order."""
    return Criterion.objects.filter(territory=territory, enabled=True)


def answers_by_criterion(portrait: Portrait | None) -> dict[int, Any]:
    """{criterion id: stored value} for one portrait, in one query."""
    if portrait is None:
        return {}
    return dict(Answer.objects.filter(portrait=portrait).values_list("criterion_id", "value"))


def get_criterion(territory: Territory, criterion_id: int) -> Criterion:
    return get_object_or_404(Criterion, territory=territory, pk=criterion_id)


def get_criterion_by_key(territory: Territory, key: str) -> Criterion:
    return get_object_or_404(Criterion, territory=territory, key=key)


def consented_question_keys(user: Any) -> set[str]:
    """Keys of the questions the person has an active consent for."""
    prefix = Consent.question_subject("")
    return {
        subject.removeprefix(prefix)
        for subject in active_subjects(user)
        if subject.startswith(prefix)
    }


def describe_own_portrait(portrait: Portrait) -> Description:
    """The plain-words description of a portrait, for its owner only (three queries)."""
    return describe_portrait(
        portrait,
        Criterion.objects.filter(territory_id=portrait.territory_id),
        answers_by_criterion(portrait),
        consented_keys=consented_question_keys(portrait.user),
    )
