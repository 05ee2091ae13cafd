"""Seats of a themed meeting: applying, the private outcome page, quotas, the seed, the draw
and its public, verifiable files. Thin views: parse -> access -> act -> respond."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.gatherings.meetings.core.access import (
    get_own_application,
    get_public_meeting,
    meeting_audit,
    meeting_management,
    names_from,
    names_visible,
)
from tierslien.gatherings.meetings.seats import (
    applications,
    disclosure,
    draw,
    notifications,
    quotas,
    seed,
    waitlist,
)
from tierslien.gatherings.meetings.seats.forms import (
    ApplyForm,
    DrawMethodForm,
    QuotaForm,
    SeatAnswerForm,
    SeedForm,
    ToleranceForm,
)
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    Meeting,
    MeetingQuota,
    MeetingState,
)
from tierslien.lib import jobs
from tierslien.lib.http import posted, tell_refusal
from tierslien.lib.refusals import Refused
from tierslien.outbox import services as outbox
from tierslien.outbox import views as outbox_views
from tierslien.territories.access import get_territory
from tierslien.territories.models import Territory

log = logging.getLogger(__name__)
SMALL_CELL = disclosure.SMALL_CELL  # counts below this are shown as "fewer than 11"


def _to_my_seat(meeting: Meeting) -> HttpResponse:
    return redirect("meeting_my_seat", meeting.territory.slug, meeting.pk)


def _to_seats(meeting: Meeting) -> HttpResponse:
    return redirect("meeting_seats_manage", meeting.territory.slug, meeting.pk)


def _to_quotas(meeting: Meeting) -> HttpResponse:
    return redirect("meeting_quotas", meeting.territory.slug, meeting.pk)


def _public_meeting(territory_slug: str, meeting_id: int) -> Meeting:
    return get_public_meeting(get_territory(territory_slug), meeting_id)


# --- Applicants ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def meeting_apply(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    """One step with a portrait; else the meeting's few criteria, answered on the spot."""
    meeting = _public_meeting(territory_slug, meeting_id)
    if applications.current_application(request.user, meeting) is not None:
        return _to_my_seat(meeting)
    criteria = applications.balance_criteria(meeting)
    with_portrait = applications.has_portrait(request.user, meeting)
    form = None if with_portrait else ApplyForm(posted(request), criteria=criteria)
    context: dict[str, Any] = {
        "territory": meeting.territory,
        "meeting": meeting,
        "form": form,
        "criteria": criteria,
        "with_portrait": with_portrait,
        "open": applications.accepts_applications(meeting),
        "verified": applications.has_verified_email(request.user),
        "facilitates": applications.facilitates(request.user, meeting),
    }
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            applications.apply(
                meeting,
                request.user,
                answers=form.answers() if form is not None else None,
            )
        except applications.AlreadyApplied:
            return _to_my_seat(meeting)
        except Refused as refusal:
            tell_refusal(request, refusal)
            return redirect("meeting_apply", meeting.territory.slug, meeting.pk)
        messages.success(request, _("You applied. We will write to you after the draw."))
        return _to_my_seat(meeting)
    return render(request, "gatherings/meetings/seats/apply.html", context)


