"""Answering a seat through a relay: confirming or declining for a person who asked to.

A person reached through their local contact (or simply not at ease online) may ask them
to answer a circle invitation or a seat at a themed meeting. The relay answers with the
same actions the person would use (`answer_invitation`, `confirm_seat`, `decline_seat`),
so a decline frees the seat and invites a replacement exactly as a decline of their own;
the answer records who gave it (`answered_by`). Once the person has taken over their
account they answer for themselves. See docs/reach.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien.circles.actions import answer_invitation
from tierslien.circles.models import Membership, MembershipStatus, SeasonState
from tierslien.gatherings.meetings.seats.waitlist import confirm_seat, decline_seat
from tierslien.gatherings.models import Application, ApplicationStatus, MeetingState
from tierslien.lib.refusals import Refused
from tierslien.relays.models import Registered

CONFIRM = "confirm"
DECLINE = "decline"
CIRCLE = "circle"
MEETING = "meeting"


class TakenOver(Refused):
    message = _("This person has taken over their account: they answer for themselves now.")


class NothingToAnswer(Refused):
    message = _("There is nothing to answer here any more: the page shows what is left.")


@dataclass(frozen=True)
class Pending:
    invitations: list[Membership]
    seats: list[Application]

    def __bool__(self) -> bool:
        return bool(self.invitations or self.seats)


def _invitations(registered: Registered) -> Any:
    return Membership.objects.filter(
        user_id=registered.person_id,
        status=MembershipStatus.INVITED,
        circle__season__territory_id=registered.territory_id,
        circle__season__state__in=(SeasonState.PUBLISHED, SeasonState.RUNNING),
    )


def _seats(registered: Registered) -> Any:
    now = timezone.now()
    return Application.objects.filter(
        Q(confirm_by__isnull=True) | Q(confirm_by__gte=now),
        user_id=registered.person_id,
        status=ApplicationStatus.SELECTED,
        meeting__territory_id=registered.territory_id,
        meeting__state=MeetingState.ALLOCATED,
        meeting__starts_at__gt=now,
    )


def pending(registered: Registered) -> Pending:
    """The person's invitations and seats waiting for an answer, in the relay's territory."""
    invitations = list(
        _invitations(registered)
        .select_related("circle", "circle__season", "circle__venue")
        .order_by("respond_by", "pk")
    )
    seats = list(
        _seats(registered).select_related("meeting", "meeting__venue").order_by("confirm_by", "pk")
    )
    return Pending(invitations, seats)


def answer_for(registered: Registered, relay: Any, *, kind: str, seat_id: int, answer: str) -> None:
    """Answer one invitation or seat of `registered`'s person, on their behalf."""
    if registered.taken_over_at is not None:
        raise TakenOver
    if answer not in (CONFIRM, DECLINE):
        raise NothingToAnswer
    if kind == CIRCLE:
        membership = _invitations(registered).filter(pk=seat_id).first()
        if membership is None:
            raise NothingToAnswer
        answer_invitation(membership, answer, answered_by=relay)
    elif kind == MEETING:
        application = _seats(registered).select_related("meeting").filter(pk=seat_id).first()
        if application is None:
            raise NothingToAnswer
        if answer == CONFIRM:
            confirm_seat(application, answered_by=relay)
        else:
            decline_seat(application, answered_by=relay)
    else:
        raise NothingToAnswer
