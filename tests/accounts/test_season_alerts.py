"""Asking to be told when a season opens: the button, the email (once per season, in the
person's language), and the daily job for seasons whose registration opens later."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.cast import Cast
from tierslien.circles.actions import season as season_actions
from tierslien.circles.models import Registration, monday_of
from tierslien.outbox.models import Message
from tierslien.territories.models import SeasonAlert


def _fields(**overrides: object) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "name": "Cercles d'hiver",
        "registration_opens": today,
        "registration_closes": today + datetime.timedelta(days=14),
        "first_week": monday_of(today + datetime.timedelta(days=28)),
        "min_size": 5,
        "max_size": 6,
        "sessions": 4,
        "session_minutes": 120,
        "rhythm": "weekly",
    } | overrides


@pytest.mark.django_db
def test_the_button_asks_and_stops_and_says_so(cast: Cast, client_as) -> None:
    client = client_as("participant")
    url = reverse("season_alert", args=[cast.territory.slug])
    detail = reverse("territory_detail", args=[cast.territory.slug])
    assert client.get(url).status_code == 405
    response = client.post(url, {"want": "yes", "next": detail})
    assert response.status_code == 302 and response["Location"] == detail
    assert SeasonAlert.objects.filter(user=cast.participant, territory=cast.territory).exists()
    page = client.get(detail).content.decode()
    assert "C'est noté" in page or "C&#x27;est noté" in page
    assert 'name="want" value="no"' in page
    client.post(url, {"want": "yes"})  # asking twice keeps one alert
    assert SeasonAlert.objects.count() == 1
    client.post(url, {"want": "no", "next": "https://evil.example/"})
    assert not SeasonAlert.objects.exists()


@pytest.mark.django_db
def test_outsiders_territory_is_a_404_and_anonymous_goes_to_login(cast: Cast, client_as) -> None:
    assert (
        client_as("participant").post(reverse("season_alert", args=["nowhere"])).status_code == 404
    )
    response = client_as("anonymous").post(reverse("season_alert", args=[cast.territory.slug]))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not SeasonAlert.objects.exists()


@pytest.mark.django_db
def test_a_season_opening_today_is_announced_once_in_each_language(cast: Cast) -> None:
    cast.co_member.language = "en"
    cast.co_member.save(update_fields=["language"])
    for user in (cast.participant, cast.co_member):
        SeasonAlert.objects.create(user=user, territory=cast.territory)
    SeasonAlert.objects.create(user=cast.outsider, territory=cast.other_territory)
    season = season_actions.create_season(cast.territory, **_fields())
    subjects = dict(Message.objects.values_list("recipient", "subject"))
    assert subjects == {
        cast.participant.email: "Les inscriptions sont ouvertes : Cercles d'hiver (Val-de-Lien)",
        cast.co_member.email: "Registration is open: Cercles d'hiver (Val-de-Lien)",
    }
    body = Message.objects.get(recipient=cast.co_member.email).body
    assert f"/seasons/{season.pk}/" in body and "&#x27;" not in body
    # Changing the season, or the daily job, tells nobody twice.
    season_actions.update_season(season, **_fields(name="Cercles d'hiver 2027"))
    assert season_actions.announce_open_seasons() == 0
    assert Message.objects.count() == 2


@pytest.mark.django_db
def test_a_season_opening_later_is_announced_by_the_daily_job_that_day(cast: Cast) -> None:
    SeasonAlert.objects.create(user=cast.participant, territory=cast.territory)
    SeasonAlert.objects.create(user=cast.co_member, territory=cast.territory)
    later = timezone.localdate() + datetime.timedelta(days=3)
    season = season_actions.create_season(cast.territory, **_fields(registration_opens=later))
    assert not Message.objects.exists()
    assert season_actions.announce_open_seasons() == 0
    Registration.objects.create(season=season, user=cast.co_member, availability=[], max_km=5)
    season.registration_opens = timezone.localdate()
    season.save(update_fields=["registration_opens"])
    assert season_actions.announce_open_seasons() == 1  # the co-member already joined
    assert list(Message.objects.values_list("recipient", flat=True)) == [cast.participant.email]


@pytest.mark.django_db
def test_the_alert_is_in_my_data_and_goes_with_the_account(cast: Cast, client_as) -> None:
    SeasonAlert.objects.create(user=cast.participant, territory=cast.territory)
    data = client_as("participant").get(reverse("export_my_data")).json()["data"]
    assert [row["territory__name"] for row in data["season_alerts"]] == [cast.territory.name]
    cast.participant.delete()
    assert not SeasonAlert.objects.exists()
