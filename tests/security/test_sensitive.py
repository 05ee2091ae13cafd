"""Attack replays: what a curious facilitator could learn of sensitive answers and blocks.

The "Trust" issue: a facilitator set every weight to 0 except civic engagement, forced
people into a circle and read its diversity score, recovering 10 answers out of 10;
unticked "sensitive" on a question so that its answers became a meeting's public quota;
made a sensitive question "shared"; and read blocks in review refusals. Each test replays
one of them. The differential property (`test_nothing_shown_depends_on_a_sensitive_answer`)
proves the general rule: change one person's sensitive answers and consents, and every
page, file and email anyone can fetch stays byte for byte the same.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.cast import Cast, make_user
from tests.circles.conftest import season_values
from tests.ritual import password_only
from tierslien import mixing
from tierslien.accounts.models import User
from tierslien.circles.actions import publish, review
from tierslien.circles.actions.compose import save_composition
from tierslien.circles.engine import build_problem
from tierslien.circles.models import (
    Circle,
    JobState,
    Membership,
    Registration,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.gatherings.meetings.core.forms import MeetingForm
from tierslien.gatherings.meetings.core.services import (
    IneligibleCriterion,
    check_criteria,
    eligible_criteria,
)
from tierslien.mixing import build_report, encode, explain
from tierslien.moderation.models import Block
from tierslien.portraits import services as portraits
from tierslien.portraits.models import Answer, Criterion, CriterionGoal, Portrait

pytestmark = pytest.mark.django_db

ClientAs = Callable[[str], Client]
NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
LEVELS = ["disillusioned", "distant", "curious", "involved", "activist"]
BELIEFS = ["religious", "secular", "political", "none"]
OCCUPATIONS = ["1", "2", "3", "4", "5", "6", "7", "8"]
AGES = ["18-24", "25-34", "35-49", "50-64", "65-74", "75+"]
PEOPLE = 13  # two circles of six, one person left unplaced

# A person's sensitive answers: (civic engagement or None, belief worlds or None).
Sensitive = tuple[str | None, list[str] | None]


# --- Helpers -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _pages_in_english(cast: Cast) -> None:
    User.objects.filter(pk__in=[u.pk for u in cast.roles().values() if u]).update(language="en")


def _criterion(cast: Cast, key: str) -> Criterion:
    return Criterion.objects.get(territory=cast.territory, key=key)


def set_sensitive(cast: Cast, user: User, answers: Sensitive) -> None:
    """Through the portrait's own services: withdraw (erasing) or answer with consent."""
    engagement, beliefs = answers
    values = {"engagement": engagement, "belief_worlds": beliefs}
    for key, value in values.items():
        if value is None:
            portraits.withdraw_sensitive_consent(user, key)
    portrait = Portrait.objects.get(user=user, territory=cast.territory)
    given_now = {key: value for key, value in values.items() if value is not None}
    portraits.save_portrait(
        user,
        cast.territory,
        sector=portrait.sector,
        max_km=portrait.max_km,
        availability=portrait.availability,
        meeting_mode=portrait.meeting_mode,
        accessibility_needs=portrait.accessibility_needs,
        hopes=portrait.hopes,
        answers={_criterion(cast, key).pk: value for key, value in given_now.items()},
        consents=set(given_now),
    )


def registered_crowd(cast: Cast, season: Season, sensitive: list[Sensitive]) -> list[User]:
    users = []
    for k, answers in enumerate(sensitive):
        user = make_user(f"p{season.pk}-{k}@example.org", f"Person {k:02d}", language="en")
        portrait = Portrait.objects.create(
            user=user, territory=cast.territory, sector=cast.sector, availability=["tue-evening"]
        )
        for key, value in (
            ("occupation", OCCUPATIONS[k % len(OCCUPATIONS)]),
            ("age_bracket", AGES[(k * 5) % len(AGES)]),
            ("languages", ["fr"]),
        ):
            Answer.objects.create(portrait=portrait, criterion=_criterion(cast, key), value=value)
        set_sensitive(cast, user, answers)
        Registration.objects.create(
            season=season, user=user, availability=["tue-evening", "sat-morning"], max_km=10
        )
        users.append(user)
    return users


