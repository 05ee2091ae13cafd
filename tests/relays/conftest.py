from __future__ import annotations

import pytest

from tests.cast import Cast


@pytest.fixture(autouse=True)
def _relay_reads_english(request: pytest.FixtureRequest) -> None:
    """The relays' pages are read in English here, so tests check the source wording."""
    if "cast" in request.fixturenames:
        cast: Cast = request.getfixturevalue("cast")
        for user in (cast.relay, cast.facilitator):
            user.language = "en"
            user.save(update_fields=["language"])
