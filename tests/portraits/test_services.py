from __future__ import annotations

from typing import Any

import pytest

from tests.cast import Cast
from tests.portraits.helpers import criterion
from tierslien.accounts.consent import SENSITIVE_QUESTION_VERSION
from tierslien.accounts.models import Consent
from tierslien.accounts.services import give_consent
from tierslien.portraits.models import Answer, Criterion, Portrait
from tierslien.portraits.services import (
    SensitiveAnswerWithoutConsent,
    create_criterion,
    install_default_criteria,
    save_portrait,
    update_criteria_settings,
    withdraw_sensitive_consent,
)
from tierslien.territories.models import Territory

pytestmark = pytest.mark.django_db


def practical(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "sector": None,
        "max_km": 10.0,
        "availability": ["sun-evening", "mon-morning", "nonsense"],
        "meeting_mode": "online",
        "accessibility_needs": ["quiet", "quiet"],
        "hopes": ["theme"],
    }
    values.update(overrides)
    return values


def test_install_default_criteria_is_idempotent(cast: Cast) -> None:
    assert install_default_criteria(cast.territory) == []
    fresh = Territory.objects.create(name="Neuf", slug="neuf", kind="rural")
    created = install_default_criteria(fresh)
    assert [c.key for c in created][:2] == ["age_bracket", "gender"]
    assert {c.key for c in created if c.sensitive} == {"belief_worlds", "engagement"}


def test_saving_creates_the_portrait_once_and_normalises(cast: Cast) -> None:
    portrait, created = save_portrait(cast.outsider, cast.territory, **practical(), answers={})
    assert created
    assert portrait.availability == ["mon-morning", "sun-evening"]
    assert portrait.accessibility_needs == ["quiet"]
    again, created = save_portrait(cast.outsider, cast.territory, **practical(), answers={})
    assert not created and again.pk == portrait.pk


def test_a_sector_of_another_territory_is_refused(cast: Cast) -> None:
    with pytest.raises(ValueError):
        save_portrait(
            cast.participant, cast.territory, **practical(sector=cast.other_sector), answers={}
        )


def test_a_sensitive_answer_is_never_stored_without_consent(cast: Cast) -> None:
    engagement = criterion(cast.territory, "engagement")
    with pytest.raises(SensitiveAnswerWithoutConsent):
        save_portrait(
            cast.participant, cast.territory, **practical(), answers={engagement.pk: "activist"}
        )
    assert not Answer.objects.filter(criterion=engagement).exists()
    # The whole save was rolled back, practical answers included.
    assert Portrait.objects.get(user=cast.participant, territory=cast.territory).max_km == 5


def test_a_consent_is_recorded_with_its_answer(cast: Cast) -> None:
    engagement = criterion(cast.territory, "engagement")
    save_portrait(
        cast.participant,
        cast.territory,
        **practical(),
        answers={engagement.pk: "activist"},
        consents={"engagement"},
    )
    consent = Consent.objects.get(user=cast.participant)
    assert consent.subject == "question:engagement"
    assert consent.wording_version == SENSITIVE_QUESTION_VERSION
    assert Answer.objects.get(criterion=engagement).value == "activist"


def test_withdrawal_erases_the_answer_in_every_territory(cast: Cast) -> None:
    give_consent(cast.participant, "question:engagement", wording_version="v")
    for territory in (cast.territory, cast.other_territory):
        save_portrait(
            cast.participant,
            territory,
            **practical(),
            answers={criterion(territory, "engagement").pk: "curious"},
        )
    assert Answer.objects.filter(criterion__key="engagement").count() == 2
    assert withdraw_sensitive_consent(cast.participant, "engagement") is True
    assert not Answer.objects.filter(criterion__key="engagement").exists()
    assert withdraw_sensitive_consent(cast.participant, "engagement") is False


def test_withdrawal_leaves_other_people_alone(cast: Cast) -> None:
    engagement = criterion(cast.territory, "engagement")
    for user in (cast.participant, cast.co_member):
        give_consent(user, "question:engagement", wording_version="v")
        save_portrait(user, cast.territory, **practical(), answers={engagement.pk: "distant"})
    withdraw_sensitive_consent(cast.participant, "engagement")
    assert list(Answer.objects.values_list("portrait__user", flat=True)) == [cast.co_member.pk]


def test_unknown_criteria_in_answers_are_ignored(cast: Cast) -> None:
    elsewhere = criterion(cast.other_territory, "gender")
    save_portrait(cast.participant, cast.territory, **practical(), answers={elsewhere.pk: "man"})
    assert not Answer.objects.exists()


def test_settings_touch_only_the_territorys_criteria(cast: Cast) -> None:
    mine, theirs = criterion(cast.territory, "gender"), criterion(cast.other_territory, "gender")
    changed = update_criteria_settings(
        cast.territory, {mine.pk: (False, 4.0), theirs.pk: (False, 4.0)}
    )
    assert changed == 1
    theirs.refresh_from_db()
    assert theirs.enabled and theirs.weight == 0.5


def test_custom_keys_are_unique_and_carry_the_territory(cast: Cast) -> None:
    definition: dict[str, Any] = {
        "label": "Gender",
        "question": "?",
        "kind": "numeric",
        "goal": "diverse",
        "weight": 1.0,
        "enabled": True,
        "sensitive": False,
        "options": [],
        "numeric_min": 0,
        "numeric_max": 1,
    }
    first = create_criterion(cast.territory, **definition)
    second = create_criterion(cast.territory, **definition)
    assert first.key == f"t{cast.territory.pk}-gender"
    assert second.key == f"t{cast.territory.pk}-gender-2"
    assert second.position > first.position
    odd = create_criterion(cast.territory, **{**definition, "label": "???"})
    assert odd.key == f"t{cast.territory.pk}-criterion"
    assert Criterion.objects.filter(territory=cast.territory).count() == 12


def test_withdrawing_without_a_consent_keeps_ordinary_answers(cast: Cast) -> None:
    gender = criterion(cast.territory, "gender")
    save_portrait(cast.participant, cast.territory, **practical(), answers={gender.pk: "woman"})
    assert withdraw_sensitive_consent(cast.participant, "gender") is False
    assert Answer.objects.filter(criterion=gender).exists()


def test_a_withdrawn_consent_erases_even_a_question_no_longer_sensitive(cast: Cast) -> None:
    engagement = criterion(cast.territory, "engagement")
    give_consent(cast.participant, "question:engagement", wording_version="v")
    save_portrait(
        cast.participant, cast.territory, **practical(), answers={engagement.pk: "distant"}
    )
    Criterion.objects.filter(pk=engagement.pk).update(sensitive=False)
    assert withdraw_sensitive_consent(cast.participant, "engagement") is True
    assert not Answer.objects.filter(criterion=engagement).exists()
