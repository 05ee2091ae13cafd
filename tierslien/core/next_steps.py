"""The account home's "what happens next": the seasons a person joined and the themed
meetings they applied to, each with its state, the next date and a plain next step.

Three queries whatever the number of seasons and meetings (registrations, seats,
applications), read once by the home page (a test holds the count).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tierslien.circles.models import Membership, MembershipStatus, Registration, SeasonState
from tierslien.circles.pages import first_session
from tierslien.gatherings.models import Application, ApplicationStatus, MeetingState

# Seasons still worth a line on the home page (a closed one has its feedback elsewhere).
SEASONS_SHOWN = (
    SeasonState.OPEN,
    SeasonState.COMPOSING,
    SeasonState.PROPOSED,
    SeasonState.PUBLISHED,
    SeasonState.RUNNING,
)
MEETINGS_SHOWN = (MeetingState.OPEN, MeetingState.ALLOCATED)


def on(value: datetime.date | datetime.datetime | None) -> str:
    """A date (or a local date and time) as the person's language writes it."""
    if value is None:
        return "?"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return date_format(value, "DATE_FORMAT")


@dataclass(frozen=True)
class Step:
    """One thing a person takes part in: what it is, where it stands, what comes next."""

    title: str
    territory: str
    state: str
    next_step: str
    url: str
    action: str = ""  # a button's words when the person has something to do


def season_steps(user: Any) -> list[Step]:
    registrations = list(
        Registration.objects.filter(user=user, season__state__in=SEASONS_SHOWN)
        .select_related("season", "season__territory")
        .order_by("season__first_week", "season_id")
    )
    seats = {
        membership.circle.season_id: membership
        for membership in Membership.objects.filter(
            user=user, circle__season__in=[r.season_id for r in registrations]
        ).select_related("circle")
    }
    return [_season_step(r, seats.get(r.season_id)) for r in registrations]


def _season_step(registration: Registration, seat: Membership | None) -> Step:
    season = registration.season
    territory = season.territory
    url = reverse("season_detail", args=[territory.slug, season.pk])
    step = Step(
        title=season.name,
        territory=territory.name,
        state=str(season.get_state_display()),
        next_step="",
        url=url,
    )
    if season.state == SeasonState.OPEN:
        return _with(
            step,
            _(
                "Registration closes on %(date)s; then the circles are composed and your "
                "invitation comes by email."
            )
            % {"date": on(season.registration_closes)},
        )
    if season.state in (SeasonState.COMPOSING, SeasonState.PROPOSED):
        return _with(
            step,
            _(
                "Registration is closed and the circles are being composed: your invitation "
                "comes by email. The first meetings are in the week of %(date)s."
            )
            % {"date": on(season.first_week)},
        )
    if seat is None:
        return _with(
            step,
            _(
                "No seat for you yet: if one frees up or a facilitator can add one, it is "
                "offered to you by email."
            ),
        )
    circle_url = reverse("circle_home", args=[seat.circle_id])
    if seat.status == MembershipStatus.INVITED:
        invitation = reverse("circle_invitation", args=[territory.slug, seat.circle_id])
        return Step(
            title=season.name,
            territory=territory.name,
            state=step.state,
            next_step=_("You have a seat in a circle: confirm or decline it before %(date)s.")
            % {"date": on(seat.respond_by)},
            url=invitation,
            action=_("Confirm or decline my seat"),
        )
    if season.state == SeasonState.PUBLISHED:
        return Step(
            title=season.name,
            territory=territory.name,
            state=step.state,
            next_step=_("Your seat is confirmed: your circle first meets on %(date)s.")
            % {"date": on(first_session(season, seat.circle.slot) or season.first_week)},
            url=circle_url,
        )
    return Step(
        title=season.name,
        territory=territory.name,
        state=step.state,
        next_step=_("Your circle is meeting: sessions, attendance and the board are in its space."),
        url=circle_url,
    )


def _with(step: Step, next_step: str) -> Step:
    return Step(step.title, step.territory, step.state, next_step, step.url, step.action)


def meeting_steps(user: Any) -> list[Step]:
    applications = (
        Application.objects.filter(user=user, meeting__state__in=MEETINGS_SHOWN)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .select_related("meeting", "meeting__territory")
        .order_by("meeting__starts_at", "pk")
    )
    return [_meeting_step(application) for application in applications]


def _meeting_step(application: Application) -> Step:
    meeting = application.meeting
    territory = meeting.territory
    url = reverse("meeting_my_seat", args=[territory.slug, meeting.pk])
    status = application.status
    action = ""
    if status == ApplicationStatus.APPLIED:
        if meeting.state == MeetingState.OPEN:
            text = _(
                "Applications close on %(date)s; then the seats are drawn by lot, in public, "
                "and you hear by email either way."
            ) % {"date": on(meeting.registration_closes)}
        else:
            text = _("The seats are drawn: your answer comes by email.")
    elif status == ApplicationStatus.SELECTED:
        text = _(
            "You were drawn: confirm your seat before %(date)s, or it goes to the next person."
        ) % {"date": on(application.confirm_by)}
        action = _("Confirm or decline my seat")
    elif status == ApplicationStatus.CONFIRMED:
        text = _("Your seat is confirmed: see you on %(date)s.") % {"date": on(meeting.starts_at)}
    elif status == ApplicationStatus.WAITLISTED:
        text = _(
            "You are number %(place)s on the waiting list: if a seat frees up, you get an email."
        ) % {"place": application.waitlist_rank or "?"}
    else:
        text = _("You have no seat at this meeting.")
    return Step(
        title=meeting.theme,
        territory=territory.name,
        state=str(application.get_status_display()),
        next_step=text,
        url=url,
        action=action,
    )
