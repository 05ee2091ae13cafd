"""Confirming, declining and expiring seats; the waiting list and its promotions.

The waiting list holds everyone the draw did not select, in an order anyone can
recompute from the published seed and pool: pseudonyms sorted by the SHA-256 of
"<seed>:<pseudonym>" (hex digest), smallest first (`waitlist_order`).

When a seat is given back (declined, or not confirmed by `confirm_by`), the first
person on the waiting list whose promotion keeps every quota satisfiable is
offered it: with them seated, the remaining free seats can still be filled from
the rest of the list so that every minimum and maximum holds (checked with the
lottery's own `diagnose`). When nobody can, the first in order is promoted and
the territory's facilitators are told which quotas are not met.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tierslien.gatherings.meetings.core.access import names_visible
from tierslien.gatherings.meetings.seats.applications import UNDISCLOSED
from tierslien.gatherings.models import Application, ApplicationStatus, Meeting, MeetingState
from tierslien.lib.deadlines import on_the_hour
from tierslien.lib.refusals import Refused
from tierslien.lottery import LotteryInputError, LotteryProblem, Pool, Quota, Quotas, diagnose
from tierslien.portraits.models import Criterion

ID_COLUMN = "id"


class NoSeatToAnswer(Refused):
    """Nothing to confirm or decline (not selected, deadline passed, meeting over)."""

    message = gettext_lazy("There is no seat to answer for any more.")


def waitlist_order(seed: int, pseudonyms: Iterable[str]) -> list[str]:
    """The waiting list's order: by SHA-256 of "<seed>:<pseudonym>" (hex), then pseudonym."""

    def key(ident: str) -> tuple[str, str]:
        return (hashlib.sha256(f"{seed}:{ident}".encode()).hexdigest(), ident)

    return sorted(pseudonyms, key=key)


def confirm_deadline(meeting: Meeting, moment: datetime.datetime) -> datetime.datetime:
    """`confirmation_hours` from `moment` rounded up to a full hour, and never after the
    meeting starts."""
    deadline = on_the_hour(
        moment + datetime.timedelta(hours=meeting.confirmation_hours),
        timezone.get_default_timezone(),
    )
    return min(deadline, meeting.starts_at)


# --- Quotas over the people holding seats -------------------------------------------------


@dataclass(frozen=True)
class QuotaState:
    """A quota and how many of the current seat holders fall in it."""

    criterion: str
    value: str
    min: int
    max: int
    seated: int
    # What people read: the question's label and the answer's, translated when shown
    # (lazy for the catalogue's); the keys when the criterion is gone.
    criterion_label: Any = ""
    value_label: Any = ""

    @property
    def met(self) -> bool:
        return self.min <= self.seated <= self.max

    @property
    def short(self) -> int:
        """Seats missing to reach the minimum."""
        return max(0, self.min - self.seated)

    @property
    def over(self) -> int:
        """Seats beyond the maximum."""
        return max(0, self.seated - self.max)


def _published_quotas(meeting: Meeting) -> list[Quota]:
    return [
        Quota(str(r["criterion"]), str(r["value"]), int(r["min"]), int(r["max"]))
        for r in meeting.published_quotas
    ]


def _categories(meeting: Meeting) -> dict[str, dict[str, str]]:
    return {
        str(row[ID_COLUMN]): {k: str(v) for k, v in row.items() if k != ID_COLUMN}
        for row in meeting.published_pool
    }