def compose_as_the_engine_did(season: Season) -> None:
    """A fixed composition (the engine's choice is not what is tested): people in
    registration order, six on Tuesday evening, six on Saturday morning, the last one
    unplaced; written by the real `save_composition`."""
    Season.objects.filter(pk=season.pk).update(state=SeasonState.COMPOSING)
    built = build_problem(season)
    ids = [p.id for p in built.problem.people]
    venue = next(iter(built.venues))
    solution = mixing.Solution(
        rounds=(
            mixing.Round(
                groups=(
                    mixing.Group(tuple(ids[:6]), venue, "tue-evening"),
                    mixing.Group(tuple(ids[6:12]), venue, "sat-morning"),
                )
            ),
        ),
        unplaced=tuple(
            mixing.Unplaced(pid, 0, mixing.Reason("too_few_nearby", "too few nearby"))
            for pid in ids[12:]
        ),
    )

    # The engine's own result, with its report and explanations (which count every
    # criterion, sensitive ones too), as `mixing.solve` returns it.
    problem = built.problem
    encoded = encode(problem)
    result = mixing.Result(
        problem=problem,
        solution=solution,
        report=build_report(problem, encoded, solution),
        explanations=explain(problem, encoded, solution),
    )
    save_composition(season.pk, built, result)
    season.refresh_from_db()


CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')
NONCE = re.compile(rb'nonce="[^"]+"')


def masked(content: bytes) -> bytes:
    return NONCE.sub(b'nonce="-"', CSRF.sub(b'name="csrfmiddlewaretoken" value="-"', content))


def fetch(client: Client, url: str) -> tuple[str, int, bytes]:
    response = client.get(url)
    return (url, response.status_code, masked(response.content))


@contextmanager
def rolled_back() -> Iterator[None]:
    """A savepoint undone at the end, with the id sequences put back where they were, so
    that a second run writes the same ids (PostgreSQL does not roll sequences back)."""
    for sql in connection.ops.sequence_reset_sql(no_style(), [Circle, Membership, Unplaced]):
        with connection.cursor() as cursor:
            cursor.execute(sql)
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def everything_shown(
    cast: Cast, season: Season, users: list[User], client_as: ClientAs, capture: Any
) -> list[Any]:
    """Compose, review, publish: every page, file and email a facilitator or member can
    fetch on the way, and every figure stored for them."""
    facilitator = client_as("facilitator")
    slug = cast.territory.slug

    def manage(name: str, *args: int) -> str:
        return reverse(name, args=[slug, season.pk, *args])

    seen: list[Any] = []
    compose_as_the_engine_did(season)
    circles = list(Circle.objects.filter(season=season).order_by("number"))
    first, second = circles

    def figures() -> list[Any]:
        stored = Season.objects.get(pk=season.pk)
        return [
            stored.report,
            stored.job_best_score,
            list(
                Circle.objects.filter(season=season)
                .order_by("number")
                .values_list("number", "diversity", "counts")
            ),
        ]

    def facilitator_pages() -> list[Any]:
        return [
            fetch(facilitator, manage("manage_season_proposal")),
            fetch(facilitator, manage("manage_season_proposal") + f"?edit={first.pk}"),
            fetch(facilitator, manage("manage_season_proposal") + f"?edit={second.pk}"),
            fetch(facilitator, manage("manage_season_progress")),
            fetch(facilitator, manage("manage_season_progress_json")),
            fetch(facilitator, reverse("manage_season_list", args=[slug])),
            fetch(facilitator, manage("manage_season_report")),
            fetch(facilitator, manage("manage_season_report_csv")),
        ]

    seen += [figures(), facilitator_pages()]
    # Review: a swap and back (each recomputes the figures), and the attacker's move.
    one = Membership.objects.get(circle=first, user=users[0])
    other = Membership.objects.get(circle=second, user=users[6])
    swap = manage("manage_circle_swap", first.pk)
    for data in (
        {f"swap{first.pk}-member": one.pk, f"swap{first.pk}-other": other.pk},
        {f"swap{first.pk}-member": other.pk, f"swap{first.pk}-other": one.pk},
    ):
        seen.append(facilitator.post(swap, data).status_code)
        seen += [figures(), facilitator_pages()]
    seen.append(
        facilitator.post(
            manage("manage_circle_move", second.pk),
            {
                f"move{second.pk}-member": Membership.objects.get(user=users[7]).pk,
                f"move{second.pk}-to_circle": first.pk,
                f"move{second.pk}-force": "on",
            },
        ).status_code
    )
    seen += [figures(), facilitator_pages()]
    # Publication: the invitation emails, the members' pages, the season's pages.
    mail.outbox.clear()
    with capture(execute=True):
        publish.publish_season(season)
    seen.append(
        sorted(
            (m.to, m.subject, m.body, [(a[0], a[1]) for a in m.attachments]) for m in mail.outbox
        )
    )
    seen += [figures(), facilitator_pages()]
    seen.append(fetch(facilitator, manage("manage_season_circles")))
    memberships = Membership.objects.filter(circle__season=season).select_related("user")
    for membership in memberships.order_by("circle__number", "user__display_name"):
        member = password_only(membership.user)
        seen.append(fetch(member, reverse("circle_invitation", args=[slug, membership.circle_id])))
        seen.append(fetch(member, reverse("circle_home", args=[membership.circle_id])))
        seen.append(fetch(member, reverse("season_detail", args=[slug, season.pk])))
    return seen


