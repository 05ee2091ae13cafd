"""When a circle is over, the anonymous form, its aggregates, and "keep in touch"."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from tierslien.accounts.models import User
from tierslien.circles.models import (
    Circle,
    Membership,
    Rhythm,
    Season,
    SeasonState,
    monday_of,
)
from tierslien.circles.schedule import last_session_end
from tierslien.feedback.models import (
    Again,
    FeedbackBag,
    FeedbackGiven,
    Felt,
    KeepInTouch,
    Met,
    SeasonTally,
)
from tierslien.lib.small_cells import THRESHOLD, suppress
from tierslien.spaces.models import Attendance

# Below this many people, no figure is shown (and a count below it is never shown either).

# The anonymous form stays open this long after the season's last session; then the answers
# are shown to the facilitator, all at once (16 days before the purge erases the comments).
FORM_OPEN_FOR = datetime.timedelta(days=14)

# States in which a circle may have had its last session (before the purge).
ENDED_STATES = (SeasonState.PUBLISHED, SeasonState.RUNNING, SeasonState.CLOSED)


class FeedbackClosed(Exception):
    """The form opens after the circle's last session and closes with the purge."""


class AlreadyAnswered(Exception):
    """Everybody answers a season's form once."""


# --- When ---


def circle_has_ended(circle: Circle, now: datetime.datetime | None = None) -> bool:
    """True once the circle's last session is over (or its season closed), until the purge."""
    season = circle.season
    if season.state == SeasonState.CLOSED:
        return True
    if season.state not in ENDED_STATES:
        return False
    end = last_session_end(season, circle.slot)
    return end is not None and end <= (now or timezone.now())


def form_closes_at(season: Season) -> datetime.datetime:
    """When the anonymous form closes for the whole season (one query): `FORM_OPEN_FOR` after
    the end of its last session over all circles. The season report shows the answers then."""
    slots = Circle.objects.filter(season=season).values_list("slot", flat=True)
    return season_end(season, slots) + FORM_OPEN_FOR


def form_is_open(circle: Circle, now: datetime.datetime | None = None) -> bool:
    """From the circle's last session until the form closes for the season."""
    moment = now or timezone.now()
    return circle_has_ended(circle, moment) and moment < form_closes_at(circle.season)


def feedback_published(season: Season, now: datetime.datetime | None = None) -> bool:
    """Whether the season report may show the answers: once nobody can answer any more."""
    if season.state == SeasonState.PURGED:
        return True
    if season.state not in ENDED_STATES:
        return False
    return (now or timezone.now()) >= form_closes_at(season)


def season_end(season: Season, slots: Iterable[str]) -> datetime.datetime:
    """The end of the season's last session over all its circles' slots.

    Circles without a known weekly slot end, at the latest, with the last week of meetings.
    """
    ends = [end for slot in set(slots) if (end := last_session_end(season, slot)) is not None]
    step = 14 if season.rhythm == Rhythm.FORTNIGHTLY else 7
    last_monday = monday_of(season.first_week) + datetime.timedelta(
        days=(season.sessions - 1) * step
    )
    week_end = datetime.datetime.combine(
        last_monday + datetime.timedelta(days=7),
        datetime.time(),
        tzinfo=ZoneInfo(settings.TIME_ZONE),
    )
    return max(ends, default=week_end)


# --- The anonymous form ---


def has_answered(user: Any, season: Season) -> bool:
    return FeedbackGiven.objects.filter(user=user, season=season).exists()


def give_feedback(
    user: Any,
    circle: Circle,
    *,
    met_different: str,
    felt_safe: str,
    come_again: str,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> None:
    """Record one anonymous answer, and that `user` answered, so that nothing links the two.

    One transaction, committed before the person is thanked (nothing acknowledged is lost if
    the process dies afterwards): the season's bag is locked, the answer merged into its
    sorted lists, and the season's `FeedbackGiven` rows are deleted and written again in user
    order. Whoever answered what and in which order, the rows read afterwards are the same.
    """
    if not form_is_open(circle, now):
        raise FeedbackClosed
    season = circle.season
    try:
        with transaction.atomic():
            bag = _locked_bag(season)  # answers to one season are written one at a time
            answered = set(
                FeedbackGiven.objects.filter(season=season).values_list("user_id", flat=True)
            )
            if user.pk in answered:
                raise AlreadyAnswered
            _rewrite_given(season, answered | {user.pk})
            bag.answers = sorted([*bag.answers, [met_different, felt_safe, come_again]])
            if comment.strip():
                bag.comments = sorted([*bag.comments, comment.strip()])
            bag.save(update_fields=["answers", "comments"])
    except IntegrityError as error:
        raise AlreadyAnswered from error


def _locked_bag(season: Season) -> FeedbackBag:
    FeedbackBag.objects.get_or_create(season=season)  # the first answer creates it
    return FeedbackBag.objects.select_for_update().get(season=season)


def _rewrite_given(season: Season, user_ids: set[int]) -> None:
    """The season's "has answered" rows, all new, in user order: their ids, system columns
    and physical order say who answered, never in which order."""
    FeedbackGiven.objects.filter(season=season).delete()
    FeedbackGiven.objects.bulk_create(
        FeedbackGiven(season=season, user_id=user_id) for user_id in sorted(user_ids)
    )


@dataclass(frozen=True)
class Question:
    key: str
    counts: tuple[tuple[str, int | None], ...]  # (choice, count or None when suppressed)


@dataclass(frozen=True)
class Aggregates:
    answers: int | None  # None: fewer than THRESHOLD answers, nothing else is shown
    questions: tuple[Question, ...]


QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("met_different", tuple(Met.values)),
    ("felt_safe", tuple(Felt.values)),
    ("come_again", tuple(Again.values)),
)


