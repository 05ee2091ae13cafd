"""Permission ritual and happy paths of reviewing, publishing and following circles."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import Cast
from tests.circles.conftest import MakeSeason, Proposed
from tests.ritual import ClientAs, Ritual
from tierslien.accounts.models import User
from tierslien.circles.actions.invitations import render_invitation
from tierslien.circles.forms import AnswerForm, LockForm, MoveForm, PlaceForm, SwapForm
from tierslien.circles.models import Circle, Membership, MembershipStatus, Season, SeasonState
from tierslien.outbox.models import Message

pytestmark = pytest.mark.django_db

CIRCLE_POSTS = ["manage_circle_move", "manage_circle_swap", "manage_circle_lock"]
SEASON_POSTS = [
    "manage_season_place",
    "manage_season_recompose",
    "manage_season_complete",
    "manage_season_publish",
    "manage_season_start",
]
POST_ONLY = CIRCLE_POSTS + SEASON_POSTS
GET_PAGES = ["manage_season_circles", "manage_season_publish_confirm"]
ALL = POST_ONLY + GET_PAGES


def url(
    name: str, proposed: Proposed, *, slug: str | None = None, season: Season | None = None
) -> str:
    season = season or proposed.season
    args: list[Any] = [slug or season.territory.slug, season.pk]
    if name in CIRCLE_POSTS:
        args.append(proposed.first.pk)
    return reverse(name, args=args)


def call(client: Client, name: str, target: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(target, data or {}) if name in POST_ONLY else client.get(target)


def _state(proposed: Proposed) -> str:
    return Season.objects.get(pk=proposed.season.pk).state


def still_proposed(proposed: Proposed) -> None:
    assert _state(proposed) == SeasonState.PROPOSED


RITUAL = Ritual("proposed", url, get=GET_PAGES, post=POST_ONLY, unchanged=still_proposed)

test_anonymous_is_sent_to_login = RITUAL.anonymous_is_sent_to_login()
test_unknown_territory_gets_404 = RITUAL.unknown_territory_gets_404()
test_unknown_season_gets_404 = RITUAL.unknown_object_gets_404(
    pk=lambda proposed: proposed.season.pk, prefix="/seasons"
)
test_unknown_circle_gets_404 = RITUAL.unknown_object_gets_404(
    CIRCLE_POSTS, pk=lambda proposed: proposed.first.pk, prefix="/circles"
)


@pytest.mark.parametrize("name", CIRCLE_POSTS)
def test_circle_of_another_season_gets_404(
    proposed: Proposed, make_season: MakeSeason, client_as: ClientAs, name: str
) -> None:
    other = make_season(name="Spring")
    target = url(name, proposed, season=other)
    assert call(client_as("facilitator"), name, target).status_code == 404


@pytest.mark.parametrize("name", ALL)
def test_season_of_another_territory_gets_404(
    cast: Cast, proposed: Proposed, other_season: Season, client_as: ClientAs, name: str
) -> None:
    target = url(name, proposed, season=other_season, slug=cast.territory.slug)
    assert call(client_as("facilitator"), name, target).status_code == 404


test_insufficient_role_gets_403 = RITUAL.insufficient_role_gets_403(both_methods=False)
test_facilitator_without_totp_is_sent_to_enrol = RITUAL.without_totp_is_sent_to_enrol()
test_post_only_views_refuse_other_methods = RITUAL.refuses_methods(
    POST_ONLY, methods=["get", "put", "delete"]
)


@pytest.mark.parametrize("role", ["facilitator", "admin"])
def test_move_redirects_to_the_proposal_with_both_circles_highlighted(
    proposed: Proposed, client_as: ClientAs, role: str
) -> None:
    seat = Membership.objects.get(user=proposed.registrations[0].user)
    prefix = f"move{proposed.first.pk}"
    client = client_as(role)
    response = client.post(
        url("manage_circle_move", proposed),
        {f"{prefix}-member": seat.pk, f"{prefix}-to_circle": proposed.second.pk},
    )
    assert response.status_code == 302
    assert f"changed={proposed.second.pk},{proposed.first.pk}" in response.url
    assert response.url.endswith("#circle-2")
    seat.refresh_from_db()
    assert seat.circle_id == proposed.second.pk
    page = client.get(response.url).content.decode()
    assert 'class="card circle changed' in page
    assert "The person was moved" in page
    # The message shows by the circle the page opens on, not at the top, and only once.
    assert _inside_circle(page, 2, "The person was moved")
    assert page.count("The person was moved") == 1


def _inside_circle(page: str, number: int, text: str) -> bool:
    """`text` is in the article of circle `number` (before the next article)."""
    start = page.index(f'id="circle-{number}"')
    end = page.find("<article", start)
    return text in page[start : end if end != -1 else len(page)]


def test_a_refused_seat_shows_its_reason_by_the_people_not_placed(
    proposed: Proposed, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    response = client.post(
        url("manage_season_place", proposed),
        {"place-person": proposed.waiting.user.pk, "place-to_circle": proposed.first.pk},
    )
    assert response.url.endswith("?at=unplaced#unplaced")
    page = client.get(response.url).content.decode()
    unplaced = page.index('id="unplaced"')
    assert page.index("7 people: a circle needs 5 to 6.") > unplaced
    assert "just changed" not in page


def test_a_refused_lock_marks_nothing_changed(proposed: Proposed, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    response = client.post(url("manage_circle_lock", proposed), {"locked": "maybe"})
    assert "changed=" not in response.url
    page = client.get(response.url).content.decode()
    assert "Choose to lock or to unlock the circle." in page and "just changed" not in page


def test_people_of_the_same_name_can_be_told_apart(proposed: Proposed, client_as: ClientAs) -> None:
    a, b = proposed.registrations[0].user, proposed.registrations[6].user
    User.objects.filter(pk__in=[a.pk, b.pk]).update(display_name="Pauline")
    client = client_as("facilitator")
    page = client.get(
        reverse("manage_season_proposal", args=[proposed.season.territory.slug, proposed.season.pk])
        + f"?edit={proposed.first.pk}"
    ).content.decode()
    first, second = sorted([a.pk, b.pk])
    assert "Pauline ①" in page and "Pauline ②" in page
    assert _inside_circle(page, 1, "Pauline ①" if first == a.pk else "Pauline ②")
    # The swap list names each of them once, told apart.
    assert page.count("Pauline ② (circle 2)") + page.count("Pauline ① (circle 2)") == 1


def test_a_refused_move_explains_the_broken_rules(proposed: Proposed, client_as: ClientAs) -> None:
    seat = Membership.objects.get(user=proposed.registrations[0].user)
    prefix = f"move{proposed.first.pk}"
    client = client_as("facilitator")
    target = url("manage_circle_move", proposed)
    data = {f"{prefix}-member": seat.pk, f"{prefix}-to_circle": proposed.second.pk}
    client.post(target, data)  # 6 → 5 and 5 → 6: fine; now move another one back and forth
    seat2 = Membership.objects.get(user=proposed.registrations[1].user)
    response = client.post(
        target, {f"{prefix}-member": seat2.pk, f"{prefix}-to_circle": proposed.second.pk}
    )
    # Refused: the page opens on the circle, the reason beside it, and nothing is marked
    # "just changed".
    assert "changed=" not in response.url
    assert response.url.endswith("#circle-1")
    page = client.get(response.url).content.decode()
    assert "Nothing was changed" in page and "4 people: a circle needs 5 to 6." in page
    assert "circle changed" not in page and "just changed" not in page
    assert _inside_circle(page, 1, "Nothing was changed")
    seat2.refresh_from_db()
    assert seat2.circle_id == proposed.first.pk
    response = client.post(
        target,
        {
            f"{prefix}-member": seat2.pk,
            f"{prefix}-to_circle": proposed.second.pk,
            f"{prefix}-force": "on",
        },
    )
    seat2.refresh_from_db()
    assert seat2.circle_id == proposed.second.pk
    page = client.get(response.url).content.decode()
    assert "This circle breaks a rule:" in page


def test_swap_and_lock_from_the_proposal(proposed: Proposed, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    a = Membership.objects.get(user=proposed.registrations[0].user)
    b = Membership.objects.get(user=proposed.registrations[6].user)
    prefix = f"swap{proposed.first.pk}"
    response = client.post(
        url("manage_circle_swap", proposed), {f"{prefix}-member": a.pk, f"{prefix}-other": b.pk}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.circle_id == proposed.second.pk
    response = client.post(url("manage_circle_lock", proposed), {"locked": "1"})
    assert response.status_code == 302
    proposed.first.refresh_from_db()
    assert proposed.first.locked
    page = client.get(response.url).content.decode()
    assert "Unlock this circle" in page
    # A locked circle refuses moves, in words.
    b.refresh_from_db()
    response = client.post(
        url("manage_circle_swap", proposed), {f"{prefix}-member": b.pk, f"{prefix}-other": a.pk}
    )
    assert "unlock the circle first" in client.get(response.url).content.decode()


def test_an_unplaced_person_gets_a_seat_from_the_proposal(
    proposed: Proposed, client_as: ClientAs
) -> None:
    client = client_as("facilitator")
    target = url("manage_season_place", proposed)
    waiting = proposed.waiting.user
    page = client.get(
        reverse("manage_season_proposal", args=[proposed.season.territory.slug, proposed.season.pk])
    )
    assert "Give someone a seat in a circle" in page.content.decode()
    response = client.post(
        target, {"place-person": waiting.pk, "place-to_circle": proposed.first.pk}
    )
    assert "7 people: a circle needs 5 to 6." in client.get(response.url).content.decode()
    assert not Membership.objects.filter(user=waiting).exists()
    response = client.post(
        target, {"place-person": waiting.pk, "place-to_circle": proposed.second.pk}
    )
    assert response.url.endswith("#circle-2")
    assert Membership.objects.get(user=waiting).circle_id == proposed.second.pk
    response = client.post(
        target, {"place-person": waiting.pk, "place-to_circle": proposed.second.pk}
    )
    assert "Choose a person and a circle." in client.get(response.url).content.decode()


def test_invalid_review_forms_change_nothing(proposed: Proposed, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    for name in [*CIRCLE_POSTS, "manage_season_place"]:
        response = client.post(url(name, proposed), {"junk": "1"})
        assert response.status_code == 302
    assert Membership.objects.filter(circle=proposed.first).count() == 6
    proposed.first.refresh_from_db()
    assert not proposed.first.locked


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_publish_confirmation_refuses_other_methods(
    proposed: Proposed, client_as: ClientAs, method: str
) -> None:
    target = url("manage_season_publish_confirm", proposed)
    assert getattr(client_as("facilitator"), method)(target).status_code == 405
    assert _state(proposed) == SeasonState.PROPOSED


def test_proposal_leads_to_the_confirmation_not_to_publishing(
    proposed: Proposed, client_as: ClientAs
) -> None:
    page = client_as("facilitator").get(url("manage_season_proposal", proposed)).content.decode()
    assert url("manage_season_publish_confirm", proposed) in page
    assert f'action="{url("manage_season_publish", proposed)}"' not in page


def test_publish_confirmation_counts_and_previews_without_sending(
    proposed: Proposed, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    members = Membership.objects.filter(circle__season=proposed.season)
    first = members.order_by("circle__number", "pk").select_related("user", "circle").first()
    assert first is not None
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("facilitator").get(url("manage_season_publish_confirm", proposed))
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Publishing sends 11 invitations, by email, at once." in page
    assert "Publish and send 11 invitations" in page
    assert f'action="{url("manage_season_publish", proposed)}"' in page
    # One real invitation, in the member's language (French here): subject, name, the link.
    assert f"<dd>{render_invitation(first).subject}</dd>" in page
    assert f"Bonjour {first.user.display_name}," in page
    assert (
        reverse("circle_invitation", args=[proposed.season.territory.slug, first.circle.pk]) in page
    )
    # Nothing was written or sent.
    assert _state(proposed) == SeasonState.PROPOSED
    assert not members.exclude(status=MembershipStatus.PROPOSED).exists()
    assert mail.outbox == []
    assert not Message.objects.exists()


def test_publish_confirmation_of_a_published_season_goes_to_its_circles(
    proposed: Proposed, client_as: ClientAs
) -> None:
    Season.objects.filter(pk=proposed.season.pk).update(state=SeasonState.PUBLISHED)
    response = client_as("facilitator").get(url("manage_season_publish_confirm", proposed))
    assert response.url == url("manage_season_circles", proposed)


def test_publish_from_the_proposal_invites_everybody(
    proposed: Proposed, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("facilitator")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("manage_season_publish", proposed))
    assert response.url == url("manage_season_circles", proposed)
    assert _state(proposed) == SeasonState.PUBLISHED
    assert len(mail.outbox) == 11
    page = client.get(response.url).content.decode()
    assert "Waiting for an answer" in page
    # Publishing twice is refused.
    response = client.post(url("manage_season_publish", proposed))
    assert response.status_code == 302
    assert len(mail.outbox) == 11


def test_recompose_from_the_proposal(
    proposed: Proposed, client_as: ClientAs, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_as("facilitator")
    client.post(url("manage_circle_lock", proposed), {"locked": "1"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("manage_season_recompose", proposed))
    assert response.status_code == 302
    assert _state(proposed) == SeasonState.PROPOSED
    assert set(Membership.objects.filter(circle=proposed.first).values_list("user_id")) == {
        (r.user_id,) for r in proposed.registrations[:6]
    }
    Season.objects.filter(pk=proposed.season.pk).update(state=SeasonState.OPEN)
    response = client.post(url("manage_season_recompose", proposed))
    assert response.status_code == 302


def test_complete_from_the_proposal(
    cast: Cast,
    proposed: Proposed,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_as("facilitator")
    proposal = reverse(
        "manage_season_proposal", args=[proposed.season.territory.slug, proposed.season.pk]
    )
    assert "Place the people left out, keeping every circle" in client.get(proposal).text
    User.objects.filter(pk=cast.facilitator.pk).update(language="fr")
    page = unescape(client.get(proposal).text)
    assert "Placer les personnes restées sans cercle, en gardant chaque cercle" in page
    User.objects.filter(pk=cast.facilitator.pk).update(language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("manage_season_complete", proposed))
    assert response.status_code == 302
    assert _state(proposed) == SeasonState.PROPOSED
    assert Membership.objects.filter(user=proposed.waiting.user).get().circle_id == (
        proposed.second.pk
    )
    page = client.get(response.url, follow=True).content.decode()
    assert "Everybody was placed." in page
    assert "Place the people left out" not in page


def test_start_button_and_circles_page(proposed: Proposed, client_as: ClientAs) -> None:
    client = client_as("facilitator")
    assert client.get(url("manage_season_circles", proposed)).status_code == 302  # proposed
    Season.objects.filter(pk=proposed.season.pk).update(state=SeasonState.PUBLISHED)
    Membership.objects.filter(user=proposed.registrations[0].user).update(
        status=MembershipStatus.CONFIRMED
    )
    Circle.objects.filter(pk=proposed.first.pk).update(declined=2)
    page = client.get(url("manage_season_circles", proposed)).content.decode()
    assert proposed.registrations[0].user.display_name in page
    assert "2 declined, 0 without an answer in time" in page
    assert "Start the season now" in page
    response = client.post(url("manage_season_start", proposed))
    assert response.status_code == 302
    assert _state(proposed) == SeasonState.RUNNING
    response = client.post(url("manage_season_start", proposed))
    assert _state(proposed) == SeasonState.RUNNING


def test_circles_page_flags_a_circle_below_the_minimum(
    proposed: Proposed, client_as: ClientAs
) -> None:
    Season.objects.filter(pk=proposed.season.pk).update(state=SeasonState.PUBLISHED)
    Membership.objects.filter(user=proposed.registrations[6].user).delete()
    page = client_as("facilitator").get(url("manage_season_circles", proposed)).content.decode()
    assert "Only 4 people left: a circle needs at least 5." in page


def test_circles_page_tells_apart_a_member_and_a_waiting_person_of_the_same_name(
    proposed: Proposed, client_as: ClientAs
) -> None:
    Season.objects.filter(pk=proposed.season.pk).update(state=SeasonState.PUBLISHED)
    member, waiting = proposed.registrations[0].user, proposed.waiting.user
    User.objects.filter(pk__in=[member.pk, waiting.pk]).update(display_name="Pauline")
    page = client_as("facilitator").get(url("manage_season_circles", proposed)).content.decode()
    # The same numbers as on the proposal: in the order of their accounts.
    assert "Pauline ①" in page and "Pauline ②" in page


@pytest.mark.parametrize("count", [5, 25])
def test_circles_page_costs_a_constant_number_of_queries(
    cast: Cast,
    season: Season,
    client_as: ClientAs,
    django_assert_max_num_queries: Any,
    count: int,
) -> None:
    from tests.cast import make_user

    Season.objects.filter(pk=season.pk).update(state=SeasonState.PUBLISHED)
    for number in range(1, count + 1):
        circle = Circle.objects.create(
            season=season, venue=cast.venue, slot="tue-evening", number=number
        )
        for k in range(5):
            user = make_user(f"q{season.pk}-{number}-{k}@example.org", f"Member {number}-{k}")
            Membership.objects.create(circle=circle, user=user)
    client = client_as("facilitator")
    with django_assert_max_num_queries(11):  # + the outbox counts, one query
        response = client.get(
            reverse("manage_season_circles", args=[cast.territory.slug, season.pk])
        )
    assert response.content.decode().count("<tr id=") == count


# --- Forms ---

ids = st.one_of(st.integers(-5, 10**9).map(str), st.text(max_size=10))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(st.sampled_from(["member", "to_circle", "force"]), ids))
def test_move_form_accepts_only_offered_choices(data: dict[str, str]) -> None:
    form = MoveForm(data, members=[(1, "A"), (2, "B")], circles=[(7, 1)])
    if form.is_valid():
        assert form.cleaned_data["member"] in (1, 2)
        assert form.cleaned_data["to_circle"] == 7


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(st.sampled_from(["member", "other", "force"]), ids))
def test_swap_form_accepts_only_two_different_offered_people(data: dict[str, str]) -> None:
    form = SwapForm(data, members=[(1, "A"), (2, "B")], others=[(1, "A"), (3, "C")])
    if form.is_valid():
        assert form.cleaned_data["member"] in (1, 2)
        assert form.cleaned_data["other"] in (1, 3)
        assert form.cleaned_data["member"] != form.cleaned_data["other"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(st.just("locked"), ids))
def test_lock_form_accepts_only_lock_or_unlock(data: dict[str, str]) -> None:
    form = LockForm(data)
    if form.is_valid():
        assert form.cleaned_data["locked"] in (0, 1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.dictionaries(
        st.just("answer"), st.one_of(st.sampled_from(["confirm", "decline"]), st.text(max_size=10))
    )
)
def test_answer_form_accepts_only_the_two_answers(data: dict[str, str]) -> None:
    form = AnswerForm(data)
    if form.is_valid():
        assert form.cleaned_data["answer"] in ("confirm", "decline")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(st.sampled_from(["person", "to_circle", "force"]), ids))
def test_place_form_accepts_only_offered_choices(data: dict[str, str]) -> None:
    form = PlaceForm(data, people=[(4, "D")], circles=[(7, 1), (8, 2)])
    if form.is_valid():
        assert form.cleaned_data["person"] == 4
        assert form.cleaned_data["to_circle"] in (7, 8)


def test_move_and_swap_forms_are_rendered_for_the_circle_being_edited_only(
    proposed: Proposed, client_as: ClientAs
) -> None:
    target = reverse(
        "manage_season_proposal", args=[proposed.season.territory.slug, proposed.season.pk]
    )
    client = client_as("facilitator")
    first, second = proposed.first.pk, proposed.second.pk
    plain = client.get(target).content.decode()
    assert f'name="move{first}-member"' not in plain
    assert f"?edit={first}" in plain
    editing = client.get(f"{target}?edit={first}").content.decode()
    assert f'name="move{first}-member"' in editing
    assert f'name="swap{first}-other"' in editing
    assert f'name="move{second}-member"' not in editing


def test_circles_page_heading_does_not_repeat_a_season_named_circles(
    cast: Cast, proposed: Proposed, client_as: ClientAs
) -> None:
    """A season called "Cercles d'hiver 2027" must not read "Cercles de Cercles d'hiver"."""
    Season.objects.filter(pk=proposed.season.pk).update(
        state=SeasonState.PUBLISHED, name="Cercles d'hiver 2027"
    )
    User.objects.filter(pk=cast.facilitator.pk).update(language="fr")
    page = unescape(
        client_as("facilitator").get(url("manage_season_circles", proposed)).content.decode()
    )
    assert "Cercles de Cercles" not in page
    assert "Les cercles de la saison « Cercles d'hiver 2027 »" in page