# --- Item 2: nothing shown depends on a sensitive answer ------------------------------------

sensitive_answers = st.tuples(
    st.one_of(st.none(), st.sampled_from(LEVELS)),
    st.one_of(st.none(), st.lists(st.sampled_from(BELIEFS), min_size=1, max_size=2, unique=True)),
)


@time_machine.travel(NOW, tick=False)
@settings(
    max_examples=4,
    deadline=None,
    # A failing example is readable as drawn (13 people); shrinking it takes minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    crowd=st.lists(sensitive_answers, min_size=PEOPLE, max_size=PEOPLE),
    who=st.integers(0, PEOPLE - 1),
    after=sensitive_answers,
    only_engagement=st.booleans(),
)
def test_nothing_shown_depends_on_a_sensitive_answer(
    cast: Cast,
    client_as: ClientAs,
    django_capture_on_commit_callbacks: Any,
    crowd: list[Sensitive],
    who: int,
    after: Sensitive,
    only_engagement: bool,
) -> None:
    with rolled_back():
        season = Season.objects.create(territory=cast.territory, **season_values())  # type: ignore[arg-type]
        if only_engagement:  # the attack: every weight 0 but civic engagement
            portraits.update_criteria_settings(
                cast.territory,
                {
                    c.pk: (c.enabled, 2.0 if c.key == "engagement" else 0.0)
                    for c in Criterion.objects.filter(territory=cast.territory)
                },
            )
        users = registered_crowd(cast, season, crowd)
        with rolled_back():
            before = everything_shown(
                cast, season, users, client_as, django_capture_on_commit_callbacks
            )
        set_sensitive(cast, users[who], after)
        with rolled_back():
            changed = everything_shown(
                cast, season, users, client_as, django_capture_on_commit_callbacks
            )
        assert changed == before


def test_the_replayed_attack_reads_the_same_score_for_every_answer(
    cast: Cast, client_as: ClientAs
) -> None:
    """Weights 0 but civic engagement; Person 00 moved among five activists: the score
    and every figure read the same whatever Person 00 answered."""
    season = Season.objects.create(territory=cast.territory, **season_values())  # type: ignore[arg-type]
    portraits.update_criteria_settings(
        cast.territory,
        {
            c.pk: (c.enabled, 2.0 if c.key == "engagement" else 0.0)
            for c in Criterion.objects.filter(territory=cast.territory)
        },
    )
    users = registered_crowd(cast, season, [("activist", None)] * PEOPLE)
    compose_as_the_engine_did(season)
    proposal = reverse("manage_season_proposal", args=[cast.territory.slug, season.pk])
    pages = []
    for level in ("activist", "disillusioned"):
        set_sensitive(cast, users[0], (level, None))
        review.refresh_scores(review.load(season), season.circles.values_list("pk", flat=True))
        pages.append(masked(client_as("facilitator").get(proposal).content))
    assert pages[0] == pages[1]
    assert b"diversity 0.00" in pages[0]


