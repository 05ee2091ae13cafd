"""The day of a themed meeting, for facilitators: parse -> access -> act -> respond."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.gatherings.meetings.core.access import meeting_management, names_from, names_visible
from tierslien.gatherings.meetings.day import pages, services
from tierslien.gatherings.meetings.day.forms import ComposeForm, DoorSearchForm, MarkForm, MoveForm
from tierslien.gatherings.models import Contributor, ContributorStatus, Meeting, MeetingState
from tierslien.gatherings.tables import timer_state
from tierslien.gatherings.tables.moves import check_move
from tierslien.lib.http import posted, tell_refusal
from tierslien.lib.refusals import Refused
from tierslien.territories.models import Territory


def _to_day(meeting: Meeting) -> HttpResponse:
    return redirect("meeting_day", meeting.territory.slug, meeting.pk)


def _names_not_yet(request: HttpRequest, meeting: Meeting) -> HttpResponse | None:
    """Pages that show applicants' names (the door, table cards, projection) open on the
    day only (`names_visible`); before, back to the day page with when they will."""
    if names_visible(meeting):
        return None
    messages.info(
        request,
        _(
            "Names of the people holding a seat are shown from %(when)s, for the door, "
            "while the seats are allocated."
        )
        % {"when": date_format(timezone.localtime(names_from(meeting)), "DATETIME_FORMAT")},
    )
    return _to_day(meeting)


def _rotation(meeting: Meeting, number: int) -> int:
    if not 1 <= number <= meeting.rotations:
        raise Http404
    return number


@require_safe
@meeting_management
def meeting_day(request: HttpRequest, territory: Territory, meeting: Meeting) -> HttpResponse:
    state = pages.day_state(meeting, with_reports=True)
    return render(
        request,
        "gatherings/meetings/day/day.html",
        {
            "territory": territory,
            "meeting": meeting,
            "day": state,
            "rotations": pages.rotation_numbers(meeting),
            "states": MeetingState,
            "more_rotations_than_tables": state.hosts and meeting.rotations > state.hosts,
        },
    )


@require_POST
@meeting_management
def meeting_day_compose(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    form = ComposeForm(request.POST)
    fresh = form.is_valid() and form.cleaned_data["fresh"]
    try:
        outcome = services.compose_table_plan(meeting, fresh=fresh)
    except Refused as refusal:
        tell_refusal(request, refusal)
        return _to_day(meeting)
    if outcome.fresh:
        messages.success(
            request,
            _(
                "Table plan composed: %(tables)d table(s), %(rotations)d rotation(s), "
                "%(repeats)d repeated encounter(s), %(revisits)d revisit(s)."
            )
            % {
                "tables": outcome.tables,
                "rotations": outcome.rotations,
                "repeats": outcome.repeats,
                "revisits": outcome.revisits,
            },
        )
    else:
        messages.success(
            request,
            _(
                "Plan updated: %(placed)d person(s) seated, %(removed)d seat(s) freed; "
                "nobody else changed table."
            )
            % {"placed": outcome.placed, "removed": outcome.removed},
        )
    if outcome.more_rotations_than_tables:
        messages.warning(
            request,
            _(
                "There are more rotations than tables: some people will come back to a "
                "contributor they already visited."
            ),
        )
    return _to_day(meeting)


def _rotation_page(
    request: HttpRequest, territory: Territory, meeting: Meeting, number: int, template: str
) -> HttpResponse:
    number = _rotation(meeting, number)
    if (refused := _names_not_yet(request, meeting)) is not None:
        return refused
    return render(
        request,
        template,
        {
            "territory": territory,
            "meeting": meeting,
            "number": number,
            "tables": pages.rotation_tables(meeting, number),
            "previous_number": number - 1 if number > 1 else None,
            "next_number": number + 1 if number < meeting.rotations else None,
            "timer": timer_state(
                meeting.current_rotation == number, meeting.rotation_ends_at, timezone.now()
            ),
            "can_start": pages.day_open(meeting),
        },
    )


@require_safe
@meeting_management
def meeting_day_rotation(
    request: HttpRequest, territory: Territory, meeting: Meeting, number: int
) -> HttpResponse:
    """The plan of one rotation, to print: one card per table."""
    return _rotation_page(
        request, territory, meeting, number, "gatherings/meetings/day/rotation.html"
    )


@require_safe
@meeting_management
def meeting_day_projection(
    request: HttpRequest, territory: Territory, meeting: Meeting, number: int
) -> HttpResponse:
    """One rotation on the big screen, with its timer."""
    return _rotation_page(
        request, territory, meeting, number, "gatherings/meetings/day/projection.html"
    )


@require_POST
@meeting_management
def meeting_day_rotation_start(
    request: HttpRequest, territory: Territory, meeting: Meeting, number: int
) -> HttpResponse:
    number = _rotation(meeting, number)
    try:
        services.start_rotation(meeting, number)
    except Refused as refusal:
        tell_refusal(request, refusal)
        return _to_day(meeting)
    return redirect("meeting_day_projection", territory.slug, meeting.pk, number)


@require_http_methods(["GET", "HEAD", "POST"])
@meeting_management
def meeting_day_move(
    request: HttpRequest, territory: Territory, meeting: Meeting, number: int
) -> HttpResponse:
    """Move one person to another table in one rotation: the rules are checked and told
    in words first; soft ones (repeat, revisit) may be waived, hard ones refuse."""
    number = _rotation(meeting, number)
    if (refused := _names_not_yet(request, meeting)) is not None:
        return refused
    if not pages.day_open(meeting):
        tell_refusal(request, services.NotAllocated())
        return _to_day(meeting)
    here = reverse("meeting_day_move", args=[territory.slug, meeting.pk, number])
    plan, _hosts, _held = pages.stored_plan(meeting)
    names = pages.seated_names(meeting)
    hosts = pages.rotation_hosts(meeting, number)
    host_by_table = {table: name for _pk, name, table in hosts}
    rotation = plan[number - 1]
    people = [
        (f"a{pk}", _("%(name)s (table %(table)d)") % {"name": names.get(pk, "?"), "table": t})
        for pk, t in sorted(rotation.items(), key=lambda item: names.get(item[0], "").casefold())
    ] + [
        (f"c{pk}", _("%(name)s (hosts table %(table)d)") % {"name": name, "table": table})
        for pk, name, table in hosts
    ]
    tables = [
        (table, _("Table %(table)d (%(host)s)") % {"table": table, "host": name})
        for table, name in sorted(host_by_table.items())
    ]
    form = MoveForm(
        posted(request),
        people=people,
        tables=tables,
        initial={"plan": pages.current_digest(meeting)},
    )
    words: list[str] = []
    hard = False
    if request.method == "POST" and form.is_valid():
        person, table = form.cleaned_data["person"], form.cleaned_data["table"]
        if form.cleaned_data["plan"] != pages.current_digest(meeting):
            tell_refusal(request, services.PlanChangedMeanwhile())
            return redirect(here)
        if person.startswith("c"):
            name, own = next((n, t) for pk, n, t in hosts if f"c{pk}" == person)
            words, hard = [services.ContributorStays(name=name, table=own).sentence()], True
        else:
            pk = int(person[1:])
            findings = check_move(plan, pk, number, table, len(host_by_table))
            words = [
                pages.move_sentence(
                    f, person=names.get(pk, "?"), table=table, names=names, hosts=host_by_table
                )
                for f in findings
            ]
            hard = any(f.hard for f in findings)
            if not hard and (not findings or form.cleaned_data["confirm"]):
                try:
                    services.move_citizen(
                        meeting, pk, number, table, digest=form.cleaned_data["plan"],
                        accept_soft=True,
                    )  # fmt: skip
                except Refused as refusal:
                    tell_refusal(request, refusal)
                    return redirect(here)
                messages.success(
                    request,
                    _("%(person)s now sits at table %(table)d in rotation %(number)d.")
                    % {"person": names.get(pk, "?"), "table": table, "number": number},
                )
                return redirect("meeting_day_rotation", territory.slug, meeting.pk, number)
    return render(
        request,
        "gatherings/meetings/day/move.html",
        {
            "territory": territory,
            "meeting": meeting,
            "number": number,
            "form": form,
            "words": words,
            "hard": hard,
            "confirm": bool(words) and not hard,
            "planned": bool(rotation),
        },
    )


@require_safe
@meeting_management
def meeting_day_checkin(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    if (refused := _names_not_yet(request, meeting)) is not None:
        return refused
    search = DoorSearchForm(request.GET or None)
    words = search.search()
    applications = (
        pages.expected_citizens(meeting)
        .select_related("user")
        .only("pk", "checked_in_at", "user__display_name")
        .order_by("user__display_name", "pk")
    )
    hosts = Contributor.objects.filter(meeting=meeting, status=ContributorStatus.ACCEPTED).only(
        "pk", "name", "organisation", "checked_in_at"
    )
    for word in words.split():
        applications = applications.filter(user__display_name__icontains=word)
        hosts = hosts.filter(Q(name__icontains=word) | Q(organisation__icontains=word))
    state = pages.day_state(meeting)
    return render(
        request,
        "gatherings/meetings/day/checkin.html",
        {
            "territory": territory,
            "meeting": meeting,
            "search": search,
            "words": words,
            "applications": list(applications),
            "hosts": list(hosts.order_by("name", "pk")),
            "day": state,
            "open": pages.day_open(meeting),
        },
    )


@require_POST
@meeting_management
def meeting_day_checkin_mark(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    if (refused := _names_not_yet(request, meeting)) is not None:
        return refused
    form = MarkForm(request.POST, meeting=meeting)
    target = reverse("meeting_day_checkin", args=[territory.slug, meeting.pk])
    back = form.back_to()
    if back:
        target += "?" + urlencode({"q": back})
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(target)
    arrived = form.cleaned_data["arrived"]
    try:
        if form.cleaned_data["application"] is not None:
            person = form.cleaned_data["application"]
            services.mark_application(meeting, person.pk, arrived=arrived)
            name = person.user.display_name
            anchor = f"a{person.pk}"
        else:
            person = form.cleaned_data["contributor"]
            services.mark_contributor(meeting, person.pk, arrived=arrived)
            name = person.name
            anchor = f"c{person.pk}"
    except Refused as refusal:
        tell_refusal(request, refusal)
        return redirect(target)
    if arrived:
        messages.success(request, _("Welcome, %(name)s!") % {"name": name})
    else:
        messages.info(request, _("%(name)s is no longer marked as arrived.") % {"name": name})
    return redirect(f"{target}#{anchor}")


@require_POST
@meeting_management
def meeting_day_over(request: HttpRequest, territory: Territory, meeting: Meeting) -> HttpResponse:
    try:
        ended = services.end_meeting(meeting)
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(
            request,
            _("The meeting is over: %(count)d citizen(s) came. Thank you!")
            % {"count": ended.attended_count},
        )
    return _to_day(meeting)
