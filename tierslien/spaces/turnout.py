"""Who came to each session of a circle: the presence register.

Three people may tick it: a member of the circle (once per session, for everyone, as
on a paper sheet passed round the table), the relay of a person they registered (for
that person only), a facilitator (anyone, any session). Only the role of whoever ticked
is kept. A member's sheet never overrides what a relay or a facilitator recorded, and
members never see the register: after ticking they read "recorded, thank you".
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien.circles.models import Circle, Membership
from tierslien.circles.schedule import SessionTime, session_times
from tierslien.lib.refusals import Refused
from tierslien.spaces.models import Presence, PresenceSheet, RecordedBy

# How long after a session its members may still fill the sheet.
SHEET_OPEN_FOR = datetime.timedelta(days=7)

# A choice in a register: came, did not come, or not known (no row).
CAME, ABSENT, UNKNOWN = "came", "absent", "unknown"
CHOICES = (
    (UNKNOWN, _("Not known")),
    (CAME, _("Was there")),
    (ABSENT, _("Was not there")),
)


class SheetClosed(Refused):
    message = _("The sheet of this session is closed: thank you all the same.")


class UnknownSession(Refused):
    message = _("This circle has no such session.")


def sheet_session(circle: Circle, now: datetime.datetime) -> SessionTime | None:
    """The session whose sheet the members may fill now: the last one that started,
    up to a week after it, unless its sheet was filled already."""
    started = [s for s in session_times(circle.season, circle.slot) if s.starts_at <= now]
    if not started or now - started[-1].starts_at > SHEET_OPEN_FOR:
        return None
    session = started[-1]
    if PresenceSheet.objects.filter(circle=circle, session=session.number).exists():
        return None
    return session


def _session(circle: Circle, number: int) -> SessionTime:
    for session in session_times(circle.season, circle.slot):
        if session.number == number:
            return session
    raise UnknownSession


def _write(
    circle: Circle,
    session: int,
    marks: Mapping[int, str],
    recorded_by: str,
    *,
    keep: tuple[str, ...] = (),
) -> None:
    """Set each person's mark; rows recorded by a role in `keep` stay as they are."""
    now = timezone.now()
    existing = {
        p.user_id: p
        for p in Presence.objects.select_for_update().filter(circle=circle, session=session)
    }
    for user_id, mark in marks.items():
        row = existing.get(user_id)
        if row is not None and row.recorded_by in keep:
            continue
        if mark == UNKNOWN:
            if row is not None:
                row.delete()
            continue
        Presence.objects.update_or_create(
            circle=circle,
            user_id=user_id,
            session=session,
            defaults={"came": mark == CAME, "recorded_by": recorded_by, "recorded_at": now},
        )


def _members(circle: Circle) -> set[int]:
    return set(Membership.objects.filter(circle=circle).values_list("user_id", flat=True))


def fill_sheet(circle: Circle, marks: Mapping[int, str], now: datetime.datetime) -> None:
    """A member ticks the sheet of the session that just happened, for everyone, once."""
    session = sheet_session(circle, now)
    if session is None:
        raise SheetClosed
    members = _members(circle)
    try:
        with transaction.atomic():
            PresenceSheet.objects.create(circle=circle, session=session.number, filled_at=now)
            _write(
                circle,
                session.number,
                {k: v for k, v in marks.items() if k in members},
                RecordedBy.MEMBER,
                keep=(RecordedBy.RELAY, RecordedBy.FACILITATOR),
            )
    except IntegrityError:  # another member filled it a moment before
        raise SheetClosed from None


def record_register(circle: Circle, session: int, marks: Mapping[int, str]) -> None:
    """A facilitator sets the register of one session (members of the circle only)."""
    _session(circle, session)
    members = _members(circle)
    with transaction.atomic():
        _write(
            circle,
            session,
            {k: v for k, v in marks.items() if k in members},
            RecordedBy.FACILITATOR,
        )


def record_for_person(person: Any, marks: Mapping[tuple[int, int], str]) -> None:
    """A relay sets their person's presence: {(circle id, session): mark}."""
    circles = {
        c.pk: c for c in Circle.objects.filter(memberships__user=person).select_related("season")
    }
    with transaction.atomic():
        for (circle_id, session), mark in marks.items():
            circle = circles.get(circle_id)
            if circle is None:
                continue
            _session(circle, session)
            _write(circle, session, {person.pk: mark}, RecordedBy.RELAY)


def marks_of(circle: Circle) -> dict[tuple[int, int], str]:
    """{(user id, session): mark} of a circle's register (for facilitators only)."""
    return {
        (p.user_id, p.session): CAME if p.came else ABSENT
        for p in Presence.objects.filter(circle=circle)
    }


def came_counts(circles: Any) -> dict[int, int]:
    """How many came to each session, over the given circles (anonymous counts)."""
    counts: dict[int, int] = {}
    for session in Presence.objects.filter(circle__in=circles, came=True).values_list(
        "session", flat=True
    ):
        counts[session] = counts.get(session, 0) + 1
    return counts


def presence_of(person: Any) -> dict[tuple[int, int], str]:
    """{(circle id, session): mark} of one person (for their relay only)."""
    return {
        (p.circle_id, p.session): CAME if p.came else ABSENT
        for p in Presence.objects.filter(user=person)
    }