def test_weights_cannot_change_while_circles_are_reviewed(cast: Cast, client_as: ClientAs) -> None:
    season = Season.objects.create(
        territory=cast.territory,
        state=SeasonState.PROPOSED,
        **season_values(),  # type: ignore[arg-type]
    )
    criteria = list(Criterion.objects.filter(territory=cast.territory))
    before = list(Criterion.objects.values_list("pk", "enabled", "weight", "sensitive", "goal"))
    data = {f"weight_{c.pk}": "0" for c in criteria} | {f"enabled_{c.pk}": "on" for c in criteria}
    data[f"weight_{_criterion(cast, 'engagement').pk}"] = "10"
    response = client_as("facilitator").post(
        reverse("manage_criteria", args=[cast.territory.slug]), data, follow=True
    )
    assert "the questionnaire (its questions, weights and settings) cannot change" in (
        response.content.decode()
    )
    occupation = _criterion(cast, "occupation")
    edit = reverse("manage_criterion_edit", args=[cast.territory.slug, occupation.pk])
    client_as("facilitator").post(edit, {"weight": "0", "enabled": "on"})
    new = reverse("manage_criterion_new", args=[cast.territory.slug])
    client_as("facilitator").post(
        new,
        {"label": "Pets", "question": "Pets?", "kind": "categorical", "goal": "diverse"}
        | {"weight": "1", "enabled": "on", "options": "Cat\nDog"},
    )
    assert list(Criterion.objects.values_list("pk", "enabled", "weight", "sensitive", "goal")) == (
        before
    )
    with pytest.raises(portraits.QuestionnaireFrozen):
        portraits.update_criterion(occupation, weight=0.0)
    # Composing freezes it too; published, it is free again.
    for state, frozen in (
        (SeasonState.COMPOSING, True),
        (SeasonState.PUBLISHED, False),
    ):
        Season.objects.filter(pk=season.pk).update(state=state, job_state=JobState.IDLE)
        page = client_as("facilitator").get(reverse("manage_criteria", args=[cast.territory.slug]))
        assert (b'id="questionnaire-frozen"' in page.content) is frozen
    portraits.update_criterion(occupation, weight=0.0)
    assert Criterion.objects.get(pk=occupation.pk).weight == 0.0


# --- Item 3: a question answered under consent stays sensitive, and never balances seats ----