@require_safe
@login_required
def meeting_my_seat(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    """The applicant's private page: status, probability, outcome, pseudonym, what to do."""
    meeting = _public_meeting(territory_slug, meeting_id)
    application = get_own_application(request.user, meeting)
    return render(
        request,
        "gatherings/meetings/seats/my_seat.html",
        {
            "territory": meeting.territory,
            "meeting": meeting,
            "application": application,
            "statuses": ApplicationStatus,
            "place": waitlist.waiting_place(application),
            "percent": None if application.probability is None else 100 * application.probability,
            "min_percent": None
            if meeting.min_probability is None
            else 100 * meeting.min_probability,
            "pool_size": len(meeting.published_pool),
            "can_withdraw": applications.withdrawable(meeting, application),
            "entry": disclosure.own_entry(application),
        },
    )


@require_POST
@login_required
def meeting_seat_answer(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    meeting = _public_meeting(territory_slug, meeting_id)
    application = get_own_application(request.user, meeting)
    form = SeatAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the two answers."))
        return _to_my_seat(meeting)
    try:
        if form.cleaned_data["answer"] == "confirm":
            waitlist.confirm_seat(application)
            messages.success(request, _("Your seat is confirmed. See you there!"))
        else:
            waitlist.decline_seat(application)
            messages.success(request, _("Your seat was given to someone on the waiting list."))
    except Refused as refusal:
        tell_refusal(request, refusal)
    return _to_my_seat(meeting)


@require_POST
@login_required
def meeting_withdraw(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    """Withdraw an application (before the seed is published) or leave the waiting list."""
    meeting = _public_meeting(territory_slug, meeting_id)
    application = get_own_application(request.user, meeting)
    try:
        if application.status == ApplicationStatus.WAITLISTED:
            waitlist.leave_waitlist(application)
            messages.success(request, _("You left the waiting list."))
        else:
            applications.withdraw(application)
            messages.success(request, _("Your application is withdrawn."))
    except Refused as refusal:
        tell_refusal(request, refusal)
    return _to_my_seat(meeting)


# --- The public, verifiable draw ----------------------------------------------------------


@require_safe
def meeting_draw(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    """How the seats are drawn, the published files and the command to check the draw."""
    meeting = _public_meeting(territory_slug, meeting_id)
    return render(
        request,
        "gatherings/meetings/seats/draw.html",
        {
            "territory": meeting.territory,
            "meeting": meeting,
            "pool_size": len(meeting.published_pool),
            "lottery": bool(meeting.draw_record),
            "verify_command": seed.verify_command(meeting),
        },
    )


def _download(content: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _seeded(territory_slug: str, meeting_id: int) -> Meeting:
    meeting = _public_meeting(territory_slug, meeting_id)
    if meeting.seed_published_at is None:
        raise Http404
    return meeting


def _guarded[T](build: Callable[[Meeting], T], meeting: Meeting) -> T:
    """A public file, or 404 when it would carry a sensitive criterion (never served)."""
    try:
        return build(meeting)
    except seed.SensitiveCriterion:
        log.error("meeting %s: a sensitive criterion in the published files", meeting.pk)
        raise Http404 from None


def _public_csv(
    territory_slug: str, meeting_id: int, build: Callable[[Meeting], str], filename: str
) -> HttpResponse:
    """One of the published CSV files, once the seed is published."""
    meeting = _seeded(territory_slug, meeting_id)
    return _download(_guarded(build, meeting), filename, "text/csv; charset=utf-8")


@require_safe
def meeting_draw_pool(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    """Pseudonyms and salted commitments only (`disclosure`)."""
    return _public_csv(territory_slug, meeting_id, disclosure.public_pool_csv, "pool.csv")


@require_safe
def meeting_draw_quotas(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    return _public_csv(territory_slug, meeting_id, disclosure.quotas_csv, "quotas.csv")


@require_safe
def meeting_draw_counts(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    """Applicants and seats drawn per value, "<11" below 11."""
    return _public_csv(territory_slug, meeting_id, disclosure.counts_csv, "counts.csv")


@require_safe
def meeting_draw_seed(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    meeting = _seeded(territory_slug, meeting_id)
    return _download(f"{meeting.draw_seed}\n", "seed.txt", "text/plain; charset=utf-8")


@require_safe
def meeting_draw_panel(request: HttpRequest, territory_slug: str, meeting_id: int) -> HttpResponse:
    meeting = _seeded(territory_slug, meeting_id)
    if not meeting.draw_record:
        raise Http404
    text = _guarded(disclosure.public_panel_json, meeting)
    return _download(text, "panel.json", "application/json")


@require_safe
@meeting_audit
def meeting_draw_audit(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    """The exact files, for an auditor, through a site administrator (`meeting_audit`)."""
    if meeting.seed_published_at is None:
        raise Http404
    content = _guarded(disclosure.audit_bundle, meeting)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="audit-{meeting.pk}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Facilitators -------------------------------------------------------------------------


@require_safe
@meeting_management
def meeting_seats_manage(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    """Counts of applicants by status, then the steps: quotas, seed, draw; from the day on
    (`names_visible`), the names of people holding a seat, for the door."""
    if draw.recover_stalled_jobs(meeting_id=meeting.pk):  # its worker died
        meeting.refresh_from_db()
    return _manage_page(request, territory, meeting, SeedForm())


@require_POST
@meeting_management
def meeting_messages_resend(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    """Queue the meeting's failed messages again (selected, waitlisted, reminders...)."""
    outbox_views.resend_failed(request, notifications.topic(meeting.pk))
    return _to_seats(meeting)


def _manage_page(
    request: HttpRequest, territory: Territory, meeting: Meeting, seed_form: SeedForm
) -> HttpResponse:
    counts = Counter(
        Application.objects.filter(meeting=meeting)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .values_list("status", flat=True)
    )
    with_names = names_visible(meeting)
    rows = (
        list(
            Application.objects.holding_seats()
            .filter(meeting=meeting)
            .select_related("user")
            .only("pk", "status", "confirm_by", "checked_in_at", "user__display_name")
            .order_by("user__display_name", "pk")
        )
        if with_names
        else []
    )
    closed = not applications.accepts_applications(meeting)
    # Before the seed form: would anyone have a chance of 0 with the saved quotas?
    undrawable = False
    if closed and meeting.state == MeetingState.OPEN and meeting.seed_published_at is None:
        report = quotas.check(meeting)
        undrawable = report is not None and report.feasible and not report.everyone_drawable
    broken = []
    if meeting.state == MeetingState.ALLOCATED and meeting.published_quotas:
        broken = [q for q in waitlist.quota_states(meeting) if not q.met]
    return render(
        request,
        "gatherings/meetings/seats/manage.html",
        {
            "territory": territory,
            "meeting": meeting,
            "rows": rows,
            "names_visible": with_names,
            "names_from": names_from(meeting),
            "counts": {status: counts.get(status, 0) for status in ApplicationStatus.values},
            "statuses": ApplicationStatus,
            "seed_form": seed_form,
            "closed": closed,
            "undrawable": undrawable,
            "broken": broken,
            "has_quotas": MeetingQuota.objects.filter(meeting=meeting).exists(),
            "drawn_with": (meeting.draw_record or {}).get("objective", "maximin"),
            "method_note": draw.method_note_text(meeting),
            "stalled": draw.stalled(meeting),
            "messages_sent": outbox.counts(notifications.topic(meeting.pk)),
        },
    )


@require_http_methods(["GET", "POST"])
@meeting_management
def meeting_quotas(request: HttpRequest, territory: Territory, meeting: Meeting) -> HttpResponse:
    """Quotas per value, with applicant counts and the population's defaults."""
    if request.method == "POST" and quotas.is_frozen(meeting):
        messages.error(request, _("The seed is published: the quotas can no longer change."))
        return _to_quotas(meeting)
    tolerance_form = ToleranceForm(request.GET if "tolerance" in request.GET else None)
    valid = tolerance_form.is_bound and tolerance_form.is_valid()
    tolerance = tolerance_form.cleaned_data["tolerance"] / 100 if valid else None
    page = quotas.quota_page(
        meeting,
        hide=disclosure.hidden_keys,
        tolerance=quotas.DEFAULT_TOLERANCE if tolerance is None else tolerance,
        defaults=valid and "defaults" in request.GET,
    )
    form = QuotaForm(posted(request), lines=page.lines, seats=meeting.seats)
    if request.method == "POST" and form.is_valid():
        try:
            quotas.save_quotas(meeting, form.bounds())
        except (quotas.QuotasFrozen, ValueError):
            messages.error(request, _("The quotas could not be saved; nothing was changed."))
        else:
            messages.success(request, _("The quotas are saved."))
        return _to_quotas(meeting)
    report = page.report()
    return render(
        request,
        "gatherings/meetings/seats/quotas.html",
        {
            "territory": territory,
            "meeting": meeting,
            "form": form,
            "tolerance_form": tolerance_form if tolerance_form.is_bound else ToleranceForm(),
            "frozen": page.frozen,
            "criteria": page.criteria,
            "applicants": len(page.applications),
            "small_cell": SMALL_CELL,
            "report": report,
            "changes": quotas.changes(report, page.criteria),
            "saved": bool(page.saved),
            "method_form": DrawMethodForm(initial={"method": meeting.draw_method}),
            "leximin_max_pool": draw.LEXIMIN_MAX_POOL,
        },
    )


@require_POST
@meeting_management
def meeting_draw_method(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    """The lottery the draw runs, chosen on the quotas page before the seed is published."""
    form = DrawMethodForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _to_quotas(meeting)
    try:
        quotas.save_draw_method(meeting, form.cleaned_data["method"])
    except quotas.QuotasFrozen:
        messages.error(request, _("The seed is published: the lottery can no longer change."))
    else:
        messages.success(request, _("The lottery is chosen."))
    return _to_quotas(meeting)


@require_POST
@meeting_management
def meeting_quotas_adopt(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    try:
        report = quotas.adopt_suggested(meeting)
    except quotas.QuotasFrozen:
        messages.error(request, _("The seed is published: the quotas can no longer change."))
        return _to_quotas(meeting)
    if report is None or report.everyone_drawable:
        messages.info(request, _("The quotas can already be met: nothing was changed."))
    elif report.feasible:
        messages.success(
            request, _("The nearest quotas under which every applicant can be drawn are saved.")
        )
    else:
        messages.success(request, _("The nearest feasible quotas are saved."))
    return _to_quotas(meeting)


@require_POST
@meeting_management
def meeting_seed_publish(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    form = SeedForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, territory, meeting, form)
    try:
        seed.publish_seed(
            meeting, seed=form.cleaned_data["seed"], source=form.cleaned_data["description"]
        )
    except seed.NotReadyToPublish:
        messages.error(
            request,
            _("The seed is published once applications are closed, and only once."),
        )
    except seed.SensitiveCriterion:
        messages.error(
            request,
            _("A sensitive question is among the criteria: it cannot be published. Nothing was."),
        )
    except seed.QuotasInfeasible:
        messages.error(
            request,
            _("The applicants cannot meet the quotas: change them first (nothing was published)."),
        )
        return _to_quotas(meeting)
    else:
        messages.success(request, _("The seed, the anonymised pool and the quotas are published."))
    return _to_seats(meeting)


@require_POST
@meeting_management
def meeting_draw_start(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    try:
        draw.start_draw(meeting)
    except draw.DrawRunning as running:
        messages.info(
            request,
            _(
                "The draw is already running: it gave a sign of life %(seconds)d seconds ago. "
                "If it stays silent for a minute, you can start it again."
            )
            % {"seconds": running.seconds},
        )
        return redirect("meeting_draw_progress", territory.slug, meeting.pk)
    except draw.DrawNotPossible:
        messages.error(request, _("The seats of this meeting cannot be drawn now."))
        return _to_seats(meeting)
    return redirect("meeting_draw_progress", territory.slug, meeting.pk)


@require_safe
@meeting_management
def meeting_draw_progress(
    request: HttpRequest, territory: Territory, meeting: Meeting
) -> HttpResponse:
    if draw.recover_stalled_jobs(meeting_id=meeting.pk):  # its worker died
        meeting.refresh_from_db()
    progress = meeting.draw_progress or {}
    return render(
        request,
        "gatherings/meetings/seats/progress.html",
        {
            "territory": territory,
            "meeting": meeting,
            "draw_error": draw.draw_error_text(meeting),
            "stalled": draw.stalled(meeting),
            "running": meeting.draw_job in jobs.ALIVE,
            "progress": progress,
            "manage_url": reverse("meeting_seats_manage", args=[territory.slug, meeting.pk]),
        },
    )
