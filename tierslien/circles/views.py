from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.circles import actions, lifecycle
from tierslien.circles.access import (
    ANSWERABLE,
    get_own_membership,
    get_own_registration,
    get_season,
    get_season_circle,
)
from tierslien.circles.forms import (
    AnswerForm,
    JoinForm,
    LatePlaceForm,
    LockForm,
    MeetingLinkForm,
    MoveForm,
    PlaceForm,
    SeasonForm,
    SwapForm,
)
from tierslien.circles.models import Circle, JobState, Membership, Season, SeasonState, Unplaced
from tierslien.circles.pages import (
    build_proposal,
    circles_answers,
    failure_text,
    season_names,
    seasons_with_counts,
    waiting_people,
)
from tierslien.circles.schedule import session_times
from tierslien.circles.together import together
from tierslien.lib import jobs
from tierslien.lib.http import posted, tell_refusal
from tierslien.lib.refusals import Refused
from tierslien.outbox import services as outbox
from tierslien.outbox import views as outbox_views
from tierslien.territories.access import get_territory, territory_management
from tierslien.territories.display import slot_label
from tierslien.territories.models import Territory
from tierslien.territories.services import wants_season_alert


def _season_home(territory: Territory, season: Season) -> HttpResponse:
    """Where a facilitator goes to follow a season, depending on its state."""
    if season.state == SeasonState.COMPOSING:
        return redirect("manage_season_progress", territory.slug, season.pk)
    if season.state == SeasonState.PROPOSED:
        return redirect("manage_season_proposal", territory.slug, season.pk)
    if season.state in (SeasonState.PUBLISHED, SeasonState.RUNNING, SeasonState.CLOSED):
        return redirect("manage_season_circles", territory.slug, season.pk)
    return redirect("manage_season_list", territory.slug)


def _season_action(
    request: HttpRequest,
    territory: Territory,
    season_id: int,
    action: Callable[[Season], Season],
    done: str,
    *,
    then: str | None = None,
) -> HttpResponse:
    """One action on a season: its refusal and the season's page, or `done` and the
    season's page in its new state (or the page named `then`)."""
    season = get_season(territory, season_id)
    try:
        season = action(season)
    except Refused as refusal:
        tell_refusal(request, refusal)
        return _season_home(territory, season)
    messages.success(request, done)
    return redirect(then, territory.slug) if then else _season_home(territory, season)


# --- Facilitators ---


@require_safe
@territory_management
def manage_season_list(request: HttpRequest, territory: Territory) -> HttpResponse:
    seasons = seasons_with_counts(territory.seasons.all())
    return render(
        request,
        "circles/manage/season_list.html",
        {"territory": territory, "seasons": seasons},
    )


@require_http_methods(["GET", "POST"])
@territory_management
def manage_season_create(request: HttpRequest, territory: Territory) -> HttpResponse:
    form = SeasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        season = actions.create_season(territory, **form.values())
        messages.success(request, _("The season “%(name)s” was created.") % {"name": season})
        return redirect("manage_season_list", territory.slug)
    return render(
        request, "circles/manage/season_form.html", {"territory": territory, "form": form}
    )


@require_http_methods(["GET", "POST"])
@territory_management
def manage_season_edit(request: HttpRequest, territory: Territory, season_id: int) -> HttpResponse:
    season = get_season(territory, season_id)
    if not season.is_open:
        messages.info(request, _("A season can be changed only while registration is open."))
        return _season_home(territory, season)
    form = SeasonForm(posted(request), instance=season)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_season(season, **form.values())
        except Refused as refusal:
            tell_refusal(request, refusal)
        else:
            messages.success(request, _("The season “%(name)s” was saved.") % {"name": season})
        return redirect("manage_season_list", territory.slug)
    return render(
        request,
        "circles/manage/season_form.html",
        {"territory": territory, "form": form, "season": season},
    )


