from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from tests.cast import Cast
from tierslien.portraits.access import (
    answers_by_criterion,
    get_criterion,
    get_criterion_by_key,
    get_own_portrait,
    questionnaire_criteria,
)

pytestmark = pytest.mark.django_db


def test_own_portrait_is_the_persons_own(cast: Cast) -> None:
    portrait = get_own_portrait(cast.participant, cast.territory)
    assert portrait is not None and portrait.user == cast.participant


def test_no_portrait_before_joining(cast: Cast) -> None:
    assert get_own_portrait(cast.outsider, cast.territory) is None


def test_anonymous_has_no_portrait(cast: Cast) -> None:
    assert get_own_portrait(AnonymousUser(), cast.territory) is None


def test_answers_of_no_portrait_are_empty() -> None:
    assert answers_by_criterion(None) == {}


def test_questionnaire_lists_enabled_criteria_only(cast: Cast) -> None:
    cast.territory.criteria.filter(key="gender").update(enabled=False)
    keys = [c.key for c in questionnaire_criteria(cast.territory)]
    assert "gender" not in keys and keys[0] == "age_bracket"


def test_criteria_are_reached_through_their_territory(cast: Cast) -> None:
    theirs = cast.other_territory.criteria.get(key="gender")
    with pytest.raises(Http404):
        get_criterion(cast.territory, theirs.pk)
    with pytest.raises(Http404):
        get_criterion_by_key(cast.territory, "nope")
    assert get_criterion_by_key(cast.territory, "gender").territory == cast.territory


def test_the_description_of_ones_own_portrait(cast: Cast, django_assert_max_num_queries) -> None:
    from tierslien.accounts.services import give_consent
    from tierslien.portraits.access import consented_question_keys, describe_own_portrait

    give_consent(cast.participant, "question:engagement", wording_version="v")
    give_consent(cast.participant, "terms", wording_version="v")
    assert consented_question_keys(cast.participant) == {"engagement"}
    portrait = get_own_portrait(cast.participant, cast.territory)
    assert portrait is not None
    with django_assert_max_num_queries(4):
        description = describe_own_portrait(portrait)
    lines = {line.key: line for line in description.answers}
    assert lines["engagement"].consented and not lines["engagement"].said
    assert not lines["belief_worlds"].consented
