"""Presence registers: a member's sheet, a facilitator's register, a relay's person.

parse → access → act → respond. Members tick the sheet of the session that just happened
and read "recorded, thank you": they never see the register, neither afterwards.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tierslien.circles.access import VISIBLE_TO_MEMBERS, get_season, get_season_circle
from tierslien.circles.models import Circle
from tierslien.circles.schedule import session_times
from tierslien.gatherings.evenings.access import get_evening
from tierslien.gatherings.models import Attendee
from tierslien.lib.http import posted, tell_refusal
from tierslien.lib.refusals import Refused
from tierslien.outreach.turnout_evenings import mark_attendees
from tierslien.relays.access import get_registered, relay_area
from tierslien.spaces import pages, turnout
from tierslien.spaces.access import member_space
from tierslien.territories.access import territory_management
from tierslien.territories.models import Territory


class RegisterForm(forms.Form):
    """One choice (came / did not come / not known) per line of a register."""

    def __init__(
        self,
        data: Any,
        lines: list[tuple[str, str]],
        initial: dict[str, str],
        choices: Any = turnout.CHOICES,
    ) -> None:
        super().__init__(data, initial=initial)
        for name, label in lines:
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                initial=turnout.UNKNOWN,
                required=False,  # a line left out changes nothing
                widget=forms.RadioSelect,
            )

    def marks(self, prefix: str) -> dict[tuple[int, int], str]:
        """{(first id, second id): mark} from fields named "<prefix>-<a>-<b>"."""
        out = {}
        for name, value in self.cleaned_data.items():
            head, first, second = name.split("-")
            if head == prefix and value:
                out[(int(first), int(second))] = value
        return out


# --- A member of the circle ---


@require_http_methods(["GET", "POST"])
@member_space()
def circle_presence(request: HttpRequest, circle: Circle) -> HttpResponse:
    now = timezone.now()
    session = turnout.sheet_session(circle, now)
    members = pages.members(circle)
    lines = [(f"m-{m.user.pk}-0", m.user.display_name) for m in members]
    form = RegisterForm(posted(request), lines, {}) if session else None
    if request.method == "POST" and form is not None and form.is_valid():
        marks = {user_id: mark for (user_id, _zero), mark in form.marks("m").items()}
        try:
            turnout.fill_sheet(circle, marks, now)
        except Refused as refusal:
            tell_refusal(request, refusal)
        else:
            messages.success(request, _("Recorded, thank you."))
        return redirect("circle_presence", circle.pk)
    return render(
        request,
        "outreach/turnout/circle_presence.html",
        {"circle": circle, "session": session, "form": form, "section": "sessions"},
    )


# --- A facilitator ---


@require_http_methods(["GET", "POST"])
@territory_management
def manage_circle_presence(
    request: HttpRequest, territory: Territory, season_id: int, circle_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    circle = get_season_circle(season, circle_id)
    members = pages.members(circle)
    sessions = session_times(season, circle.slot)
    current = turnout.marks_of(circle)
    lines, initial = [], {}
    for session in sessions:
        for member in members:
            name = f"p-{member.user.pk}-{session.number}"
            lines.append((name, member.user.display_name))
            initial[name] = current.get((member.user.pk, session.number), turnout.UNKNOWN)
    form = RegisterForm(posted(request), lines, initial)
    if request.method == "POST" and form.is_valid():
        by_session: dict[int, dict[int, str]] = {}
        for (user_id, number), mark in form.marks("p").items():
            by_session.setdefault(number, {})[user_id] = mark
        try:
            for number, marks in sorted(by_session.items()):
                turnout.record_register(circle, number, marks)
        except Refused as refusal:
            tell_refusal(request, refusal)
        else:
            messages.success(request, _("The register was saved."))
        return redirect("manage_circle_presence", territory.slug, season.pk, circle.pk)
    table = [
        (session, [form[f"p-{m.user.pk}-{session.number}"] for m in members])
        for session in sessions
    ]
    return render(
        request,
        "outreach/turnout/manage_circle_presence.html",
        {"territory": territory, "season": season, "circle": circle, "table": table, "form": form},
    )


# --- A relay, for a person they registered ---


@require_http_methods(["GET", "POST"])
@relay_area
def relay_person_presence(
    request: HttpRequest, territory: Territory, person_id: int
) -> HttpResponse:
    registered = get_registered(request.user, territory, person_id)
    person = registered.person
    now = timezone.now()
    circles = list(
        Circle.objects.filter(
            memberships__user=person,
            season__territory=territory,
            season__state__in=VISIBLE_TO_MEMBERS,
        )
        .select_related("season", "venue")
        .order_by("season__first_week", "number")
    )
    current = turnout.presence_of(person)
    lines, initial, rows = [], {}, []
    for circle in circles:
        for session in session_times(circle.season, circle.slot):
            if session.starts_at > now:
                continue
            name = f"p-{circle.pk}-{session.number}"
            label = _("%(season)s, session %(number)d") % {
                "season": circle.season.name,
                "number": session.number,
            }
            lines.append((name, label))
            initial[name] = current.get((circle.pk, session.number), turnout.UNKNOWN)
            rows.append((session, name))
    form = RegisterForm(posted(request), lines, initial)
    if request.method == "POST" and form.is_valid():
        try:
            turnout.record_for_person(person, form.marks("p"))
        except Refused as refusal:
            tell_refusal(request, refusal)
        else:
            messages.success(request, _("Saved."))
        return redirect("relay_person_presence", territory.slug, person.pk)
    return render(
        request,
        "outreach/turnout/relay_person_presence.html",
        {
            "territory": territory,
            "person": person,
            "fields": [form[name] for _session, name in rows],
            "form": form,
        },
    )


# --- A facilitator, after an evening ---


@require_http_methods(["GET", "POST"])
@territory_management
def manage_evening_presence(
    request: HttpRequest, territory: Territory, evening_id: int
) -> HttpResponse:
    evening = get_evening(territory, evening_id)
    attendees = list(Attendee.objects.filter(evening=evening).order_by("first_name", "pk"))
    lines = [(f"a-{a.pk}-0", a.first_name) for a in attendees]
    initial = {f"a-{a.pk}-0": turnout.CAME if a.came else turnout.ABSENT for a in attendees}
    form = RegisterForm(posted(request), lines, initial, choices=turnout.CHOICES[1:])
    if request.method == "POST" and form.is_valid():
        marks = {pk: mark == turnout.CAME for (pk, _zero), mark in form.marks("a").items()}
        mark_attendees(evening, marks)
        messages.success(request, _("The register was saved."))
        return redirect("manage_evening_presence", territory.slug, evening.pk)
    return render(
        request,
        "outreach/turnout/manage_evening_presence.html",
        {"territory": territory, "evening": evening, "form": form},
    )
