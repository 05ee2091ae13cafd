"""Writes about self-portraits and a territory's questionnaire."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from tierslien.accounts.consent import SENSITIVE_QUESTION_VERSION
from tierslien.accounts.models import Consent, User
from tierslien.accounts.services import active_subjects, give_consent, withdraw_consent
from tierslien.lib.slots import normalise_slots
from tierslien.portraits.catalogue import CATALOGUE, CATALOGUE_BY_KEY
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.territories.models import Sector, Territory


class SensitiveAnswerWithoutConsent(Exception):
    """A sensitive answer was about to be stored without an active consent."""


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


# --- The self-portrait ---------------------------------------------------------------------


@transaction.atomic
def save_portrait(
    user: User,
    territory: Territory,
    *,
    sector: Sector | None,
    max_km: float,
    availability: list[str],
    meeting_mode: str,
    accessibility_needs: list[str],
    hopes: list[str],
    answers: Mapping[int, Any],
    consents: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[Portrait, bool]:
    """Save someone's own portrait; the first save is joining the territory.

    `answers` maps criterion ids to a value, or None for "prefer not to say"
    (the answer row is deleted). `consents` are the keys of sensitive
    questions whose consent box was ticked now: a consent is recorded only
    with an answer. Returns (portrait, created).
    """
    if sector is not None and sector.territory_id != territory.pk:
        raise ValueError("The sector belongs to another territory.")
    portrait, created = Portrait.objects.get_or_create(user=user, territory=territory)
    portrait.sector = sector
    portrait.max_km = max_km
    portrait.availability = normalise_slots(availability)
    portrait.meeting_mode = meeting_mode
    portrait.accessibility_needs = sorted(set(accessibility_needs))
    portrait.hopes = sorted(set(hopes))
    portrait.save(
        update_fields=[
            "sector",
            "max_km",
            "availability",
            "meeting_mode",
            "accessibility_needs",
            "hopes",
            "updated_at",
        ]
    )
    criteria = {c.pk: c for c in Criterion.objects.filter(territory=territory, pk__in=answers)}
    for key in sorted(consents):
        if any(c.key == key and answers.get(c.pk) is not None for c in criteria.values()):
            give_consent(
                user, Consent.question_subject(key), wording_version=SENSITIVE_QUESTION_VERSION
            )
    consented = active_subjects(user)
    existing = {answer.criterion_id: answer for answer in portrait.answers.all()}
    to_create: list[Answer] = []
    to_update: list[Answer] = []
    to_delete: list[int] = []
    for criterion_id, value in answers.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            continue
        answer = existing.get(criterion_id)
        if value is None:
            if answer is not None:
                to_delete.append(answer.pk)
            continue
        if criterion.sensitive and Consent.question_subject(criterion.key) not in consented:
            raise SensitiveAnswerWithoutConsent(criterion.key)
        if answer is None:
            to_create.append(Answer(portrait=portrait, criterion=criterion, value=value))
        elif answer.value != value:
            answer.value = value
            to_update.append(answer)
    Answer.objects.filter(pk__in=to_delete).delete()
    Answer.objects.bulk_create(to_create)
    Answer.objects.bulk_update(to_update, ["value"])
    return portrait, created


@transaction.atomic
def withdraw_sensitive_consent(user: User, key: str) -> bool:
    """Withdraw consent to a question and erase every answer given under it, at once.

    The consent subject is per question key, so answers to that question in
    all the person's territories are erased. True if a consent was active.
    """
    withdrawn = withdraw_consent(user, Consent.question_subject(key))
    answers = Answer.objects.filter(portrait__user=user, criterion__key=key)
    if not withdrawn:
        # Nothing was consented to: only sensitive answers (there should be none) go.
        answers = answers.filter(criterion__sensitive=True)
    answers.delete()
    return withdrawn


# --- The questionnaire of a territory ------------------------------------------------------


@transaction.atomic
def update_criteria_settings(
    territory: Territory, changes: Mapping[int, tuple[bool, float]]
) -> int:
    """Enable, disable and reweight criteria; returns how many changed."""
    changed = []
    for criterion in Criterion.objects.filter(territory=territory, pk__in=changes):
        enabled, weight = changes[criterion.pk]
        if criterion.enabled != enabled or criterion.weight != weight:
            criterion.enabled, criterion.weight = enabled, weight
            changed.append(criterion)
    Criterion.objects.bulk_update(changed, ["enabled", "weight"])
    return len(changed)


def _custom_key(territory: Territory, label: str) -> str:
    """Custom keys carry the territory so consents to them never leak across territories."""
    base = f"t{territory.pk}-{slugify(label)[:24] or 'criterion'}".strip("-")
    taken = set(territory.criteria.values_list("key", flat=True)) | set(CATALOGUE_BY_KEY)
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}-{number}"
    return key


@transaction.atomic
def create_criterion(territory: Territory, **definition: Any) -> Criterion:
    """Add a facilitator's own criterion at the end of the questionnaire."""
    last = territory.criteria.aggregate(last=Max("position"))["last"]
    return Criterion.objects.create(
        territory=territory,
        key=_custom_key(territory, definition["label"]),
        position=(last or 0) + 1,
        **definition,
    )


@transaction.atomic
def update_criterion(criterion: Criterion, **definition: Any) -> int:
    """Change a criterion; returns how many answers were erased.

    Forms refuse changes that would not fit existing answers (kind, removed
    options, narrower range). Flagging a question as sensitive erases the
    answers of people who have not consented to it.
    """
    became_sensitive = definition.get("sensitive", False) and not criterion.sensitive
    for name, value in definition.items():
        setattr(criterion, name, value)
    criterion.save(update_fields=list(definition))
    if not became_sensitive:
        return 0
    consenting = Consent.objects.filter(
        subject=Consent.question_subject(criterion.key), withdrawn_at=None
    ).values("user")
    erased, _detail = (
        Answer.objects.filter(criterion=criterion).exclude(portrait__user__in=consenting).delete()
    )
    return erased


def criterion_has_answers(criterion: Criterion) -> bool:
    return Answer.objects.filter(criterion=criterion).exists()
