"""Permission ritual and happy paths of the territory pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.cast import Cast
from tests.ritual import ClientAs, Ritual
from tierslien.accounts.models import User
from tierslien.territories.models import Sector, Venue

pytestmark = pytest.mark.django_db

# (URL name, which object id it takes)
MANAGE_PAGES = [
    ("manage_territory", None),
    ("manage_sector_list", None),
    ("manage_sector_create", None),
    ("manage_sector_edit", "sector"),
    ("manage_venue_list", None),
    ("manage_venue_create", None),
    ("manage_venue_edit", "venue"),
]
FORM_PAGES = [page for page in MANAGE_PAGES if page[0].endswith(("_create", "_edit"))]
READ_ONLY_PAGES = [page for page in MANAGE_PAGES if page not in FORM_PAGES]


def manage_url(cast: Cast, name: str, obj: str | None, *, slug: str | None = None) -> str:
    args: list[Any] = [slug or cast.territory.slug]
    if obj == "sector":
        args.append(cast.sector.pk)
    elif obj == "venue":
        args.append(cast.venue.pk)
    return reverse(name, args=args)


def sector_data(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Les Tilleuls",
        "description": "Social-housing estate",
        "latitude": "48.12",
        "longitude": "-1.66",
    } | overrides


def venue_data(cast: Cast, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Centre social",
        "address": "5 allée des Tilleuls",
        "sector": str(cast.sector.pk),
        "latitude": "48.112",
        "longitude": "-1.679",
        "capacity": "3",
        "opening_slots": ["mon-morning", "tue-evening"],
        "accessibility": ["step-free", "quiet"],
        "nothing_to_buy": "on",
    } | overrides


# --- Permission ritual for every management page ---


def ritual_url(name: str, cast: Cast, *, slug: str | None = None) -> str:
    return manage_url(cast, name, dict(MANAGE_PAGES)[name], slug=slug)


def is_html(response: Any) -> None:
    assert response["Content-Type"].startswith("text/html")


RITUAL = Ritual("cast", ritual_url, get=[name for name, _obj in MANAGE_PAGES])

test_anonymous_is_sent_to_login = RITUAL.anonymous_is_sent_to_login()
test_unknown_territory_gets_404 = RITUAL.unknown_territory_gets_404(roles=["admin", "outsider"])
test_insufficient_role_gets_403 = RITUAL.insufficient_role_gets_403(data={})
test_facilitator_and_admin_see_the_page = RITUAL.managers_see_the_page(check=is_html)
test_facilitator_without_totp_is_sent_to_enrol = RITUAL.without_totp_is_sent_to_enrol()
test_read_only_pages_refuse_post = RITUAL.refuses_methods(
    [name for name, _obj in READ_ONLY_PAGES], methods=["post"]
)
test_form_pages_refuse_other_methods = RITUAL.refuses_methods(
    [name for name, _obj in FORM_PAGES], methods=["put", "delete", "patch"]
)


@pytest.mark.parametrize("name", ["manage_sector_edit", "manage_venue_edit"])
def test_unknown_object_gets_404(cast: Cast, client_as: ClientAs, name: str) -> None:
    for object_id in (999_999, 2**63 - 1):
        url = reverse(name, args=[cast.territory.slug, object_id])
        assert client_as("facilitator").get(url).status_code == 404


def test_sector_of_another_territory_gets_404(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("manage_sector_edit", args=[cast.territory.slug, cast.other_sector.pk])
    assert client_as("facilitator").get(url).status_code == 404
    response = client_as("facilitator").post(url, sector_data(name="Hijacked"))
    assert response.status_code == 404
    cast.other_sector.refresh_from_db()
    assert cast.other_sector.name == "Bourg"


def test_venue_of_another_territory_gets_404(
    cast: Cast, client_as: ClientAs, other_venue: Venue
) -> None:
    url = reverse("manage_venue_edit", args=[cast.territory.slug, other_venue.pk])
    assert client_as("facilitator").get(url).status_code == 404
    response = client_as("facilitator").post(url, venue_data(cast, name="Hijacked"))
    assert response.status_code == 404
    other_venue.refresh_from_db()
    assert other_venue.name == "Salle du Bourg"


def test_other_facilitator_cannot_reach_a_venue_through_their_own_territory(
    cast: Cast, client_as: ClientAs
) -> None:
    url = reverse("manage_venue_edit", args=[cast.other_territory.slug, cast.venue.pk])
    assert client_as("other_facilitator").get(url).status_code == 404


# --- Happy paths ---


def test_dashboard_shows_counts_and_links(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("facilitator").get(reverse("manage_territory", args=[cast.territory.slug]))
    content = response.content.decode()
    assert reverse("manage_sector_list", args=[cast.territory.slug]) in content
    assert reverse("manage_venue_list", args=[cast.territory.slug]) in content
    summary = response.context["summary"]
    assert summary.participant_count == 2
    assert summary.venue_count == 1
    # two circles in each of the two opening slots
    assert summary.weekly_circle_places == 4
    assert summary.criteria_total == cast.territory.criteria.count()


def test_dashboard_never_shows_a_small_participant_count(cast: Cast, client_as: ClientAs) -> None:
    cast.facilitator.language = "en"
    cast.facilitator.save(update_fields=["language"])
    response = client_as("facilitator").get(
        reverse("manage_territory", args=[cast.territory.slug]), HTTP_ACCEPT_LANGUAGE="en"
    )
    content = response.content.decode()
    assert "2 participants" not in content
    assert "fewer than 11" in content.lower()


def test_dashboard_links_to_the_criteria_page(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("facilitator").get(reverse("manage_territory", args=[cast.territory.slug]))
    assert reverse("manage_criteria", args=[cast.territory.slug]) in response.content.decode()


def test_facilitator_adds_a_sector(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("manage_sector_create", args=[cast.territory.slug])
    response = client_as("facilitator").post(url, sector_data(name="  Les   Tilleuls "))
    assert response.status_code == 302
    assert response.url == reverse("manage_sector_list", args=[cast.territory.slug])
    sector = Sector.objects.get(territory=cast.territory, name="Les Tilleuls")
    assert (sector.latitude, sector.longitude) == (48.12, -1.66)
    assert [str(m) for m in get_messages(response.wsgi_request)]


def test_facilitator_edits_a_sector(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("manage_sector_edit", args=[cast.territory.slug, cast.sector.pk])
    form = client_as("facilitator").get(url).context["form"]
    assert form["name"].value() == "Centre"
    response = client_as("facilitator").post(url, sector_data(name="Centre-ville"))
    assert response.status_code == 302
    cast.sector.refresh_from_db()
    assert cast.sector.name == "Centre-ville"
    assert cast.sector.description == "Social-housing estate"


def test_sector_keeps_its_own_name_when_edited(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("manage_sector_edit", args=[cast.territory.slug, cast.sector.pk])
    response = client_as("facilitator").post(url, sector_data(name="Centre", latitude="48.2"))
    assert response.status_code == 302
    cast.sector.refresh_from_db()
    assert cast.sector.latitude == 48.2


def test_invalid_sector_rerenders_with_errors_and_changes_nothing(
    cast: Cast, client_as: ClientAs
) -> None:
    url = reverse("manage_sector_edit", args=[cast.territory.slug, cast.sector.pk])
    response = client_as("facilitator").post(url, sector_data(name="Moved", latitude="91"))
    assert response.status_code == 200
    assert response.context["form"].errors["latitude"]
    cast.sector.refresh_from_db()
    assert (cast.sector.name, cast.sector.latitude) == ("Centre", 48.11)


def test_facilitator_adds_a_venue(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("manage_venue_create", args=[cast.territory.slug])
    response = client_as("facilitator").post(
        url, venue_data(cast, opening_slots=["tue-evening", "mon-morning", "tue-evening"])
    )
    assert response.status_code == 302
    assert response.url == reverse("manage_venue_list", args=[cast.territory.slug])
    venue = Venue.objects.get(territory=cast.territory, name="Centre social")
    assert venue.sector == cast.sector
    assert venue.capacity == 3
    assert venue.opening_slots == ["mon-morning", "tue-evening"]
    assert venue.accessibility == ["step-free", "quiet"]
    assert venue.nothing_to_buy is True


def test_facilitator_edits_a_venue(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("manage_venue_edit", args=[cast.territory.slug, cast.venue.pk])
    form = client_as("facilitator").get(url).context["form"]
    assert form["opening_slots"].value() == ["tue-evening", "sat-morning"]
    data = venue_data(cast, name="Médiathèque", accessibility=[])
    del data["nothing_to_buy"]
    response = client_as("admin").post(url, data)
    assert response.status_code == 302
    cast.venue.refresh_from_db()
    assert cast.venue.accessibility == []
    assert cast.venue.nothing_to_buy is False
    assert cast.venue.capacity == 3


def test_venue_form_draws_an_accessible_weekly_grid(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("manage_venue_edit", args=[cast.territory.slug, cast.venue.pk])
    content = client_as("facilitator").get(url).content.decode()
    assert content.count('name="opening_slots"') == 21
    assert content.count('<th scope="row">') == 7
    assert content.count('<th scope="col">') == 3
    assert 'value="tue-evening" id="id_opening_slots-tue-evening"' in content
    assert 'for="id_opening_slots-tue-evening"' in content
    assert "<legend>" in content


def test_invalid_venue_keeps_the_ticked_slots(cast: Cast, client_as: ClientAs) -> None:
    url = reverse("manage_venue_create", args=[cast.territory.slug])
    response = client_as("facilitator").post(
        url, venue_data(cast, capacity="0", opening_slots=["wed-afternoon"])
    )
    assert response.status_code == 200
    assert not Venue.objects.filter(name="Centre social").exists()
    rows = {row.day: row for row in response.context["form"].slot_grid()}
    assert [cell.checked for cell in rows["wed"].cells] == [False, True, False]


def test_sector_and_venue_lists_show_the_territory_only(
    cast: Cast, client_as: ClientAs, other_venue: Venue
) -> None:
    client = client_as("facilitator")
    sectors = client.get(reverse("manage_sector_list", args=[cast.territory.slug]))
    assert "Centre" in sectors.content.decode()
    assert "Bourg" not in sectors.content.decode()
    venues = client.get(reverse("manage_venue_list", args=[cast.territory.slug]))
    assert "Médiathèque" in venues.content.decode()
    assert "Salle du Bourg" not in venues.content.decode()


# --- Public pages ---


def test_public_pages_refuse_post(cast: Cast, client_as: ClientAs) -> None:
    client = client_as("participant")
    assert client.post(reverse("territory_list")).status_code == 405
    assert client.post(reverse("territory_detail", args=[cast.territory.slug])).status_code == 405


def test_unknown_territory_page_gets_404(cast: Cast, client_as: ClientAs) -> None:
    assert (
        client_as("anonymous").get(reverse("territory_detail", args=["nowhere"])).status_code == 404
    )


@pytest.mark.parametrize(
    "role", ["anonymous", "outsider", "participant", "facilitator", "other_facilitator", "admin"]
)
def test_territory_page_is_public(cast: Cast, client_as: ClientAs, role: str) -> None:
    response = client_as(role).get(reverse("territory_detail", args=[cast.territory.slug]))
    assert response.status_code == 200
    manage = reverse("manage_territory", args=[cast.territory.slug])
    assert (manage in response.content.decode()) == (role in ("facilitator", "admin"))


def test_territory_page_shows_venue_facts_and_nothing_personal(
    cast: Cast, client_as: ClientAs
) -> None:
    client = client_as("anonymous")
    response = client.get(
        reverse("territory_detail", args=[cast.territory.slug]), HTTP_ACCEPT_LANGUAGE="en"
    )
    content = response.content.decode()
    assert "Tuesday: evening" in content
    assert "Saturday: morning" in content
    assert "Step-free access" in content
    assert "Nothing to buy" in content
    assert "fewer than 11 participants" in content
    for person in (cast.participant, cast.co_member):
        assert person.display_name not in content
        assert person.email not in content
    assert "2 participants" not in content


def test_territory_page_gives_the_exact_count_from_eleven(cast: Cast, client_as: ClientAs) -> None:
    from tierslien.portraits.models import Portrait

    for index in range(9):
        user = User.objects.create_user(f"p{index}@example.org", None, display_name=f"P{index}")
        Portrait.objects.create(user=user, territory=cast.territory)
    response = client_as("anonymous").get(
        reverse("territory_detail", args=[cast.territory.slug]), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "11 participants" in response.content.decode()


def test_territory_list_counts_without_small_numbers(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("anonymous").get(reverse("territory_list"), HTTP_ACCEPT_LANGUAGE="en")
    content = response.content.decode()
    assert "Val-de-Lien" in content and "Autreville" in content
    assert "fewer than 11 participants" in content
    territory = next(t for t in response.context["territories"] if t.pk == cast.territory.pk)
    assert (territory.sector_count, territory.venue_count, territory.participant_count) == (1, 1, 2)


# --- Query counts stay constant as data grows ---

LIST_PAGES = [
    ("territory_list", False, 8),
    ("territory_detail", True, 12),
    ("manage_territory", True, 14),
    ("manage_sector_list", True, 12),
    ("manage_venue_list", True, 12),
]


def _query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "with_slug", "bound"), LIST_PAGES)
def test_list_pages_cost_a_constant_number_of_queries(
    cast: Cast,
    client_as: ClientAs,
    make_sectors: Callable[[int], list[Sector]],
    django_assert_max_num_queries: Any,
    name: str,
    with_slug: bool,
    bound: int,
) -> None:
    client = client_as("facilitator")
    url = reverse(name, args=[cast.territory.slug] if with_slug else [])
    client.get(url)  # warm up sessions and caches
    make_sectors(1)
    small = _query_count(client, url)
    make_sectors(15)
    with django_assert_max_num_queries(bound):
        assert client.get(url).status_code == 200
    assert _query_count(client, url) == small


def test_public_page_links_to_the_seasons(cast: Cast, client_as: ClientAs) -> None:
    page = client_as("participant").get(reverse("territory_detail", args=[cast.territory.slug]))
    assert reverse("season_list", args=[cast.territory.slug]) in page.content.decode()


def test_management_pages_link_to_seasons_and_questions(cast: Cast, client_as: ClientAs) -> None:
    page = client_as("facilitator").get(reverse("manage_venue_list", args=[cast.territory.slug]))
    content = page.content.decode()
    assert reverse("manage_season_list", args=[cast.territory.slug]) in content
    assert reverse("manage_criteria", args=[cast.territory.slug]) in content
    assert reverse("evening_list", args=[cast.territory.slug]) in content
