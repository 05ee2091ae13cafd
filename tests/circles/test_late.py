"""After publication: people waiting for a seat, late registration, offering a seat."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import Cast, make_user
from tests.circles.conftest import Proposed
from tests.ritual import assert_sent_to_login, password_only
from tierslien.accounts.models import User
from tierslien.circles import actions
from tierslien.circles.actions import late, publish, review
from tierslien.circles.forms import LatePlaceForm
from tierslien.circles.models import (
    Membership,
    MembershipStatus,
    Registration,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.circles.pages import waiting_people
from tierslien.portraits.models import Portrait

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
URL = "manage_season_place_late"


def _published(proposed: Proposed, capture: Any) -> Season:
    with capture(execute=True):
        publish.publish_season(proposed.season)
    proposed.season.refresh_from_db()
    mail.outbox.clear()
    return proposed.season


_n = itertools.count()


def _late(cast: Cast, season: Season, slots: list[str]) -> User:
    user = make_user(f"late{next(_n)}@example.org", "Lou Late", language="en")
    Portrait.objects.create(user=user, territory=season.territory, sector=cast.sector)
    actions.join_season(user, season, availability=slots, max_km=10)
    return user


def _url(season: Season, slug: str | None = None) -> str:
    return reverse(URL, args=[slug or season.territory.slug, season.pk])


def _seat(user: User) -> Membership | None:
    return Membership.objects.filter(user=user).select_related("circle").first()


# --- Who waits ---


def test_waiting_lists_the_unplaced_and_late_registrants_not_those_who_gave_back(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    newcomer = _late(cast, season, ["tue-evening"])
    gone = proposed.registrations[0].user
    with django_capture_on_commit_callbacks(execute=False):
        publish.answer_invitation(Membership.objects.get(user=gone), "decline")
    waiting = {w.user_id: w for w in waiting_people(season)}
    assert set(waiting) == {proposed.waiting.user_id, newcomer.pk}
    assert waiting[newcomer.pk].late and waiting[newcomer.pk].reason is None
    assert not waiting[proposed.waiting.user_id].late
    with pytest.raises(late.NotWaiting):
        late.place_waiting(season, gone.pk)


# --- Late registration ---


def test_a_published_season_takes_late_registrations_until_it_runs(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    newcomer = _late(cast, season, ["tue-evening"])
    assert Registration.objects.filter(season=season, user=newcomer).exists()
    assert actions.leave_season(newcomer, season) is True
    # A member with a seat cannot change their registration now.
    with pytest.raises(actions.SeasonNotOpen):
        actions.join_season(
            proposed.registrations[0].user, season, availability=["mon-morning"], max_km=1
        )
    Season.objects.filter(pk=season.pk).update(state=SeasonState.RUNNING)
    season.refresh_from_db()
    with pytest.raises(actions.SeasonNotOpen):
        _late(cast, season, ["tue-evening"])


def test_late_registration_through_the_season_page(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    client = password_only(cast.participant)
    target = reverse("season_detail", args=[season.territory.slug, season.pk])
    page = client.get(target).content.decode()
    assert 'data-late="1"' in page
    client.post(target, {"availability": ["tue-evening"], "max_km": "5"})
    assert Registration.objects.filter(season=season, user=cast.participant).exists()
    listing = client.get(reverse("season_list", args=[season.territory.slug])).content.decode()
    assert target in listing
    # A member with a seat sees no join form.
    member = password_only(proposed.registrations[0].user)
    assert 'data-late="1"' not in member.get(target).content.decode()


# --- Offering a seat ---


def test_the_engine_offers_the_circle_with_room_and_the_person_is_invited(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    before = {m.pk: m.circle_id for m in Membership.objects.filter(circle__season=season)}
    user = proposed.waiting.user
    with django_capture_on_commit_callbacks(execute=True):
        circle = late.place_waiting(season, user.pk)
    assert circle.pk == proposed.second.pk  # the first circle is full
    seat = _seat(user)
    assert seat is not None and seat.status == MembershipStatus.INVITED
    assert seat.respond_by is not None
    assert not Unplaced.objects.filter(season=season, user=user).exists()
    # Nobody else moved.
    after = {m.pk: m.circle_id for m in Membership.objects.filter(circle__season=season)}
    assert {pk: after[pk] for pk in before} == before
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert mail.outbox[0].attachments[0][0] == "circle-2.ics"
    # The same confirm flow as everyone.
    assert publish.answer_invitation(seat, "confirm") is not None


def test_a_chosen_circle_that_breaks_a_rule_is_refused_in_plain_words(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    user = proposed.waiting.user
    with pytest.raises(review.BreaksRules) as refused, translation.override("en"):
        late.place_waiting(season, user.pk, to_circle_id=proposed.first.pk)
    assert refused.value.problems == ["7 people: a circle needs 5 to 6."]
    assert _seat(user) is None and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        circle = late.place_waiting(season, user.pk, to_circle_id=proposed.second.pk)
    assert circle.pk == proposed.second.pk and len(mail.outbox) == 1


def test_nobody_fits_a_late_registrant_free_at_no_circle_time(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    user = _late(cast, season, ["mon-morning"])
    with pytest.raises(late.NoSeat):
        late.place_waiting(season, user.pk)
    with pytest.raises(review.BreaksRules) as refused, translation.override("en"):
        late.place_waiting(season, user.pk, to_circle_id=proposed.second.pk)
    assert refused.value.problems == ["Lou Late is not free on Saturday morning."]
    assert _seat(user) is None


def test_a_running_season_still_offers_seats_a_closed_one_does_not(
    cast: Cast, proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    Season.objects.filter(pk=season.pk).update(state=SeasonState.RUNNING)
    season.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        late.place_waiting(season, proposed.waiting.user_id)
    Season.objects.filter(pk=season.pk).update(state=SeasonState.CLOSED)
    season.refresh_from_db()
    with pytest.raises(late.NotPlaceable):
        late.place_waiting(season, proposed.waiting.user_id)


# --- The view: permission ritual, then the paths ---


def _post(client: Client, season: Season, data: dict[str, Any], slug: str | None = None) -> Any:
    return client.post(_url(season, slug), data)


def test_view_permission_ritual(
    cast: Cast,
    proposed: Proposed,
    other_season: Season,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    data = {"late-person": proposed.waiting.user_id, "late-to_circle": ""}
    anonymous = _post(client_as("anonymous"), season, data)
    assert_sent_to_login(anonymous)
    assert client_as("facilitator").get(_url(season)).status_code == 405
    assert _post(client_as("admin"), season, data, slug="nowhere").status_code == 404
    elsewhere = reverse(URL, args=[cast.territory.slug, other_season.pk])
    assert client_as("facilitator").post(elsewhere, data).status_code == 404
    for role in ("participant", "outsider", "other_facilitator"):
        assert _post(client_as(role), season, data).status_code == 403
    assert _seat(proposed.waiting.user) is None
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client_as("facilitator"), season, data)
    assert response.status_code == 302
    assert response.url.endswith(f"#circle-{proposed.second.number}")
    assert _seat(proposed.waiting.user) is not None


def test_view_refusals_change_nothing(
    cast: Cast, proposed: Proposed, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    client = client_as("facilitator")
    user = proposed.waiting.user
    for data in (
        {},
        {"late-person": "nope"},
        {"late-person": cast.outsider.pk},
        {"late-person": user.pk, "late-to_circle": "999999"},
    ):
        assert _post(client, season, data).status_code == 302
    full = _post(client, season, {"late-person": user.pk, "late-to_circle": proposed.first.pk})
    assert full.status_code == 302
    newcomer = _late(cast, season, ["mon-morning"])
    assert _post(client, season, {"late-person": newcomer.pk}).status_code == 302
    Season.objects.filter(pk=season.pk).update(state=SeasonState.CLOSED)
    assert _post(client, season, {"late-person": user.pk}).status_code == 302
    assert _seat(user) is None and _seat(newcomer) is None and not mail.outbox


def test_circles_page_lists_who_waits_with_a_form_each(
    cast: Cast, proposed: Proposed, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    newcomer = _late(cast, season, ["tue-evening"])
    html = (
        client_as("facilitator")
        .get(reverse("manage_season_circles", args=[season.territory.slug, season.pk]))
        .content.decode()
    )
    assert f'data-user="{newcomer.pk}"' in html
    assert f'data-user="{proposed.waiting.user_id}"' in html
    assert _url(season) in html


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.dictionaries(st.sampled_from(["person", "to_circle"]), st.text(max_size=12)))
def test_late_form_never_crashes(data: dict[str, str]) -> None:
    form = LatePlaceForm(data, people=[(1, "A")], circles=[(2, "1")])
    form.is_valid()


def test_season_detail_shows_the_waiting_message_only_before_the_first_meeting(
    proposed: Proposed, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    assert actions.late_registration_is_open(season)
    season.state = SeasonState.RUNNING
    assert not actions.late_registration_is_open(season)  # the season's state, not a date


def test_arbitrary_posts_to_the_view_never_fail_and_change_nothing(
    proposed: Proposed, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    season = _published(proposed, django_capture_on_commit_callbacks)
    client = client_as("facilitator")
    keys = st.sampled_from(["late-person", "late-to_circle", "person", "csrfmiddlewaretoken"])

    @settings(max_examples=30, deadline=None)
    @given(data=st.dictionaries(keys, st.text(max_size=20), max_size=3))
    def post(data: dict[str, str]) -> None:
        assert _post(client, season, data).status_code == 302
        assert _seat(proposed.waiting.user) is None

    post()
    assert not mail.outbox
