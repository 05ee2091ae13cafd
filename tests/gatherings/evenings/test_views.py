"""Permission ritual and happy paths of every evening page."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.cast import Cast
from tests.gatherings.conftest import Crowd
from tests.ritual import ClientAs, Ritual, assert_sent_to_login
from tierslien.accounts.models import User
from tierslien.gatherings.evenings import services
from tierslien.gatherings.models import Attendee, Evening, EveningState, Seat

pytestmark = pytest.mark.django_db

GET_PAGES = [
    "evening_list",
    "evening_create",
    "evening_detail",
    "evening_checkin",
    "evening_round",
]
POST_ONLY = ["evening_compose", "evening_round_start", "evening_held", "evening_invite"]
MANAGEMENT = GET_PAGES + POST_ONLY
WITH_EVENING = [name for name in MANAGEMENT if name not in ("evening_list", "evening_create")]
WITH_ROUND = ["evening_round", "evening_round_start"]


def url(name: str, evening: Evening, *, slug: str | None = None) -> str:
    args: list[Any] = [slug or evening.territory.slug]
    if name in WITH_EVENING or name == "evening_join":
        args.append(evening.pk)
    if name in WITH_ROUND:
        args.append(1)
    return reverse(name, args=args)


def unchanged(evening: Evening) -> None:
    evening.refresh_from_db()
    assert evening.state == EveningState.OPEN
    assert not Attendee.objects.exists()


RITUAL = Ritual("evening", url, get=[*GET_PAGES, "evening_join"], post=POST_ONLY)
MANAGED = Ritual("evening", url, get=GET_PAGES, post=POST_ONLY, unchanged=unchanged)

test_anonymous_is_sent_to_login = RITUAL.anonymous_is_sent_to_login([*MANAGEMENT, "evening_join"])
test_unknown_territory_gets_404 = RITUAL.unknown_territory_gets_404([*MANAGEMENT, "evening_join"])
test_unknown_evening_gets_404 = RITUAL.unknown_object_gets_404([*WITH_EVENING, "evening_join"])


@pytest.mark.parametrize("name", [*WITH_EVENING, "evening_join"])
def test_evening_of_another_territory_gets_404(
    cast: Cast, other_evening: Evening, client_as: ClientAs, name: str
) -> None:
    for role in ("facilitator", "admin", "participant"):
        target = url(name, other_evening, slug=cast.territory.slug)
        if role == "participant" and name != "evening_join":
            continue
        assert RITUAL.send(client_as(role), name, target).status_code == 404
    other_evening.refresh_from_db()
    assert other_evening.state == EveningState.OPEN
    assert other_evening.attendee_count == 0


test_insufficient_role_gets_403 = MANAGED.insufficient_role_gets_403(MANAGEMENT)
test_facilitator_and_admin_see_the_page = MANAGED.managers_see_the_page(GET_PAGES)
test_facilitator_without_totp_is_sent_to_enrol = MANAGED.without_totp_is_sent_to_enrol(MANAGEMENT)
test_post_only_pages_refuse_get = MANAGED.refuses_methods(POST_ONLY, methods=["get"])
test_read_only_pages_refuse_post = MANAGED.refuses_methods(
    ["evening_list", "evening_detail", "evening_round"], methods=["post"]
)


@pytest.mark.parametrize("role", ["participant", "outsider", "other_facilitator", "facilitator"])
def test_anyone_signed_in_sees_the_join_page(
    evening: Evening, client_as: ClientAs, role: str
) -> None:
    response = client_as(role).get(url("evening_join", evening))
    assert response.status_code == 200
    assert not Attendee.objects.exists()


def test_join_refuses_other_methods(evening: Evening, client_as: ClientAs) -> None:
    assert client_as("participant").put(url("evening_join", evening)).status_code == 405


# --- Happy paths ---


def test_create_an_evening(cast: Cast, client_as: ClientAs) -> None:
    response = client_as("facilitator").post(
        reverse("evening_create", args=[cast.territory.slug]),
        {
            "starts_at": "2026-12-04T19:00",
            "venue": cast.venue.pk,
            "min_size": 4,
            "max_size": 5,
            "rounds": 2,
            "round_minutes": 30,
        },
    )
    evening = Evening.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("evening_detail", args=[cast.territory.slug, evening.pk])
    assert (evening.min_size, evening.max_size, evening.rounds, evening.round_minutes) == (
        4,
        5,
        2,
        30,
    )
    assert evening.state == EveningState.OPEN


def test_a_venue_of_another_territory_is_refused(
    cast: Cast, other_evening: Evening, client_as: ClientAs
) -> None:
    response = client_as("facilitator").post(
        reverse("evening_create", args=[cast.territory.slug]),
        {
            "starts_at": "2026-12-04T19:00",
            "venue": other_evening.venue_id,
            "min_size": 4,
            "max_size": 5,
            "rounds": 2,
            "round_minutes": 30,
        },
    )
    assert response.status_code == 200
    assert Evening.objects.count() == 1


def test_check_in_at_the_door_then_the_form_is_empty_again(
    evening: Evening, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    target = url("evening_checkin", evening)
    client.post(target, {"first_name": "Ana", "q_age_bracket": "25-34", "email": ""})
    ana = Attendee.objects.get()
    response = client.post(
        target,
        {
            "first_name": "  Karim ",
            "q_age_bracket": "",
            "q_occupation": "5",
            "email": "Karim@Example.org",
            "came_with": [str(ana.pk)],
        },
    )
    assert response.status_code == 302
    assert response.url == target
    karim = Attendee.objects.get(first_name="Karim")
    assert karim.answers == {"occupation": "5"}
    assert karim.email == "karim@example.org"
    assert list(karim.companions.values_list("other_id", "together")) == [(ana.pk, False)]
    page = client.get(target).content.decode()
    assert 'value="Karim"' not in page
    evening.refresh_from_db()
    assert evening.state == EveningState.CHECKING_IN
    assert evening.attendee_count == 2


def test_account_holder_checks_in_in_one_click(
    cast: Cast, evening: Evening, client_as: ClientAs
) -> None:
    from tierslien.portraits.models import Answer, Criterion

    portrait = cast.participant.portraits.get(territory=cast.territory)
    age = Criterion.objects.get(territory=cast.territory, key="age_bracket")
    Answer.objects.create(portrait=portrait, criterion=age, value="35-49")
    client = client_as("participant")
    with time_machine.travel(evening.starts_at - datetime.timedelta(minutes=10), tick=False):
        page = client.get(url("evening_join", evening)).content.decode()
        assert 'name="code"' in page
        response = client.post(url("evening_join", evening), {"code": evening.door_code})
        assert response.status_code == 302
        # twice: still one attendee
        client.post(url("evening_join", evening), {"code": evening.door_code})
    attendee = Attendee.objects.get()
    assert (attendee.user, attendee.first_name, attendee.answers) == (
        cast.participant,
        "Alice",
        {"age_bracket": "35-49"},
    )
    assert "Alice" in client.get(url("evening_join", evening)).content.decode()


def test_compose_then_project_every_round(
    evening: Evening, crowd: Crowd, client_as: ClientAs
) -> None:
    crowd(evening, 12)
    client = client_as("facilitator")
    response = client.post(url("evening_compose", evening))
    assert response.status_code == 302
    evening.refresh_from_db()
    assert evening.state == EveningState.COMPOSED
    assert Seat.objects.filter(round=1).count() == 12
    page = client.get(url("evening_round", evening)).content.decode()
    assert "Table 3" in page or "Table 3" in page.replace("\xa0", " ")
    assert reverse("evening_round", args=[evening.territory.slug, evening.pk, 2]) in page
    last = client.get(reverse("evening_round", args=[evening.territory.slug, evening.pk, 2]))
    assert last.status_code == 200
    beyond = reverse("evening_round", args=[evening.territory.slug, evening.pk, 3])
    assert client.get(beyond).status_code == 404


def test_too_few_people_to_compose(evening: Evening, crowd: Crowd, client_as: ClientAs) -> None:
    crowd(evening, 3)
    client_as("facilitator").post(url("evening_compose", evening))
    evening.refresh_from_db()
    assert evening.state == EveningState.CHECKING_IN
    assert not Seat.objects.exists()


def test_timer_shows_a_static_end_time(evening: Evening, crowd: Crowd, client_as: ClientAs) -> None:
    crowd(evening, 8)
    services.compose_tables(evening)
    client = client_as("facilitator")
    response = client.post(url("evening_round_start", evening))
    assert response.status_code == 302
    evening.refresh_from_db()
    assert evening.current_round == 1 and evening.round_ends_at is not None
    page = client.get(url("evening_round", evening)).content.decode()
    assert "data-countdown" in page
    assert "gatherings-timer.js" in page
    assert "<script>" not in page


def test_timer_cannot_start_before_composition(evening: Evening, client_as: ClientAs) -> None:
    client_as("facilitator").post(url("evening_round_start", evening))
    evening.refresh_from_db()
    assert evening.current_round == 0


def test_late_arrival_is_seated_and_invitations_sent_after_the_evening(
    cast: Cast,
    evening: Evening,
    crowd: Crowd,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    User.objects.filter(pk=cast.facilitator.pk).update(language="en")
    crowd(evening, 10)
    client = client_as("facilitator")
    client.post(url("evening_compose", evening))
    client.post(url("evening_checkin", evening), {"first_name": "Zoé", "email": "zoe@example.org"})
    assert client.get(url("evening_detail", evening)).context["unseated"] == 1
    client.post(url("evening_compose", evening))
    zoe = Attendee.objects.get(first_name="Zoé")
    assert zoe.seats.count() == 2
    # Invitations only once the evening is over.
    client.post(url("evening_invite", evening))
    assert not Attendee.objects.filter(invited_at__isnull=False).exists()
    client.post(url("evening_held", evening))
    evening.refresh_from_db()
    assert evening.state == EveningState.HELD
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("evening_invite", evening))
    expected = Attendee.objects.exclude(email="").count()
    assert len(mail.outbox) == expected == 5
    message = next(m for m in mail.outbox if m.to == ["zoe@example.org"])
    with translation.override("fr"):
        expected_subject = gettext("Join the circles of %(territory)s") % {
            "territory": evening.territory.name
        }
    assert message.subject == expected_subject  # in French, whatever the facilitator's language
    assert reverse("account_signup") in message.body
    # A second click sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("evening_invite", evening))
    assert len(mail.outbox) == expected
    # No more check-ins once the evening is over.
    response = client.get(url("evening_checkin", evening))
    assert response.status_code == 302


def test_held_twice_changes_nothing(evening: Evening, client_as: ClientAs) -> None:
    client_as("facilitator").post(url("evening_held", evening))
    evening.refresh_from_db()
    assert evening.state == EveningState.OPEN


def test_join_after_the_evening_checks_nobody_in(
    evening: Evening, crowd: Crowd, client_as: ClientAs
) -> None:
    crowd(evening, 8)
    services.compose_tables(evening)
    services.mark_held(evening)
    client = client_as("participant")
    with time_machine.travel(evening.starts_at + datetime.timedelta(minutes=5), tick=False):
        response = client.post(url("evening_join", evening), {"code": evening.door_code})
    assert response.status_code == 302
    assert not Attendee.objects.filter(user__isnull=False).exists()
    assert client.get(url("evening_join", evening)).status_code == 200


# --- Checking in on one's own phone: on the evening, with the code shown in the room ---


def _fr(message: str) -> str:
    """The French words the page shows (the cast's language)."""
    with translation.override("fr"):
        return gettext(message)


def _on_the_evening(evening: Evening, minutes: int = -10) -> Any:
    return time_machine.travel(evening.starts_at + datetime.timedelta(minutes=minutes), tick=False)


def test_the_code_is_shown_in_the_room_only(evening: Evening, client_as: ClientAs) -> None:
    code = evening.door_code
    facilitator = client_as("facilitator")
    assert code in facilitator.get(url("evening_checkin", evening)).content.decode()
    assert code in facilitator.get(url("evening_round", evening)).content.decode()
    assert code in facilitator.get(url("evening_detail", evening)).content.decode()
    with _on_the_evening(evening):
        assert (
            code not in client_as("participant").get(url("evening_join", evening)).content.decode()
        )


def test_the_join_page_says_when_self_check_in_opens(evening: Evening, client_as: ClientAs) -> None:
    page = client_as("participant").get(url("evening_join", evening)).content.decode()
    assert 'name="code"' not in page
    assert _fr("The code is shown at the door and on the screen in the room.") not in page
    assert evening.door_code not in page


@pytest.mark.parametrize("minutes", [-30, 0, 59])  # two rounds of 30 minutes: ends at +60
def test_self_check_in_opens_30_minutes_before_and_closes_at_the_end(
    evening: Evening, client_as: ClientAs, minutes: int
) -> None:
    with _on_the_evening(evening, minutes):
        client_as("participant").post(url("evening_join", evening), {"code": evening.door_code})
    assert Attendee.objects.filter(user__isnull=False).count() == 1


@pytest.mark.parametrize("minutes", [-31, 61])
def test_self_check_in_is_refused_before_and_after_the_evening(
    evening: Evening, client_as: ClientAs, minutes: int
) -> None:
    with _on_the_evening(evening, minutes):
        response = client_as("participant").post(
            url("evening_join", evening), {"code": evening.door_code}, follow=True
        )
    refusal = _fr(
        "You can check in on your phone only on the evening, in the room: from 30 minutes "
        "before the start."
    )
    assert refusal in response.content.decode()
    assert not Attendee.objects.exists()


def test_a_malformed_code_is_refused_by_the_form(evening: Evening, client_as: ClientAs) -> None:
    with _on_the_evening(evening):
        response = client_as("participant").post(url("evening_join", evening), {"code": "12ab"})
    assert response.status_code == 200
    assert _fr("Type the six digits shown in the room.") in response.content.decode()
    assert not Attendee.objects.exists()


# --- The facilitator undoes a check-in (permission ritual) ---


def undo_url(evening: Evening, attendee: Attendee, *, slug: str | None = None) -> str:
    return reverse(
        "evening_undo_check_in", args=[slug or evening.territory.slug, evening.pk, attendee.pk]
    )


@pytest.fixture
def checked_in(evening: Evening) -> Attendee:
    return services.check_in(evening, first_name="Ana", answers={})


def test_undo_anonymous_is_sent_to_login(
    evening: Evening, checked_in: Attendee, client_as: ClientAs
) -> None:
    response = client_as("anonymous").post(undo_url(evening, checked_in))
    assert_sent_to_login(response)
    assert Attendee.objects.filter(pk=checked_in.pk).exists()


def test_undo_refuses_get(evening: Evening, checked_in: Attendee, client_as: ClientAs) -> None:
    assert client_as("facilitator").get(undo_url(evening, checked_in)).status_code == 405
    assert Attendee.objects.filter(pk=checked_in.pk).exists()


def test_undo_someone_of_another_evening_or_territory_is_404(
    cast: Cast, evening: Evening, other_evening: Evening, client_as: ClientAs
) -> None:
    from tests.gatherings.conftest import make_evening

    second = make_evening(cast)
    elsewhere = services.check_in(other_evening, first_name="Bea", answers={})
    not_here = services.check_in(second, first_name="Cyd", answers={})
    client = client_as("facilitator")
    assert client.post(undo_url(evening, not_here)).status_code == 404
    target = undo_url(other_evening, elsewhere, slug=cast.territory.slug)
    assert client.post(target).status_code == 404
    assert client_as("other_facilitator").post(undo_url(evening, not_here)).status_code == 403
    assert Attendee.objects.count() == 2


@pytest.mark.parametrize("role", ["participant", "outsider", "other_facilitator"])
def test_undo_insufficient_role_gets_403(
    evening: Evening, checked_in: Attendee, client_as: ClientAs, role: str
) -> None:
    assert client_as(role).post(undo_url(evening, checked_in)).status_code == 403
    assert Attendee.objects.filter(pk=checked_in.pk).exists()


def test_facilitator_undoes_a_check_in(evening: Evening, crowd: Crowd, client_as: ClientAs) -> None:
    people = crowd(evening, 8)
    services.compose_tables(evening)
    gone = people[0]
    client = client_as("facilitator")
    undo = _fr("Undo the check-in of %(name)s") % {"name": gone.first_name}
    page = client.get(url("evening_detail", evening)).content.decode()
    assert undo in page
    response = client.post(undo_url(evening, gone))
    assert response.status_code == 302
    evening.refresh_from_db()
    assert evening.attendee_count == 7
    assert not Attendee.objects.filter(pk=gone.pk).exists()
    assert not Seat.objects.filter(attendee_id=gone.pk).exists()
    assert Seat.objects.filter(evening=evening, round=1).count() == 7


def test_undo_after_the_evening_changes_nothing(
    evening: Evening, crowd: Crowd, client_as: ClientAs
) -> None:
    people = crowd(evening, 8)
    services.compose_tables(evening)
    services.mark_held(evening)
    client_as("facilitator").post(undo_url(evening, people[0]))
    evening.refresh_from_db()
    assert evening.attendee_count == 8
    assert Attendee.objects.count() == 8
