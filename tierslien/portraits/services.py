"""Writes about self-portraits and a territory's questionnaire."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from tierslien.accounts.consent import SENSITIVE_QUESTION_VERSION
from tierslien.accounts.models import Consent, User
from tierslien.accounts.services import active_subjects, give_consent, withdraw_consent
from tierslien.lib.slots import normalise_slots
from tierslien.portraits import freeze
from tierslien.portraits.catalogue import CATALOGUE, CATALOGUE_BY_KEY
from tierslien.portraits.models import Answer, Criterion, CriterionGoal, Portrait
from tierslien.territories.models import Sector, Territory


class SensitiveAnswerWithoutConsent(Exception):
    """A sensitive answer was about to be stored without an active consent."""


class QuestionnaireRefused(Exception):
    """A change to the questionnaire that is refused; nothing was changed. `message`
    says why, in the active language."""

    def __init__(self, message: Any) -> None:
        self.message = str(message)
        super().__init__(self.message)


class QuestionnaireFrozen(QuestionnaireRefused):
    """A season of the territory is being composed or reviewed (freeze.py)."""

    def __init__(self) -> None:
        super().__init__(FROZEN_MESSAGE)


class SensitiveNotShared(QuestionnaireRefused):
    """A sensitive question cannot be one members must have in common."""

    def __init__(self) -> None:
        super().__init__(SHARED_MESSAGE)


class SensitiveFlagKept(QuestionnaireRefused):
    """A question stays sensitive while answers given under consent exist."""

    def __init__(self) -> None:
        super().__init__(FLAG_KEPT_MESSAGE)


FROZEN_MESSAGE = _(
    "Circles are being composed or reviewed in this territory: the questionnaire (its "
    "questions, weights and settings) cannot change until they are published or the "
    "season goes back to registration. Nothing was changed."
)
SHARED_MESSAGE = _(
    "A sensitive question cannot be one that members must share: circles would gather "
    "people who all gave the same answer, which would tell everyone that answer. "
    "Mix people on it instead."
)
FLAG_KEPT_MESSAGE = _(
    "People answered this question because it was sensitive, with their explicit consent: "
    "it stays sensitive as long as answers exist. To ask it without consent, create a "
    "new question and stop asking this one."
)


def _refuse_if_frozen(territory_id: int) -> None:
    if freeze.is_frozen(territory_id):
        raise QuestionnaireFrozen


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
            ever_sensitive=entry.sensitive,
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
    _refuse_if_frozen(territory.pk)
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
    _refuse_if_frozen(territory.pk)
    sensitive = bool(definition.get("sensitive", False))
    if sensitive and definition.get("goal") == CriterionGoal.SHARED:
        raise SensitiveNotShared
    last = territory.criteria.aggregate(last=Max("position"))["last"]
    return Criterion.objects.create(
        territory=territory,
        key=_custom_key(territory, definition["label"]),
        position=(last or 0) + 1,
        ever_sensitive=sensitive,
        **definition,
    )


@transaction.atomic
def update_criterion(criterion: Criterion, **definition: Any) -> int:
    """Change a criterion; returns how many answers were erased.

    Forms refuse changes that would not fit existing answers (kind, removed
    options, narrower range). Flagging a question as sensitive erases the
    answers of people who have not consented to it. Refused, with nothing changed:
    any change while the questionnaire is frozen (`freeze.py`), a sensitive question
    that members must share, and unflagging a sensitive question that has answers
    (they were given under consent, for a sensitive question).
    """
    _refuse_if_frozen(criterion.territory_id)
    sensitive = bool(definition.get("sensitive", criterion.sensitive))
    if sensitive and definition.get("goal", criterion.goal) == CriterionGoal.SHARED:
        raise SensitiveNotShared
    if criterion.sensitive and not sensitive and criterion_has_answers(criterion):
        raise SensitiveFlagKept
    became_sensitive = sensitive and not criterion.sensitive
    for name, value in definition.items():
        setattr(criterion, name, value)
    fields = list(definition)
    if sensitive and not criterion.ever_sensitive:
        criterion.ever_sensitive = True
        fields.append("ever_sensitive")
    criterion.save(update_fields=fields)
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
