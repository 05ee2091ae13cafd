"""Themed meetings: facilitators' pages, contributors' invitation page, public pages.

Thin views: parse -> access -> act -> respond.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.gatherings.meetings.core import contributors, feeds, pages, services
from tierslien.gatherings.meetings.core.access import (
    get_contributor,
    get_contributor_by_token,
    get_public_meeting,
    meeting_management,
)
from tierslien.gatherings.meetings.core.forms import ContributionForm, InviteForm, MeetingForm
from tierslien.gatherings.models import (
    ContributorStatus,
    Meeting,
    MeetingState,
)
from tierslien.lib.http import posted, tell_refusal
from tierslien.lib.refusals import Refused
from tierslien.territories.access import get_territory, is_facilitator, territory_management
from tierslien.territories.models import Territory


def _to_manage(meeting: Meeting) -> HttpResponse:
    return redirect("meeting_manage", meeting.territory.slug, meeting.pk)


# --- Public pages (no sign-in) -------------------------------------------------------------


@require_safe
def meeting_public_list(request: HttpRequest, territory_slug: str) -> HttpResponse:
    territory = get_territory(territory_slug)
    meetings = list(pages.upcoming_meetings(territory, timezone.now()))
    return render(
        request,
        "gatherings/meetings/public_list.html",
        {
            "territory": territory,
            "meetings": meetings,
            "is_facilitator": is_facilitator(request.user, territory),
        },
    )


@require_safe
def meeting_public(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    territory = get_territory(territory_slug)
    meeting = get_public_meeting(territory, meeting_id)
    return render(
        request,
        "gatherings/meetings/public_detail.html",
        {
            "territory": territory,
            "meeting": meeting,
            "contributors": pages.public_contributors(meeting),
            "criteria": list(meeting.criteria.all()),
            "states": MeetingState,
        },
    )


@require_safe
def meeting_calendar(request: HttpRequest, territory_slug: str) -> HttpResponse:
    """The territory's upcoming meetings as an iCalendar feed anyone may subscribe to."""
    territory = get_territory(territory_slug)
    now = timezone.now()
    body = feeds.calendar_text(pages.upcoming_meetings(territory, now), stamp=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{territory.slug}-meetings.ics"'
    return response


# --- A contributor's invitation (no account: the secret link) ------------------------------


@require_http_methods(["GET", "POST"])
def meeting_contribute(request: HttpRequest, territory_slug: str, token: str) -> HttpResponse:
    territory = get_territory(territory_slug)
    contributor = get_contributor_by_token(territory, token)
    meeting = contributor.meeting
    answering = contributors.can_answer(contributor)
    initial = {
        "answer": "accept",
        "title": contributor.title,
        "summary": contributor.summary,
        "format": contributor.format,
    }
    form = ContributionForm(posted(request) if answering else None, initial=initial)
    if request.method == "POST" and answering and form.is_valid():
        data = form.cleaned_data
        try:
            if data["answer"] == "accept":
                was_accepted = contributor.status == ContributorStatus.ACCEPTED
                contributors.accept(
                    contributor, title=data["title"], summary=data["summary"], format=data["format"]
                )
                messages.success(
                    request,
                    _("Your contribution was updated.")
                    if was_accepted
                    else _("Thank you! Your contribution now appears on the meeting's page."),
                )
            else:
                contributors.decline(contributor)
                messages.success(
                    request, _("Your answer was recorded. Thank you for letting us know.")
                )
        except Refused as refusal:
            tell_refusal(request, refusal)
        return redirect("meeting_contribute", territory.slug, token)
    response = render(
        request,
        "gatherings/meetings/contribute.html",
        {
            "territory": territory,
            "meeting": meeting,
            "contributor": contributor,
            "form": form,
            "answering": answering,
            "statuses": ContributorStatus,
            "states": MeetingState,
        },
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Facilitators ---------------------------------------------------------------------------


@require_safe
@territory_management
def meeting_manage_list(request: HttpRequest, territory: Territory) -> HttpResponse:
    return render(
        request,
        "gatherings/meetings/manage_list.html",
        {"territory": territory, "meetings": list(pages.managed_meetings(territory))},
    )


@require_http_methods(["GET", "POST"])
@territory_management
def meeting_create(request: HttpRequest, territory: Territory) -> HttpResponse:
    form = MeetingForm(posted(request), territory=territory)
    if request.method == "POST" and form.is_valid():
        meeting = services.create_meeting(territory, **form.values())
        messages.success(
            request, _("The meeting was created as a draft: invite contributors, then open it.")
        )
        return _to_manage(meeting)
    return render(
        request,
        "gatherings/meetings/meeting_form.html",
        {"territory": territory, "form": form, "meeting": None},
    )


@require_http_methods(["GET", "POST"])
@meeting_management
def meeting_edit(request: HttpRequest, territory: Territory, meeting: Meeting) -> HttpResponse:
    if meeting.state not in services.EDITABLE_STATES:
        messages.info(request, _("This meeting can no longer be edited."))
        return _to_manage(meeting)
    form = MeetingForm(
        posted(request),
        territory=territory,
        instance=meeting,
        rules_locked=services.rules_locked(meeting),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(meeting, **form.values())
        except Refused as refusal:
            tell_refusal(request, refusal)
        else:
            messages.success(request, _("The meeting was saved."))
        return _to_manage(meeting)
    return render(
        request,
        "gatherings/meetings/meeting_form.html",
        {"territory": territory, "form": form, "meeting": meeting},
    )


@require_safe
@meeting_management
def meeting_manage(request: HttpRequest, territory: Territory, meeting: Meeting) -> HttpResponse:
    people = list(meeting.contributors.all())
    accepted = sum(1 for c in people if c.status == ContributorStatus.ACCEPTED)
    return render(
        request,
        "gatherings/meetings/manage_detail.html",
        {
            "territory": territory,
            "meeting": meeting,
            "contributors": people,
            "accepted_count": accepted,
            "criteria": list(meeting.criteria.all()),
            "application_count": meeting.applications.count(),
            "editable": meeting.state in services.EDITABLE_STATES,
            "inviting": meeting.state in contributors.INVITING_STATES,
            "states": MeetingState,
            "statuses": ContributorStatus,
        },
    )


@require_POST
@meeting_management
def meeting_open(request: HttpRequest, territory: Territory, meeting: Meeting) -> HttpResponse:
    try:
        services.open_meeting(meeting)
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(request, _("The meeting is open: its page is public."))
        if not meeting.contributors.filter(status=ContributorStatus.ACCEPTED).exists():
            messages.warning(
                request,
                _("No contributor has accepted yet: the public page shows none for now."),
            )
    return _to_manage(meeting)


@require_POST
@meeting_management
def meeting_draft(request: HttpRequest, territory: Territory, meeting: Meeting) -> HttpResponse:
    try:
        services.back_to_draft(meeting)
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(request, _("The meeting is a draft again: its page is no longer public."))
    return _to_manage(meeting)


@require_POST
@meeting_management
def meeting_archive(request: HttpRequest, territory: Territory, meeting: Meeting) -> HttpResponse:
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm that the meeting is to be archived."))
        return _to_manage(meeting)
    try:
        services.archive_meeting(meeting)
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(
            request,
            _(
                "The meeting is archived: applications, table plan and contributors' addresses "
                "were erased."
            ),
        )
    return _to_manage(meeting)


@require_http_methods(["GET", "POST"])
@meeting_management
def contributor_invite(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    if meeting.state not in contributors.INVITING_STATES:
        messages.info(request, _("This meeting no longer takes invitations."))
        return _to_manage(meeting)
    form = InviteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            contributor = contributors.invite_contributor(meeting, **form.cleaned_data)
        except contributors.AlreadyInvited as refusal:
            form.add_error("email", refusal.sentence())
        except Refused as refusal:
            tell_refusal(request, refusal)
            return _to_manage(meeting)
        else:
            messages.success(
                request,
                _("%(name)s was invited by email.") % {"name": contributor.name},
            )
            return _to_manage(meeting)
    return render(
        request,
        "gatherings/meetings/invite_form.html",
        {"territory": territory, "meeting": meeting, "form": form},
    )


def _contributor_action(
    request: HttpRequest, meeting: Meeting, contributor_id: int, action: Any, done: str
) -> HttpResponse:
    contributor = get_contributor(meeting, contributor_id)
    try:
        action(contributor)
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(request, done % {"name": contributor.name})
    return _to_manage(meeting)


@require_POST
@meeting_management
def contributor_reinvite(
    request: HttpRequest, territory: Territory, meeting: Meeting, contributor_id: int
) -> HttpResponse:
    return _contributor_action(
        request,
        meeting,
        contributor_id,
        contributors.reinvite_contributor,
        _("%(name)s was sent a new link; the previous one no longer works."),
    )


@require_POST
@meeting_management
def contributor_withdraw(
    request: HttpRequest, territory: Territory, meeting: Meeting, contributor_id: int
) -> HttpResponse:
    return _contributor_action(
        request,
        meeting,
        contributor_id,
        contributors.withdraw_contributor,
        _("The invitation of %(name)s was withdrawn."),
    )
