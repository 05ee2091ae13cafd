"""A refused season action tells the facilitator why, in the action's own sentence, and
changes nothing: every refusal is a `Refused` the view shows (never a 500, never the
generic words of a forbidden transition)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tierslien.circles.models import Season, SeasonState

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]

# (URL name, a state in which the action is refused, the sentence shown)
REFUSED = [
    (
        "manage_season_compose",
        SeasonState.PUBLISHED,
        "This season is not open: it cannot be composed now.",
    ),
    ("manage_season_recompose", SeasonState.OPEN, "Only a proposal can be recomposed."),
    ("manage_season_complete", SeasonState.OPEN, "Only a proposal can be recomposed."),
    ("manage_season_publish", SeasonState.OPEN, "Only a proposal can be published."),
    ("manage_season_start", SeasonState.PROPOSED, "Only a published season can start."),
    (
        "manage_season_reopen",
        SeasonState.PUBLISHED,
        "Only a proposal can be sent back to registration.",
    ),
    ("manage_season_cancel", SeasonState.OPEN, "This season is not being composed."),
    ("manage_season_retry", SeasonState.PROPOSED, "This season is not being composed."),
]


def _shown(response: HttpResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(("name", "state", "sentence"), REFUSED)
def test_a_refused_action_says_why_and_changes_nothing(
    season: Season, client_as: ClientAs, name: str, state: str, sentence: str
) -> None:
    Season.objects.filter(pk=season.pk).update(state=state)
    response = client_as("facilitator").post(reverse(name, args=[season.territory.slug, season.pk]))
    assert response.status_code == 302
    with translation.override(response.headers.get("Content-Language", "fr")):
        assert _shown(response) == [translation.gettext(sentence)]
    season.refresh_from_db()
    assert season.state == state


def test_the_publish_preview_of_a_season_not_proposed_says_why(
    season: Season, client_as: ClientAs
) -> None:
    response = client_as("facilitator").get(
        reverse("manage_season_publish_confirm", args=[season.territory.slug, season.pk])
    )
    assert response.status_code == 302
    with translation.override(response.headers.get("Content-Language", "fr")):
        assert _shown(response) == [translation.gettext("Only a proposal can be published.")]