def aggregate(answers: Sequence[tuple[str, str, str]]) -> Aggregates:
    """Per-question counts of answers, with nothing at all below THRESHOLD answers (pure)."""
    total = len(answers)
    if total < THRESHOLD:
        return Aggregates(
            answers=None,
            questions=tuple(
                Question(key=key, counts=tuple((choice, None) for choice in choices))
                for key, choices in QUESTIONS
            ),
        )
    questions = []
    for index, (key, choices) in enumerate(QUESTIONS):
        counter = Counter(answer[index] for answer in answers)
        counts = suppress([counter.get(choice, 0) for choice in choices])
        questions.append(Question(key=key, counts=tuple(zip(choices, counts, strict=True))))
    return Aggregates(answers=total, questions=tuple(questions))


def season_feedback(
    season: Season, now: datetime.datetime | None = None
) -> tuple[Aggregates, list[str]]:
    """The season's aggregates and free comments, once the form has closed for everyone.

    Before that nothing is shown: a report that changed with each answer could be compared
    from one visit to the next, answer by answer. Then nothing below THRESHOLD answers.
    """
    bag = FeedbackBag.objects.filter(season=season).first()
    published = bag is not None and feedback_published(season, now)
    answers = [tuple(answer) for answer in bag.answers] if bag and published else []
    aggregates = aggregate(answers)
    comments = list(bag.comments) if bag and aggregates.answers is not None else []
    return aggregates, comments


# --- Keep in touch ---


def fellow_members(circle: Circle, user: Any) -> list[User]:
    return list(
        User.objects.filter(circle_memberships__circle=circle)
        .exclude(pk=user.pk)
        .order_by("display_name", "pk")
    )


def wishes(user: Any, circle: Circle) -> set[int]:
    return set(
        KeepInTouch.objects.filter(from_user=user, circle=circle).values_list(
            "to_user_id", flat=True
        )
    )


@transaction.atomic
def set_wishes(
    user: Any, circle: Circle, wanted: Iterable[int], *, now: datetime.datetime | None = None
) -> None:
    """Replace `user`'s wishes in `circle` by `wanted` (fellow members only)."""
    if not circle_has_ended(circle, now):
        raise FeedbackClosed
    members = set(
        Membership.objects.filter(circle=circle)
        .exclude(user=user)
        .values_list("user_id", flat=True)
    )
    keep = set(wanted) & members
    KeepInTouch.objects.filter(from_user=user, circle=circle).exclude(to_user_id__in=keep).delete()
    existing = wishes(user, circle)
    KeepInTouch.objects.bulk_create(
        [
            KeepInTouch(from_user=user, to_user_id=other, circle=circle)
            for other in sorted(keep - existing)
        ],
        ignore_conflicts=True,
    )


def mutual_contacts(user: Any, circle: Circle) -> list[User]:
    """Fellow members who said yes to `user` while `user` said yes to them (two queries)."""
    mine = wishes(user, circle)
    return list(
        User.objects.filter(
            pk__in=mine,
            keep_in_touch_sent__to_user=user,
            keep_in_touch_sent__circle=circle,
            circle_memberships__circle=circle,
        )
        .distinct()
        .order_by("display_name", "pk")
    )


# --- Attendance, counted (the spaces app records who said they would come) ---


def attendance_counts(season: Season) -> dict[int, int] | None:
    """Members who said they would come, per session; None after a purge that kept none.

    After the purge, the counts kept in the season's tally (one query either way).
    """
    if season.state == SeasonState.PURGED:
        tally = SeasonTally.objects.filter(season=season).first()
        return {int(k): int(v) for k, v in tally.attendance.items()} if tally else None
    return dict(
        Attendance.objects.filter(circle__season=season, answer="coming")
        .order_by()
        .values_list("session")
        .annotate(n=Count("pk"))
        .values_list("session", "n")
    )