def _counts(quotas: list[Quota], people: Iterable[Mapping[str, str]]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    keys = {q.key for q in quotas}
    for person in people:
        for criterion, value in person.items():
            if (criterion, value) in keys:
                counts[(criterion, value)] += 1
    return counts


def quota_states(meeting: Meeting, holders: Sequence[str] | None = None) -> list[QuotaState]:
    """Every published quota with the number of current seat holders in it."""
    categories = _categories(meeting)
    if holders is None:
        holders = list(
            Application.objects.holding_seats()
            .filter(meeting=meeting)
            .values_list("pseudonym", flat=True)
        )
    quotas = _published_quotas(meeting)
    counts = _counts(quotas, (categories[h] for h in holders if h in categories))
    criteria = {
        c.key: c
        for c in Criterion.objects.filter(
            territory_id=meeting.territory_id, key__in={q.criterion for q in quotas}
        )
    }
    return [
        QuotaState(q.criterion, q.value, q.min, q.max, counts[q.key], *_labels(criteria, q))
        for q in quotas
    ]


def _labels(criteria: Mapping[str, Criterion], quota: Quota) -> tuple[Any, Any]:
    criterion = criteria.get(quota.criterion)
    if criterion is None:
        return quota.criterion, quota.value
    if quota.value == UNDISCLOSED:
        return criterion.display_label, gettext_lazy("Prefer not to say")
    return criterion.display_label, criterion.label_for(quota.value)


def completable(
    quotas: list[Quota],
    seated: Counter[tuple[str, str]],
    rest: Sequence[Mapping[str, str]],
    more: int,
) -> bool:
    """Can `more` people of `rest` join those `seated` so that every quota holds?"""
    if any(seated[q.key] > q.max for q in quotas):
        return False
    more = min(more, len(rest))
    if more == 0 or more == len(rest):
        counts = seated + _counts(quotas, rest) if more else seated
        return all(q.min <= counts[q.key] <= q.max for q in quotas)
    adjusted = Quotas(
        tuple(
            Quota(q.criterion, q.value, max(0, q.min - seated[q.key]), q.max - seated[q.key])
            for q in quotas
        )
    )
    criteria = list(adjusted.criteria)
    pool = Pool.from_records(
        [{ID_COLUMN: str(i), **{c: person[c] for c in criteria}} for i, person in enumerate(rest)]
    )
    try:
        return diagnose(LotteryProblem(pool, adjusted, more)).feasible
    except LotteryInputError:
        return False


def choose_promotions(
    quotas: list[Quota],
    holders: Sequence[Mapping[str, str]],
    waiting: Sequence[tuple[str, Mapping[str, str]]],
    free: int,
) -> tuple[list[str], bool]:
    """Whom to promote, one seat at a time, for `free` seats; and whether every choice kept
    the quotas satisfiable (False: someone was promoted in plain order instead)."""
    seated = _counts(quotas, holders)
    queue = list(waiting)
    chosen: list[str] = []
    kept = True
    while free > 0 and queue:
        pick = None
        if completable(quotas, seated, [person for _, person in queue], free):
            tried: dict[tuple[tuple[str, str], ...], bool] = {}
            for index, (_, person) in enumerate(queue):
                kind = tuple(sorted(person.items()))
                if kind not in tried:
                    rest = [p for k, (_, p) in enumerate(queue) if k != index]
                    tried[kind] = completable(
                        quotas, seated + _counts(quotas, [person]), rest, free - 1
                    )
                if tried[kind]:
                    pick = index
                    break
        if pick is None:
            pick, kept = 0, False
        ident, person = queue.pop(pick)
        seated += _counts(quotas, [person])
        chosen.append(ident)
        free -= 1
    return chosen, kept


# --- Actions ------------------------------------------------------------------------------


def _open_for_seats(meeting: Meeting, moment: datetime.datetime) -> bool:
    return meeting.state == MeetingState.ALLOCATED and moment < meeting.starts_at


def promote(meeting: Meeting, *, now: datetime.datetime | None = None) -> list[Application]:
    """Fill free seats from the waiting list (inside the caller's transaction, meeting
    locked); queues the selected emails, and a warning to facilitators when quotas break."""
    from tierslien.gatherings.meetings.seats import notifications

    moment = now or timezone.now()
    if not _open_for_seats(meeting, moment):
        return []
    holding = list(
        Application.objects.holding_seats()
        .filter(meeting=meeting)
        .values_list("pseudonym", flat=True)
    )
    free = meeting.seats - len(holding)
    if free <= 0:
        return []
    waiting_rows = list(
        Application.objects.filter(meeting=meeting, status=ApplicationStatus.WAITLISTED)
        .select_related("user")
        .order_by("waitlist_rank", "pk")
    )
    if not waiting_rows:
        return []
    categories = _categories(meeting)
    quotas = _published_quotas(meeting)
    chosen, kept = choose_promotions(
        quotas,
        [categories.get(h, {}) for h in holding],
        [(a.pseudonym, categories.get(a.pseudonym, {})) for a in waiting_rows],
        free,
    )
    by_pseudonym = {a.pseudonym: a for a in waiting_rows}
    promoted = [by_pseudonym[ident] for ident in chosen]
    deadline = confirm_deadline(meeting, moment)
    for application in promoted:
        application.status = ApplicationStatus.SELECTED
        application.selected_at = moment
        application.confirm_by = deadline
    Application.objects.bulk_update(promoted, ["status", "selected_at", "confirm_by"])
    meeting.seated_count = len(holding) + len(promoted)
    meeting.save(update_fields=["seated_count", "updated_at"])
    notifications.queue_selected(meeting, promoted)
    if not kept:
        # Once facilitators see the names at the door, which quota broke would tell who
        # gave their seat back: the warning then says only that quotas are not met.
        broken = (
            []
            if names_visible(meeting, moment)
            else [q for q in quota_states(meeting) if not q.met]
        )
        notifications.queue_quota_warning(meeting, broken)
    return promoted


@transaction.atomic
def confirm_seat(
    application: Application,
    *,
    now: datetime.datetime | None = None,
    answered_by: Any = None,
) -> Application:
    """Confirm a selected seat; `answered_by`: the local contact who answered at the person's
    request (None when the person answers)."""
    moment = now or timezone.now()
    meeting = Meeting.objects.locked(application.meeting.pk)
    current = Application.objects.select_for_update().get(pk=application.pk)
    if (
        not _open_for_seats(meeting, moment)
        or current.status != ApplicationStatus.SELECTED
        or (current.confirm_by is not None and current.confirm_by < moment)
    ):
        raise NoSeatToAnswer
    current.status = ApplicationStatus.CONFIRMED
    current.confirmed_at = moment
    current.answered_by = answered_by
    current.save(update_fields=["status", "confirmed_at", "answered_by"])
    return current


def _give_back(
    meeting: Meeting, current: Application, moment: datetime.datetime, answered_by: Any = None
) -> list[Application]:
    current.status = ApplicationStatus.DECLINED
    current.declined_at = moment
    current.answered_by = answered_by
    current.save(update_fields=["status", "declined_at", "answered_by"])
    promoted = promote(meeting, now=moment)
    if not promoted:
        meeting.seated_count = Application.objects.holding_seats().filter(meeting=meeting).count()
        meeting.save(update_fields=["seated_count", "updated_at"])
    return promoted


@transaction.atomic
def decline_seat(
    application: Application,
    *,
    now: datetime.datetime | None = None,
    answered_by: Any = None,
) -> list[Application]:
    """Decline a seat (selected) or give it back (confirmed); the waiting list moves up.
    Returns the people promoted. `answered_by` as for `confirm_seat`."""
    moment = now or timezone.now()
    meeting = Meeting.objects.locked(application.meeting.pk)
    current = Application.objects.select_for_update().get(pk=application.pk)
    if not _open_for_seats(meeting, moment) or current.status not in (
        ApplicationStatus.SELECTED,
        ApplicationStatus.CONFIRMED,
    ):
        raise NoSeatToAnswer
    return _give_back(meeting, current, moment, answered_by)


@transaction.atomic
def leave_waitlist(application: Application) -> Application:
    meeting = Meeting.objects.locked(application.meeting.pk)
    current = Application.objects.select_for_update().get(pk=application.pk)
    if meeting.state != MeetingState.ALLOCATED or current.status != ApplicationStatus.WAITLISTED:
        raise NoSeatToAnswer(gettext_lazy("It is too late to withdraw: the draw is published."))
    current.status = ApplicationStatus.WITHDRAWN
    current.save(update_fields=["status"])
    return current


def expire_seats(now: datetime.datetime | None = None) -> int:
    """Seats not confirmed by their deadline are declined (and offered to the waiting list);
    returns how many. One short transaction per seat."""
    moment = now or timezone.now()
    overdue = list(
        Application.objects.filter(
            status=ApplicationStatus.SELECTED,
            confirm_by__lt=moment,
            meeting__state=MeetingState.ALLOCATED,
        ).values_list("pk", "meeting_id")
    )
    count = 0
    for pk, meeting_id in overdue:
        with transaction.atomic():
            meeting = (
                Meeting.objects.select_for_update()
                .select_related("territory", "venue")
                .get(pk=meeting_id)
            )
            current = (
                Application.objects.select_for_update()
                .filter(pk=pk, status=ApplicationStatus.SELECTED, confirm_by__lt=moment)
                .first()
            )
            if current is None:
                continue
            _give_back(meeting, current, moment)
            count += 1
    return count


def waiting_place(application: Application) -> int | None:
    """The person's current place on the waiting list (1 = next), or None."""
    if application.status != ApplicationStatus.WAITLISTED or application.waitlist_rank is None:
        return None
    ahead = Application.objects.filter(
        meeting_id=application.meeting_id,
        status=ApplicationStatus.WAITLISTED,
        waitlist_rank__lt=application.waitlist_rank,
    ).count()
    return ahead + 1