@require_POST
@territory_management
def manage_season_compose(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    try:
        season = actions.start_composition(season)
    except actions.TooFewPeople as refusal:  # registration stays open: back to the list
        tell_refusal(request, refusal)
        return redirect("manage_season_list", territory.slug)
    except Refused as refusal:
        tell_refusal(request, refusal)
        return _season_home(territory, season)
    messages.success(request, _("Registration is closed and the circles are being composed."))
    return _season_home(territory, season)


@require_POST
@territory_management
def manage_season_cancel(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    return _season_action(
        request,
        territory,
        season_id,
        actions.cancel_composition,
        _("The composition was stopped and registration is open again."),
        then="manage_season_list",
    )


@require_POST
@territory_management
def manage_season_retry(request: HttpRequest, territory: Territory, season_id: int) -> HttpResponse:
    season = get_season(territory, season_id)
    try:
        actions.retry_composition(season)
    except actions.JobAlive as alive:  # not an error: it is working
        messages.info(request, alive.sentence())
        return redirect("manage_season_progress", territory.slug, season.pk)
    except Refused as refusal:
        tell_refusal(request, refusal)
        return _season_home(territory, season)
    messages.success(request, _("The composition was started again."))
    return redirect("manage_season_progress", territory.slug, season.pk)


@require_safe
@territory_management
def manage_season_progress(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    if actions.recover_stalled_jobs(season_id=season.pk):  # its worker died: noticed now
        season = get_season(territory, season_id)
    if _composed(season):  # done: straight to the proposal (the page refreshes itself here)
        return redirect("manage_season_proposal", territory.slug, season.pk)
    return render(
        request,
        "circles/manage/season_progress.html",
        {
            "territory": territory,
            "season": season,
            "composing": season.state == SeasonState.COMPOSING,
            "retryable": season.state == SeasonState.COMPOSING
            and jobs.policy.retryable(season.job_state, season.job_heartbeat_at, timezone.now()),
            "percent": round(100 * season.job_progress),
            "seconds": max(1, round(settings.COMPOSE_TIME_LIMIT)),
            "failure": failure_text(season.job_error) if season.job_error else None,
        },
    )


def _composed(season: Season) -> bool:
    """A proposal that the last composition made (not one kept after a failed recomposition,
    whose failure the progress page explains)."""
    return season.state == SeasonState.PROPOSED and season.job_state != JobState.FAILED


@require_safe
@territory_management
def manage_season_progress_json(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    proposal = reverse("manage_season_proposal", args=[territory.slug, season.pk])
    return JsonResponse(
        {
            "state": season.state,
            "job": season.job_state,
            "progress": round(season.job_progress, 3),
            "next": proposal if _composed(season) else None,
        }
    )


@require_safe
@territory_management
def manage_season_proposal(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    if season.state != SeasonState.PROPOSED:
        return _season_home(territory, season)
    problems = actions.load(season).problems()
    proposal = build_proposal(season, problems)
    changed = {part for part in request.GET.get("changed", "").split(",") if part.isdigit()}
    edit = request.GET.get("edit", "")
    at = request.GET.get("at", "")
    # The result of a change shows where the page opens (by the circle, or by the people
    # not placed), not at the top of a long page: taken from the header's list here.
    by: int | str | None = int(at) if at.isdigit() else at if at == UNPLACED_ANCHOR else None
    if by not in {view.circle.pk for view in proposal.circles} | {UNPLACED_ANCHOR}:
        by = None
    notes = list(messages.get_messages(request)) if by is not None else []
    return render(
        request,
        "circles/manage/season_proposal.html",
        {
            **({"messages": []} if by is not None else {}),
            "notes_at": by,
            "notes": notes,
            "editing": int(edit) if edit.isdigit() else None,
            "territory": territory,
            "season": season,
            "proposal": proposal,
            "season_problems": problems.get(0, []),
            "changed": {int(part) for part in changed},
            "all_circles": [(view.circle.pk, view.circle.number) for view in proposal.circles],
            "open_seats": [
                (pk, name, view.circle.number, view.circle.pk)
                for view in proposal.circles
                if not view.circle.locked
                for pk, name in view.seats
            ],
        },
    )


UNPLACED_ANCHOR = "unplaced"


def _back_to_proposal(
    territory: Territory, season: Season, *circles: Circle, changed: bool = True
) -> HttpResponse:
    """The proposal again, scrolled to the first circle, where the result's message shows
    (`at`); the circles marked "just changed" only when they did change. Without a circle
    (a seat refused to someone unplaced), the message shows by the people not placed."""
    target = reverse("manage_season_proposal", args=[territory.slug, season.pk])
    if not circles:
        return redirect(f"{target}?at={UNPLACED_ANCHOR}#{UNPLACED_ANCHOR}")
    marks = f"changed={','.join(str(circle.pk) for circle in circles)}&" if changed else ""
    return redirect(f"{target}?{marks}at={circles[0].pk}#circle-{circles[0].number}")


def _review_change(
    request: HttpRequest,
    territory: Territory,
    season: Season,
    form: Any,
    change: Callable[[dict[str, Any]], tuple[Circle, ...]],
    *,
    invalid: str,
    done: str,
    shown: tuple[Circle, ...] = (),
) -> HttpResponse:
    """A change to a proposal from a posted form: refused with its sentence (the circles
    `shown` highlighted), or done and the circles it returns highlighted."""
    if not form.is_valid():
        messages.error(request, invalid)
        return _back_to_proposal(territory, season, *shown, changed=False)
    try:
        changed = change(form.cleaned_data)
    except Refused as refusal:
        tell_refusal(request, refusal)
        return _back_to_proposal(territory, season, *shown, changed=False)
    messages.success(request, done)
    return _back_to_proposal(territory, season, *changed)


def _season_seats(season: Season, circle: Circle) -> tuple[list[Any], list[Any], list[Any]]:
    """(this circle's seats, other circles, other circles' seats) as form choices."""
    members = Membership.objects.filter(circle__season=season).select_related("user", "circle")
    own = [(m.pk, m.user.display_name) for m in members if m.circle_id == circle.pk]
    others = [(m.pk, m.user.display_name) for m in members if m.circle_id != circle.pk]
    circles = [(c.pk, c.number) for c in Circle.objects.filter(season=season).exclude(pk=circle.pk)]
    return own, circles, others


@require_POST
@territory_management
def manage_circle_move(
    request: HttpRequest, territory: Territory, season_id: int, circle_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    circle = get_season_circle(season, circle_id)
    own, circles, _others = _season_seats(season, circle)
    form = MoveForm(request.POST, members=own, circles=circles, prefix=f"move{circle.pk}")

    def move(data: dict[str, Any]) -> tuple[Circle, ...]:
        target = actions.move_member(season, data["member"], data["to_circle"], force=data["force"])
        return target, circle

    return _review_change(
        request,
        territory,
        season,
        form,
        move,
        invalid=_("Choose a person and a circle."),
        done=_("The person was moved; both circles were checked again."),
        shown=(circle,),
    )


@require_POST
@territory_management
def manage_circle_swap(
    request: HttpRequest, territory: Territory, season_id: int, circle_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    circle = get_season_circle(season, circle_id)
    own, _circles, others = _season_seats(season, circle)
    form = SwapForm(request.POST, members=own, others=others, prefix=f"swap{circle.pk}")

    def swap(data: dict[str, Any]) -> tuple[Circle, ...]:
        return actions.swap_members(season, data["member"], data["other"], force=data["force"])

    return _review_change(
        request,
        territory,
        season,
        form,
        swap,
        invalid=_("Choose two people of different circles."),
        done=_("The two people were swapped; both circles were checked again."),
        shown=(circle,),
    )


@require_POST
@territory_management
def manage_season_place(request: HttpRequest, territory: Territory, season_id: int) -> HttpResponse:
    season = get_season(territory, season_id)
    people = [
        (user_id, name)
        for user_id, name in Unplaced.objects.filter(season=season).values_list(
            "user_id", "user__display_name"
        )
    ]
    circles = [(c.pk, c.number) for c in Circle.objects.filter(season=season)]
    form = PlaceForm(request.POST, people=people, circles=circles, prefix="place")

    def place(data: dict[str, Any]) -> tuple[Circle, ...]:
        target = actions.place_person(
            season, data["person"], data["to_circle"], force=data["force"]
        )
        return (target,)

    return _review_change(
        request,
        territory,
        season,
        form,
        place,
        invalid=_("Choose a person and a circle."),
        done=_("The person has a seat; the circle was checked again."),
    )


@require_POST
@territory_management
def manage_circle_lock(
    request: HttpRequest, territory: Territory, season_id: int, circle_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    circle = get_season_circle(season, circle_id)
    form = LockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to lock or to unlock the circle."))
        return _back_to_proposal(territory, season, circle, changed=False)
    try:
        circle = actions.set_locked(season, circle.pk, bool(form.cleaned_data["locked"]))
    except Refused as refusal:
        tell_refusal(request, refusal)
        return _back_to_proposal(territory, season, circle, changed=False)
    if circle.locked:
        messages.success(request, _("The circle is locked: recomposing will keep it as it is."))
    else:
        messages.success(request, _("The circle is unlocked."))
    return _back_to_proposal(territory, season, circle)


@require_POST
@territory_management
def manage_season_recompose(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    return _season_action(
        request,
        territory,
        season_id,
        actions.start_recomposition,
        _("The circles you did not lock are being composed again."),
    )


@require_POST
@territory_management
def manage_season_complete(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    return _season_action(
        request,
        territory,
        season_id,
        actions.start_completion,
        _("The people left out are being placed; every circle stays as it is."),
    )


@require_safe
@territory_management
def manage_season_publish_confirm(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    """Before publishing: how many invitations, by which channel, and one as it will leave."""
    season = get_season(territory, season_id)
    if not lifecycle.can_transition(season.state, SeasonState.PUBLISHED):
        tell_refusal(request, actions.CannotPublish())
        return _season_home(territory, season)
    preview = actions.preview_publication(season)
    return render(
        request,
        "circles/manage/season_publish.html",
        {"territory": territory, "season": season, "preview": preview},
    )


@require_POST
@territory_management
def manage_season_publish(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    return _season_action(
        request,
        territory,
        season_id,
        actions.publish_season,
        _("The circles are published: every member was sent an invitation."),
    )


@require_safe
@territory_management
def manage_season_circles(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    if season.state not in (SeasonState.PUBLISHED, SeasonState.RUNNING, SeasonState.CLOSED):
        return _season_home(territory, season)
    placeable = season.state in lifecycle.PLACEABLE
    names = season_names(season)
    return render(
        request,
        "circles/manage/season_circles.html",
        {
            "territory": territory,
            "season": season,
            "circles": circles_answers(season, names),
            "waiting": waiting_people(season, names) if placeable else [],
            "placeable": placeable,
            "late_open": actions.late_registration_is_open(season),
            "messages_sent": outbox.counts(actions.topic(season.pk)),
        },
    )


@require_POST
@territory_management
def manage_season_resend(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    outbox_views.resend_failed(request, actions.topic(season.pk))
    return redirect("manage_season_circles", territory.slug, season.pk)


def _to_circles(territory: Territory, season: Season, circle: Circle | None = None) -> HttpResponse:
    target = reverse("manage_season_circles", args=[territory.slug, season.pk])
    if circle is not None:
        target += f"#circle-{circle.number}"
    return redirect(target)


@require_POST
@territory_management
def manage_season_place_late(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    people = [(w.user_id, w.name) for w in waiting_people(season)]
    circles = [(c.pk, c.number) for c in Circle.objects.filter(season=season)]
    form = LatePlaceForm(request.POST, people=people, circles=circles, prefix="late")
    if not form.is_valid():
        messages.error(request, _("Choose a person waiting for a seat."))
        return _to_circles(territory, season)
    try:
        circle = actions.place_waiting(
            season, form.cleaned_data["person"], to_circle_id=form.cleaned_data["to_circle"]
        )
    except Refused as refusal:
        tell_refusal(request, refusal)
        return _to_circles(territory, season)
    messages.success(
        request,
        _("The person was offered a seat in circle %(number)s and sent an invitation.")
        % {"number": circle.number},
    )
    return _to_circles(territory, season, circle)


@require_POST
@territory_management
def manage_circle_link(
    request: HttpRequest, territory: Territory, season_id: int, circle_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    circle = get_season_circle(season, circle_id)
    form = MeetingLinkForm(request.POST, prefix=f"link{circle.pk}")
    if form.add_prefix("link") not in request.POST:  # an empty form must not erase the link
        messages.error(request, _("Nothing was changed: enter the meeting link."))
        return _season_home(territory, season)
    if not form.is_valid():
        messages.error(
            request, _("Nothing was changed: %(error)s") % {"error": " ".join(form.errors["link"])}
        )
        return _season_home(territory, season)
    try:
        actions.set_meeting_link(season, circle.pk, form.cleaned_data["link"])
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(
            request, _("The meeting link was saved; the members see it in their circle's space.")
        )
    return _season_home(territory, season)


@require_POST
@territory_management
def manage_season_start(request: HttpRequest, territory: Territory, season_id: int) -> HttpResponse:
    return _season_action(
        request,
        territory,
        season_id,
        actions.start_season,
        _("The season has started: the circles are meeting."),
    )


@require_POST
@territory_management
def manage_season_reopen(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    return _season_action(
        request,
        territory,
        season_id,
        actions.reopen_season,
        _("The proposal was erased and registration is open again; compose again when ready."),
        then="manage_season_list",
    )


# --- Participants ---


@require_http_methods(["GET", "POST"])
@login_required
def circle_invitation(request: HttpRequest, territory_slug: str, circle_id: int) -> HttpResponse:
    territory = get_territory(territory_slug)
    membership = get_own_membership(request.user, territory, circle_id)
    form = AnswerForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            kept = actions.answer_invitation(membership, form.cleaned_data["answer"])
        except actions.NotInvited as answered:  # not an error: the answer stands
            messages.info(request, answered.sentence())
            return redirect("circle_invitation", territory.slug, circle_id)
        if kept is None:
            messages.success(request, _("Your seat was given back. Thank you for telling us."))
            return redirect("season_detail", territory.slug, membership.circle.season_id)
        messages.success(request, _("Thank you: your seat is confirmed."))
        return redirect("circle_invitation", territory.slug, circle_id)
    circle = membership.circle
    return render(
        request,
        "circles/invitation.html",
        {
            "territory": territory,
            "membership": membership,
            "circle": circle,
            "season": circle.season,
            "slot": slot_label(circle.slot) if circle.slot else "",
            "sessions": session_times(circle.season, circle.slot),
            "form": form,
            "together": together(circle, request.user.pk),
        },
    )


@require_safe
@login_required
def season_list(request: HttpRequest, territory_slug: str) -> HttpResponse:
    territory = get_territory(territory_slug)
    # Published seasons take late registrations until their first meeting.
    seasons = territory.seasons.filter(state__in=(SeasonState.OPEN, SeasonState.PUBLISHED))
    context = {
        "territory": territory,
        "seasons": seasons,
        "wants_season_alert": wants_season_alert(request.user, territory),
    }
    return render(request, "circles/season_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def season_detail(request: HttpRequest, territory_slug: str, season_id: int) -> HttpResponse:
    territory = get_territory(territory_slug)
    season = get_season(territory, season_id)
    portrait = actions.own_portrait(request.user, season)
    registration = get_own_registration(request.user, season)
    if request.method == "POST" and portrait is None:
        messages.info(request, _("Fill in your self-portrait first: then join the season."))
        return redirect("portrait_edit", territory.slug)
    initial: dict[str, Any] = {}
    source = registration or portrait
    if source is not None:
        initial = {"availability": list(source.availability), "max_km": source.max_km}
    form = JoinForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _registration, created = actions.join_season(request.user, season, **form.cleaned_data)
        except Refused as refusal:
            tell_refusal(request, refusal)
        else:
            if created:
                messages.success(request, _("You joined “%(name)s”.") % {"name": season})
            else:
                messages.success(request, _("Your times and distance were saved."))
        return redirect("season_detail", territory.slug, season.pk)
    own_seat = (
        Membership.objects.filter(
            user=request.user, circle__season=season, circle__season__state__in=ANSWERABLE
        )
        .select_related("circle")
        .first()
    )
    late_open = actions.late_registration_is_open(season) and own_seat is None
    can_join = actions.registration_is_open(season) or late_open
    return render(
        request,
        "circles/season_detail.html",
        {
            "territory": territory,
            "season": season,
            "portrait": portrait,
            "registration": registration,
            "can_join": can_join,
            "late": late_open,
            "form": form,
            "own_seat": own_seat,
        },
    )


@require_POST
@login_required
def season_leave(request: HttpRequest, territory_slug: str, season_id: int) -> HttpResponse:
    territory = get_territory(territory_slug)
    season = get_season(territory, season_id)
    try:
        left = actions.leave_season(request.user, season)
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        if left:
            messages.success(request, _("You left “%(name)s”.") % {"name": season})
    return redirect("season_detail", territory.slug, season.pk)
