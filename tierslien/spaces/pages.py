"""What each page of a circle's space shows, each in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Prefetch
from django.utils import timezone

from tierslien.circles.models import Circle, Membership
from tierslien.circles.schedule import SessionTime, session_times
from tierslien.spaces.models import AidOffer, AidPost, Answer, Attendance, Introduction, Message


@dataclass
class Member:
    user: Any
    intro: str = ""


@dataclass
class SessionRow:
    time: SessionTime
    past: bool
    mine: str = ""  # my answer, "" if none
    coming: list[str] = field(default_factory=list)
    not_coming: list[str] = field(default_factory=list)


def members(circle: Circle) -> list[Member]:
    """The circle's members by display name, with the introduction each shares (2 queries)."""
    intros = dict(Introduction.objects.filter(circle=circle).values_list("user_id", "text"))
    rows = Membership.objects.filter(circle=circle).select_related("user")
    people = [Member(user=m.user, intro=intros.get(m.user_id, "")) for m in rows]
    return sorted(people, key=lambda m: (m.user.display_name.casefold(), m.user.pk))


def sessions(circle: Circle, user: Any, now: datetime.datetime | None = None) -> list[SessionRow]:
    """Every session with my answer and others' answers as names (1 query)."""
    now = now or timezone.now()
    rows = {
        t.number: SessionRow(time=t, past=t.ends_at < now)
        for t in session_times(circle.season, circle.slot)
    }
    answers = Attendance.objects.filter(circle=circle).select_related("user")
    for attendance in answers.order_by("user__display_name", "pk"):
        row = rows.get(attendance.session)
        if row is None:
            continue
        if attendance.user_id == user.pk:
            row.mine = attendance.answer
        names = row.coming if attendance.answer == Answer.COMING else row.not_coming
        names.append(attendance.user.display_name)
    return list(rows.values())


def upcoming(circle: Circle, now: datetime.datetime | None = None) -> list[SessionTime]:
    now = now or timezone.now()
    return [t for t in session_times(circle.season, circle.slot) if t.ends_at >= now]


def board(circle: Circle) -> list[Message]:
    return list(Message.objects.filter(circle=circle).select_related("author"))


def aid_posts(circle: Circle) -> list[AidPost]:
    offers = AidOffer.objects.select_related("author")
    return list(
        AidPost.objects.filter(circle=circle)
        .select_related("author")
        .prefetch_related(Prefetch("offers", queryset=offers))
        .order_by(F("resolved_at").asc(nulls_first=True), "created_at", "pk")
    )
