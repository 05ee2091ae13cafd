from __future__ import annotations

import pytest

from tests.cast import Cast
from tierslien.accounts.models import User


@pytest.fixture(autouse=True)
def _in_english(request: pytest.FixtureRequest) -> None:
    """These tests read English wording: the cast speaks English here."""
    if "cast" in request.fixturenames:
        cast: Cast = request.getfixturevalue("cast")
        User.objects.filter(pk__in=[u.pk for u in cast.roles().values() if u]).update(language="en")
        User.objects.filter(pk=cast.co_member.pk).update(language="en")
