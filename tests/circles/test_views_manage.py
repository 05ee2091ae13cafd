"""Permission ritual and happy paths of the facilitators' season pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.cast import Cast
from tests.circles.conftest import Crowd, MakeSeason, season_values
from tests.ritual import ClientAs, Ritual
from tierslien.circles.models import Circle, Membership, Season, SeasonState, Unplaced

pytestmark = pytest.mark.django_db

# (URL name, state the season must be in for a 200, whether the page takes a season)
GET_PAGES = [
    ("manage_season_list", SeasonState.OPEN, False),
    ("manage_season_create", SeasonState.OPEN, False),
    ("manage_season_edit", SeasonState.OPEN, True),
    ("manage_season_progress", SeasonState.COMPOSING, True),
    ("manage_season_progress_json", SeasonState.COMPOSING, True),
    ("manage_season_proposal", SeasonState.PROPOSED, True),
]
POST_ONLY = [
    "manage_season_compose",
    "manage_season_cancel",
    "manage_season_reopen",
    "manage_season_retry",
    "manage_season_resend",
]
ALL_PAGES = [name for name, _state, _season in GET_PAGES] + POST_ONLY
WITH_SEASON = [name for name, _state, takes in GET_PAGES if takes] + POST_ONLY
STATE = {name: state for name, state, _takes in GET_PAGES}


def url(name: str, season: Season, *, slug: str | None = None) -> str:
    args: list[Any] = [slug or season.territory.slug]
    if name in WITH_SEASON:
        args.append(season.pk)
    return reverse(name, args=args)


def _in_state(season: Season, state: str) -> Season:
    Season.objects.filter(pk=season.pk).update(state=state)
    season.refresh_from_db()
    return season


def still_open(season: Season) -> None:
    season.refresh_from_db()
    assert season.state == SeasonState.OPEN


RITUAL = Ritual("season", url, get=list(STATE), post=POST_ONLY, unchanged=still_open)

test_anonymous_is_sent_to_login = RITUAL.anonymous_is_sent_to_login()
test_unknown_territory_gets_404 = RITUAL.unknown_territory_gets_404()
test_unknown_season_gets_404 = RITUAL.unknown_object_gets_404(WITH_SEASON)
test_season_of_another_territory_gets_404 = RITUAL.of_another_territory_gets_404(
    "other_season", WITH_SEASON
)
test_insufficient_role_gets_403 = RITUAL.insufficient_role_gets_403()


@pytest.mark.parametrize(("name", "state", "_takes"), GET_PAGES)
@pytest.mark.parametrize("role", ["facilitator", "admin"])
def test_facilitator_and_admin_see_the_page(
    season: Season, client_as: ClientAs, name: str, state: str, _takes: bool, role: str
) -> None:
    _in_state(season, state)
    response = client_as(role).get(url(name, season))
    assert response.status_code == 200


test_facilitator_without_totp_is_sent_to_enrol = RITUAL.without_totp_is_sent_to_enrol()
test_post_only_views_refuse_other_methods = RITUAL.refuses_methods(
    POST_ONLY, methods=["get", "put", "delete"]
)
test_read_only_pages_refuse_post = RITUAL.refuses_methods(
    [
        "manage_season_list",
        "manage_season_progress",
        "manage_season_progress_json",
        "manage_season_proposal",
    ],
    methods=["post"],
)


test_form_pages_refuse_other_methods = RITUAL.refuses_methods(
    ["manage_season_create", "manage_season_edit"], methods=["put", "delete", "patch"]
)


# --- Happy paths ---


def form_data(**overrides: Any) -> dict[str, Any]:
    values = season_values()
    data = {
        "name": "Winter circles",
        "registration_opens": values["registration_opens"].isoformat(),  # type: ignore[attr-defined]
        "registration_closes": values["registration_closes"].isoformat(),  # type: ignore[attr-defined]
        "min_size": "5",
        "max_size": "6",
        "sessions": "4",
        "session_minutes": "90",
        "rhythm": "weekly",
        "first_week": values["first_week"].isoformat(),  # type: ignore[attr-defined]
    }
    return data | overrides


def test_list_shows_the_territory_s_seasons_only(
    season: Season, other_season: Season, client_as: ClientAs
) -> None:
    response = client_as("facilitator").get(url("manage_season_list", season))
    assert season.name in response.content.decode()
    assert other_season.name not in response.content.decode()


def test_list_counts_registrations_and_says_how_many_are_needed(
    season: Season, crowd: Crowd, client_as: ClientAs
) -> None:
    crowd(season, 3)
    html = client_as("facilitator").get(url("manage_season_list", season)).content.decode()
    assert "<td>3 <span" in html
    assert "at least 5 needed to compose" in html
    crowd(season, 2)
    html = client_as("facilitator").get(url("manage_season_list", season)).content.decode()
    assert "needed to compose" not in html


def test_facilitator_creates_a_season_with_the_first_week_on_a_monday(
    cast: Cast, client_as: ClientAs
) -> None:
    data = form_data()
    response = client_as("facilitator").post(
        reverse("manage_season_create", args=[cast.territory.slug]),
        data | {"first_week": "2030-01-10"},  # a Thursday
    )
    assert response.status_code == 302
    season = Season.objects.get(name="Winter circles")
    assert season.territory == cast.territory
    assert season.first_week.isoformat() == "2030-01-07"
    assert season.state == SeasonState.OPEN


def test_facilitator_edits_an_open_season(season: Season, client_as: ClientAs) -> None:
    response = client_as("facilitator").post(
        url("manage_season_edit", season), form_data(name="Renamed", sessions="6")
    )
    assert response.status_code == 302
    season.refresh_from_db()
    assert (season.name, season.sessions) == ("Renamed", 6)


def test_invalid_edit_shows_errors_and_changes_nothing(season: Season, client_as: ClientAs) -> None:
    response = client_as("facilitator").post(
        url("manage_season_edit", season), form_data(name="Renamed", min_size="7")
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    season.refresh_from_db()
    assert season.name == "Autumn circles"


def test_a_season_that_is_composing_cannot_be_edited(season: Season, client_as: ClientAs) -> None:
    _in_state(season, SeasonState.COMPOSING)
    client = client_as("facilitator")
    response = client.post(url("manage_season_edit", season), form_data(name="Renamed"))
    assert response.status_code == 302
    assert response.url == url("manage_season_progress", season)
    season.refresh_from_db()
    assert season.name == "Autumn circles"


def test_compose_closes_registration_and_proposes_circles(
    season: Season,
    crowd: Crowd,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    crowd(season, 12)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("facilitator").post(url("manage_season_compose", season))
    assert response.status_code == 302
    assert response.url == url("manage_season_progress", season)
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED
    page = client_as("facilitator").get(response.url, follow=True)
    assert page.redirect_chain == [(url("manage_season_proposal", season), 302)]


def test_compose_with_too_few_people_keeps_registration_open(
    season: Season, crowd: Crowd, client_as: ClientAs
) -> None:
    crowd(season, 2)
    response = client_as("facilitator").post(url("manage_season_compose", season), follow=True)
    assert "Only 2 people registered" in response.content.decode() or response.status_code == 200
    season.refresh_from_db()
    assert season.state == SeasonState.OPEN


def test_compose_twice_is_refused(season: Season, client_as: ClientAs) -> None:
    _in_state(season, SeasonState.PROPOSED)
    response = client_as("facilitator").post(url("manage_season_compose", season))
    assert response.status_code == 302
    assert response.url == url("manage_season_proposal", season)
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED


def test_progress_page_refreshes_itself_while_composing(
    season: Season, client_as: ClientAs
) -> None:
    _in_state(season, SeasonState.COMPOSING)
    Season.objects.filter(pk=season.pk).update(job_progress=0.42, job_best_score=12.345)
    html = client_as("facilitator").get(url("manage_season_progress", season)).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert '<progress id="composition-progress" max="100" value="42"' in html
    assert url("manage_season_progress_json", season) in html
    assert "circles/progress.js" in html
    assert "<script>" not in html and "style=" not in html  # strict CSP: nothing inline
    # No raw score beside the bar: what it means is said on the proposal.
    assert "12,3" not in html and "12.3" not in html and "diversity" not in html.lower()
    assert "for about 1 second" in html
    data = client_as("facilitator").get(url("manage_season_progress_json", season)).json()
    assert data == {"state": "composing", "job": "idle", "progress": 0.42, "next": None}


def test_once_composed_the_progress_page_opens_the_proposal(
    season: Season, client_as: ClientAs
) -> None:
    _in_state(season, SeasonState.PROPOSED)
    Season.objects.filter(pk=season.pk).update(job_state="done", job_progress=1.0)
    response = client_as("facilitator").get(url("manage_season_progress", season))
    assert response.status_code == 302
    assert response.url == url("manage_season_proposal", season)
    data = client_as("facilitator").get(url("manage_season_progress_json", season)).json()
    assert data["next"] == url("manage_season_proposal", season)


def test_a_failed_recomposition_is_explained_beside_the_kept_proposal(
    season: Season, client_as: ClientAs
) -> None:
    _in_state(season, SeasonState.PROPOSED)
    Season.objects.filter(pk=season.pk).update(job_state="failed", job_error="internal")
    response = client_as("facilitator").get(url("manage_season_progress", season))
    html = response.content.decode()
    assert response.status_code == 200
    assert "the proposal from before is kept as it was" in html
    assert "registration is open again" not in html
    assert url("manage_season_proposal", season) in html
    data = client_as("facilitator").get(url("manage_season_progress_json", season)).json()
    assert data["next"] is None


def test_progress_page_explains_a_failure_without_refreshing(
    season: Season, client_as: ClientAs
) -> None:
    Season.objects.filter(pk=season.pk).update(
        job_state="failed", job_error="too_few_people", job_message="3 registered"
    )
    response = client_as("facilitator").get(url("manage_season_progress", season))
    html = response.content.decode()
    assert 'http-equiv="refresh"' not in html
    assert "circles/progress.js" not in html
    assert "3 registered" in html
    listing = client_as("facilitator").get(url("manage_season_list", season)).content.decode()
    assert url("manage_season_progress", season) in listing


@pytest.mark.parametrize("state", [SeasonState.OPEN, SeasonState.COMPOSING])
def test_proposal_page_before_a_proposal_redirects(
    season: Season, client_as: ClientAs, state: str
) -> None:
    _in_state(season, state)
    response = client_as("facilitator").get(url("manage_season_proposal", season))
    assert response.status_code == 302


def test_reopen_erases_the_proposal(
    cast: Cast, season: Season, crowd: Crowd, client_as: ClientAs
) -> None:
    registrations = crowd(season, 6)
    _in_state(season, SeasonState.PROPOSED)
    circle = Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    Membership.objects.create(circle=circle, user=registrations[0].user)
    Unplaced.objects.create(season=season, user=registrations[1].user, code="no_time")
    response = client_as("facilitator").post(url("manage_season_reopen", season))
    assert response.status_code == 302
    season.refresh_from_db()
    assert season.state == SeasonState.OPEN
    assert not Circle.objects.filter(season=season).exists()
    assert not Unplaced.objects.filter(season=season).exists()
    assert season.registrations.count() == 6


def test_reopen_is_only_for_a_proposal(season: Season, client_as: ClientAs) -> None:
    response = client_as("facilitator").post(url("manage_season_reopen", season))
    assert response.status_code == 302
    season.refresh_from_db()
    assert season.state == SeasonState.OPEN
    _in_state(season, SeasonState.PUBLISHED)
    client_as("facilitator").post(url("manage_season_reopen", season))
    season.refresh_from_db()
    assert season.state == SeasonState.PUBLISHED


def test_edit_lost_to_a_concurrent_composition_changes_nothing(
    season: Season, client_as: ClientAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tierslien.circles.actions import season as season_actions

    original = season_actions._locked_season

    def moved(current: Season) -> Season:
        _in_state(current, SeasonState.COMPOSING)
        return original(current)

    monkeypatch.setattr(season_actions, "_locked_season", moved)
    response = client_as("facilitator").post(url("manage_season_edit", season), form_data())
    assert response.status_code == 302
    season.refresh_from_db()
    assert season.name == "Autumn circles"


def test_make_season_fixture_defaults(make_season: MakeSeason) -> None:
    assert make_season().min_size == 5


def test_cancel_stops_a_composition_and_reopens_registration(
    cast: Cast, season: Season, client_as: ClientAs
) -> None:
    _in_state(season, SeasonState.COMPOSING)
    progress = client_as("facilitator").get(url("manage_season_progress", season))
    assert url("manage_season_cancel", season) in progress.content.decode()
    Circle.objects.create(season=season, venue=cast.venue, slot="tue-evening", number=1)
    response = client_as("facilitator").post(url("manage_season_cancel", season))
    assert response.status_code == 302
    season.refresh_from_db()
    assert (season.state, season.job_error) == (SeasonState.OPEN, "cancelled")
    assert not Circle.objects.filter(season=season).exists()
    html = client_as("facilitator").get(url("manage_season_progress", season)).content.decode()
    assert "A facilitator stopped the composition." in html


def test_cancel_is_only_for_a_composition(season: Season, client_as: ClientAs) -> None:
    _in_state(season, SeasonState.PROPOSED)
    response = client_as("facilitator").post(url("manage_season_cancel", season))
    assert response.url == url("manage_season_proposal", season)
    season.refresh_from_db()
    assert season.state == SeasonState.PROPOSED
