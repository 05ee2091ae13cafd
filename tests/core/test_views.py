from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cast import Cast

PUBLIC_PAGES = ["home", "how_it_works", "territory_list"]
ROLES = ["anonymous", "outsider", "participant", "facilitator", "other_facilitator", "admin"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_public_pages_open_to_everyone(client_as, name: str, role: str) -> None:
    assert client_as(role).get(reverse(name)).status_code == 200


@pytest.mark.django_db
def test_home_links_facilitators_to_their_territory_only(cast: Cast, client_as) -> None:
    page = client_as("facilitator").get(reverse("home")).content.decode()
    assert reverse("manage_territory", args=[cast.territory.slug]) in page
    assert reverse("manage_territory", args=[cast.other_territory.slug]) not in page


@pytest.mark.django_db
def test_home_lists_a_participants_portraits(cast: Cast, client_as) -> None:
    page = client_as("participant").get(reverse("home")).content.decode()
    assert reverse("portrait_detail", args=[cast.territory.slug]) in page
    assert "manage" not in page


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client) -> None:
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_pages_reference_no_third_party_origin(cast: Cast, client_as) -> None:
    import re

    for name in PUBLIC_PAGES:
        page = client_as("participant").get(reverse(name)).content.decode()
        for url in re.findall(r'(?:src|href)="([^"]+)"', page):
            assert url.startswith(("/", "#")), f"{name} references {url}"


@pytest.mark.django_db
def test_home_lists_my_circles_and_asks_me_to_answer_an_invitation(cast: Cast, client_as) -> None:
    import datetime

    from tierslien.circles.models import Circle, Membership, Season

    season = Season.objects.create(
        territory=cast.territory,
        name="Automne",
        registration_opens=datetime.date(2026, 9, 1),
        registration_closes=datetime.date(2026, 9, 20),
        first_week=datetime.date(2026, 10, 5),
        state="published",
    )
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=3)
    Membership.objects.create(circle=circle, user=cast.participant, status="invited")
    Membership.objects.create(circle=circle, user=cast.co_member, status="confirmed")

    mine = client_as("participant").get(reverse("home")).content.decode()
    assert reverse("circle_home", args=[circle.pk]) in mine
    assert reverse("circle_invitation", args=[cast.territory.slug, circle.pk]) in mine

    client = client_as("participant")
    client.force_login(cast.co_member)
    theirs = client.get(reverse("home")).content.decode()
    assert reverse("circle_home", args=[circle.pk]) in theirs
    assert reverse("circle_invitation", args=[cast.territory.slug, circle.pk]) not in theirs

    outsider = client_as("outsider").get(reverse("home")).content.decode()
    assert reverse("circle_home", args=[circle.pk]) not in outsider
