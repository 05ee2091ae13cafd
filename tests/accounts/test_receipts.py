"""A receipt when joining a season or applying to a meeting: what happens next and when,
in the person's language, plain text (no HTML escaping), queued with the action only."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.cast import Cast
from tests.gatherings.meetings.conftest import make_meeting
from tierslien.circles.actions import season as season_actions
from tierslien.circles.models import Season, SeasonState, monday_of
from tierslien.gatherings.meetings.seats import applications
from tierslien.outbox.models import Message


def _season(cast: Cast, **overrides: object) -> Season:
    today = timezone.localdate()
    values: dict[str, object] = {
        "name": "Cercles d'hiver",
        "registration_opens": today - datetime.timedelta(days=7),
        "registration_closes": today + datetime.timedelta(days=14),
        "first_week": monday_of(today + datetime.timedelta(days=28)),
    } | overrides
    return Season.objects.create(territory=cast.territory, **values)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_joining_a_season_queues_one_receipt_in_the_persons_language(cast: Cast) -> None:
    season = _season(cast)
    season_actions.join_season(cast.participant, season, availability=["tue-evening"], max_km=5)
    (message,) = Message.objects.filter(user=cast.participant)
    assert message.language == "fr"
    assert message.subject == "Inscription reçue : Cercles d'hiver"
    assert "&#x27;" not in message.body and "Cercles d'hiver" in message.body
    assert "Les inscriptions ferment le" in message.body
    assert f"/seasons/{season.pk}/" in message.body
    # Changing one's times is not a new registration: no second receipt.
    season_actions.join_season(cast.participant, season, availability=["mon-evening"], max_km=5)
    assert Message.objects.filter(user=cast.participant).count() == 1


@pytest.mark.django_db
def test_a_late_registration_receipt_says_a_seat_may_be_offered(cast: Cast) -> None:
    cast.participant.language = "en"
    cast.participant.save(update_fields=["language"])
    season = _season(cast, state=SeasonState.PUBLISHED)
    season_actions.join_season(cast.participant, season, availability=["tue-evening"], max_km=5)
    (message,) = Message.objects.filter(user=cast.participant)
    assert message.subject == "Registration received: Cercles d'hiver"
    assert "The circles are already composed" in message.body
    assert "Registration closes" not in message.body


@pytest.mark.django_db
def test_a_refused_registration_queues_nothing(cast: Cast) -> None:
    season = _season(cast, state=SeasonState.RUNNING)
    with pytest.raises(season_actions.SeasonNotOpen):
        season_actions.join_season(cast.participant, season, availability=[], max_km=5)
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_applying_to_a_meeting_queues_one_receipt(cast: Cast) -> None:
    cast.participant.language = "en"
    cast.participant.save(update_fields=["language"])
    meeting = make_meeting(cast)
    application = applications.apply(meeting, cast.participant)
    (message,) = Message.objects.filter(user=cast.participant)
    assert message.subject == "Application received: L'eau dans nos villages"
    assert "&#x27;" not in message.body
    assert "Applications close on" in message.body
    assert f"/meetings/{meeting.pk}/my-seat/" in message.body
    applications.withdraw(application)
    applications.apply(meeting, cast.participant)  # applying again: a receipt again
    assert Message.objects.filter(user=cast.participant).count() == 2


@pytest.mark.django_db
def test_a_refused_application_queues_nothing(cast: Cast) -> None:
    meeting = make_meeting(cast)
    with pytest.raises(applications.FacilitatorCannotApply):
        applications.apply(meeting, cast.facilitator)
    assert not Message.objects.exists()