def _religion(cast: Cast) -> Criterion:
    return portraits.create_criterion(
        cast.territory,
        label="Religion",
        question="Your religion?",
        kind="categorical",
        goal=CriterionGoal.DIVERSE,
        weight=1.0,
        enabled=True,
        sensitive=True,
        options=[{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
        numeric_min=None,
        numeric_max=None,
    )


def _custom_post(criterion: Criterion, **changes: str) -> dict[str, str]:
    data = {
        "label": criterion.label,
        "question": criterion.question,
        "kind": criterion.kind,
        "goal": criterion.goal,
        "weight": str(criterion.weight),
        "enabled": "on",
        "sensitive": "on",
        "options": "\n".join(o["label"] for o in criterion.options),
    } | changes
    return {key: value for key, value in data.items() if value != ""}


def test_a_question_answered_under_consent_cannot_lose_its_sensitive_flag(
    cast: Cast, client_as: ClientAs
) -> None:
    religion = _religion(cast)
    portrait = Portrait.objects.get(user=cast.participant, territory=cast.territory)
    portraits.save_portrait(
        cast.participant,
        cast.territory,
        sector=cast.sector,
        max_km=5,
        availability=[],
        meeting_mode="in-person",
        accessibility_needs=[],
        hopes=[],
        answers={religion.pk: "a"},
        consents={religion.key},
    )
    edit = reverse("manage_criterion_edit", args=[cast.territory.slug, religion.pk])
    response = client_as("facilitator").post(edit, _custom_post(religion, sensitive=""))
    assert response.status_code == 200
    assert "it stays sensitive as long as answers exist" in response.content.decode()
    religion.refresh_from_db()
    assert religion.sensitive
    assert Answer.objects.filter(portrait=portrait, criterion=religion).exists()
    with pytest.raises(portraits.SensitiveFlagKept):
        portraits.update_criterion(religion, sensitive=False)
    assert Criterion.objects.get(pk=religion.pk).sensitive


def test_a_question_once_sensitive_never_balances_a_meeting(cast: Cast) -> None:
    religion = _religion(cast)
    # Nobody answered: the flag may go (a mistake corrected), but the question never
    # becomes a meeting's quota, whose anonymised pool is public.
    portraits.update_criterion(religion, sensitive=False)
    religion.refresh_from_db()
    assert not religion.sensitive and religion.ever_sensitive
    assert religion not in eligible_criteria(cast.territory)
    with pytest.raises(IneligibleCriterion):
        check_criteria(cast.territory, [religion])
    form = MeetingForm({"criteria": [religion.pk]}, territory=cast.territory)
    form.is_valid()
    assert "is a sensitive question" in str(form.errors["criteria"])


# --- Item 4: a sensitive question is never "shared" ------------------------------------------


def _questionnaire(but: Criterion | None = None) -> list[Any]:
    rows = Criterion.objects.exclude(pk=but.pk if but else None).order_by("pk")
    return list(rows.values_list("pk", "goal", "sensitive", "weight"))


def test_a_sensitive_question_cannot_be_shared(cast: Cast, client_as: ClientAs) -> None:
    before = _questionnaire()
    new = reverse("manage_criterion_new", args=[cast.territory.slug])
    response = client_as("facilitator").post(
        new,
        {"label": "Faith", "question": "Faith?", "kind": "categorical", "goal": "shared"}
        | {"weight": "1", "enabled": "on", "sensitive": "on", "options": "Yes\nNo"},
    )
    assert response.status_code == 200
    assert "A sensitive question cannot be one that members must share" in (
        response.content.decode()
    )
    engagement = _criterion(cast, "engagement")
    languages = _criterion(cast, "languages")  # a catalogue question members share
    for criterion, data in (
        (languages, {"weight": "1", "enabled": "on", "sensitive": "on"}),
        (
            _religion(cast),
            {"label": "Religion", "question": "Your religion?", "kind": "categorical"}
            | {"goal": "shared", "weight": "1", "enabled": "on", "sensitive": "on"}
            | {"options": "A\nB"},
        ),
    ):
        edit = reverse("manage_criterion_edit", args=[cast.territory.slug, criterion.pk])
        response = client_as("facilitator").post(edit, data)
        assert response.status_code == 200
        assert "cannot be one that members must share" in response.content.decode()
    religion = Criterion.objects.get(territory=cast.territory, label="Religion")
    assert religion.goal == CriterionGoal.DIVERSE
    assert _questionnaire(but=religion) == before
    with pytest.raises(portraits.SensitiveNotShared):
        portraits.update_criterion(languages, sensitive=True)
    with pytest.raises(portraits.SensitiveNotShared):
        portraits.update_criterion(engagement, goal=CriterionGoal.SHARED)
    with pytest.raises(portraits.SensitiveNotShared):
        portraits.create_criterion(
            cast.territory,
            label="Party",
            question="Party?",
            kind="categorical",
            goal=CriterionGoal.SHARED,
            weight=1.0,
            enabled=True,
            sensitive=True,
            options=[{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
        )
    assert _questionnaire(but=religion) == before


def test_the_engine_never_requires_a_sensitive_answer_in_common(cast: Cast) -> None:
    """Data from before the rule (a sensitive question marked shared) is mixed on."""
    Criterion.objects.filter(territory=cast.territory, key="belief_worlds").update(
        goal=CriterionGoal.SHARED
    )
    season = Season.objects.create(territory=cast.territory, **season_values())  # type: ignore[arg-type]
    registered_crowd(cast, season, [(None, ["religious"]), (None, ["none"])] * 3)
    built = build_problem(season)
    beliefs = next(c for c in built.problem.criteria if c.name == "belief_worlds")
    assert beliefs.goal == "diverse"
    assert not any(c.name in built.sensitive for c in built.shown.criteria)


# --- Item 10: review refusals never tell a block --------------------------------------------


def test_review_refusals_never_tell_a_block_nor_who_blocked_whom(
    cast: Cast, client_as: ClientAs
) -> None:
    season = Season.objects.create(territory=cast.territory, **season_values())  # type: ignore[arg-type]
    users = registered_crowd(cast, season, [(None, None)] * PEOPLE)
    compose_as_the_engine_did(season)
    first, second = season.circles.order_by("number")
    slug = cast.territory.slug
    move = reverse("manage_circle_move", args=[slug, season.pk, second.pk])
    seat = Membership.objects.get(user=users[7])

    def refusal(force: bool) -> str:
        data = {f"move{second.pk}-member": seat.pk, f"move{second.pk}-to_circle": first.pk}
        if force:
            data[f"move{second.pk}-force"] = "on"
        response = client_as("facilitator").post(move, data, follow=True)
        assert Membership.objects.get(pk=seat.pk).circle_id == second.pk  # nothing changed
        text = response.content.decode()
        found = re.search(r"Nothing was changed:[^<]*", text)
        assert found is not None
        return found.group(0)

    # Person 07 blocked Person 00 (in circle one): a move that would put them together.
    Block.objects.create(blocker=users[7], blocked=users[0])
    blocked = refusal(force=False)
    assert "Person 00" not in blocked and "Person 07" not in blocked
    assert "block" not in blocked.lower()
    assert refusal(force=True) == blocked  # a block is never set aside
    # The same words when the cause is an answer members must have in common.
    Block.objects.all().delete()
    Answer.objects.filter(portrait__user=users[7], criterion__key="languages").update(value=["en"])
    assert refusal(force=False) == blocked
