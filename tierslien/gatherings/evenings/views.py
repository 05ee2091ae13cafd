"""Thin views: parse -> access -> act -> respond."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.gatherings.evenings import services
from tierslien.gatherings.evenings.access import get_attendee, get_evening, signed_in_evening
from tierslien.gatherings.evenings.door import evening_id_of, qr_svg, short_code
from tierslien.gatherings.evenings.forms import CheckInForm, DoorCodeForm, EveningForm
from tierslien.gatherings.evenings.questions import evening_questions
from tierslien.gatherings.models import Evening, EveningState, Seat
from tierslien.gatherings.tables import timer_state
from tierslien.lib.http import posted, tell_refusal
from tierslien.lib.refusals import Refused
from tierslien.territories.access import territory_management
from tierslien.territories.models import Territory


def _to_detail(evening: Evening) -> HttpResponse:
    return redirect("evening_detail", evening.territory.slug, evening.pk)


def _way_in(request: HttpRequest, evening: Evening) -> dict[str, object]:
    """How people check in on their own phone: the short address to type, its code, and
    the QR code of the address (for the door code partial)."""
    code = short_code(evening.pk)
    short_url = request.build_absolute_uri(reverse("evening_short", args=[code]))
    return {
        "join_url": short_url,
        "short_code": code,
        "join_qr": qr_svg(
            short_url, label=_("QR code of the address %(url)s") % {"url": short_url}
        ),
    }


def composed_message(outcome: services.Composition, evening: Evening) -> str:
    """What a fresh composition says about its repeated encounters: none, all of them
    unavoidable (a lower bound no plan can beat), or some only for want of time."""
    figures = {
        "repeats": outcome.repeats,
        "unavoidable": outcome.unavoidable,
        "people": outcome.people,
        "rounds": evening.rounds,
        "low": evening.min_size,
        "high": evening.max_size,
    }
    if outcome.repeats == 0:
        return _("Tables composed for every round: nobody sits twice with the same person.")
    if outcome.unavoidable >= outcome.repeats:
        return (
            ngettext(
                "Tables composed for every round: %(repeats)d repeated encounter, which no plan "
                "could avoid: with %(people)d people at tables of %(low)d to %(high)d over "
                "%(rounds)d rounds, some people must meet again.",
                "Tables composed for every round: %(repeats)d repeated encounters, which no plan "
                "could avoid: with %(people)d people at tables of %(low)d to %(high)d over "
                "%(rounds)d rounds, some people must meet again.",
                outcome.repeats,
            )
            % figures
        )
    if outcome.unavoidable > 0:
        return (
            ngettext(
                "Tables composed for every round: %(repeats)d repeated encounter. At least "
                "%(unavoidable)d are unavoidable with %(people)d people at tables of %(low)d to "
                "%(high)d over %(rounds)d rounds; the others could not be avoided in the time "
                "given: composing every table again may find fewer.",
                "Tables composed for every round: %(repeats)d repeated encounters. At least "
                "%(unavoidable)d are unavoidable with %(people)d people at tables of %(low)d to "
                "%(high)d over %(rounds)d rounds; the others could not be avoided in the time "
                "given: composing every table again may find fewer.",
                outcome.repeats,
            )
            % figures
        )
    return (
        ngettext(
            "Tables composed for every round: %(repeats)d repeated encounter. A plan without "
            "any may exist but was not found in the time given: composing every table again "
            "may find it.",
            "Tables composed for every round: %(repeats)d repeated encounters. A plan without "
            "any may exist but was not found in the time given: composing every table again "
            "may find one.",
            outcome.repeats,
        )
        % figures
    )


@require_safe
@territory_management
def evening_list(request: HttpRequest, territory: Territory) -> HttpResponse:
    evenings = Evening.objects.with_relations().filter(territory=territory)
    return render(
        request, "gatherings/evening_list.html", {"territory": territory, "evenings": evenings}
    )


@require_http_methods(["GET", "POST"])
@territory_management
def evening_create(request: HttpRequest, territory: Territory) -> HttpResponse:
    form = EveningForm(posted(request), territory=territory)
    if request.method == "POST" and form.is_valid():
        evening = services.create_evening(territory, **form.cleaned_data)
        messages.success(request, _("The evening was created."))
        return _to_detail(evening)
    return render(request, "gatherings/evening_form.html", {"territory": territory, "form": form})


@require_safe
@territory_management
def evening_detail(request: HttpRequest, territory: Territory, evening_id: int) -> HttpResponse:
    evening = get_evening(territory, evening_id)
    unseated = evening.attendees.unseated().count() if evening.composed_at else 0
    return render(
        request,
        "gatherings/evening_detail.html",
        {
            "territory": territory,
            "evening": evening,
            "unseated": unseated,
            **_way_in(request, evening),
            "invitable": evening.attendees.filter(invited_at__isnull=True)
            .exclude(email="")
            .count(),
            "attendees": evening.attendees.order_by("first_name", "pk").only(
                "pk", "first_name", "user_id", "checked_in_at"
            ),
            "states": EveningState,
        },
    )


@require_http_methods(["GET", "POST"])
@territory_management
def evening_checkin(request: HttpRequest, territory: Territory, evening_id: int) -> HttpResponse:
    evening = get_evening(territory, evening_id)
    if not evening.accepts_check_ins:
        messages.info(request, _("This evening no longer takes check-ins."))
        return _to_detail(evening)
    questions = evening_questions(territory)
    others = list(evening.attendees.order_by("first_name", "pk").only("pk", "first_name"))
    form = CheckInForm(posted(request), questions=questions, others=others)
    if request.method == "POST" and form.is_valid():
        try:
            attendee = services.check_in(evening, **form.values())
        except Refused as refusal:
            tell_refusal(request, refusal)
            return _to_detail(evening)
        messages.success(request, _("Welcome, %(name)s!") % {"name": attendee.first_name})
        return redirect("evening_checkin", territory.slug, evening.pk)
    return render(
        request,
        "gatherings/checkin.html",
        {
            "territory": territory,
            "evening": evening,
            "form": form,
            "count": len(others),
            **_way_in(request, evening),
        },
    )


@require_POST
@territory_management
def evening_compose(request: HttpRequest, territory: Territory, evening_id: int) -> HttpResponse:
    evening = get_evening(territory, evening_id)
    try:
        outcome = services.compose_tables(evening, fresh=request.POST.get("fresh") == "1")
    except Refused as refusal:
        tell_refusal(request, refusal)
        return _to_detail(evening)
    if outcome.fresh:
        messages.success(request, composed_message(outcome, evening))
    else:
        messages.success(
            request,
            _("%(placed)d late arrival(s) seated; %(moved)d person(s) changed table.")
            % {"placed": outcome.placed, "moved": outcome.moved},
        )
    return _to_detail(evening)


@require_safe
@territory_management
def evening_round(
    request: HttpRequest, territory: Territory, evening_id: int, number: int
) -> HttpResponse:
    evening = get_evening(territory, evening_id)
    if not 1 <= number <= evening.rounds:
        raise Http404
    seats = Seat.objects.for_projection(evening, number)
    tables = [
        (table, [seat.attendee.first_name for seat in group])
        for table, group in groupby(seats, key=lambda seat: seat.table)
    ]
    return render(
        request,
        "gatherings/projection.html",
        {
            "territory": territory,
            "evening": evening,
            "number": number,
            "tables": tables,
            "next_number": number + 1 if number < evening.rounds else None,
            "previous_number": number - 1 if number > 1 else None,
            "timer": timer_state(
                evening.current_round == number, evening.round_ends_at, timezone.now()
            ),
            **_way_in(request, evening),
        },
    )


@require_POST
@territory_management
def evening_round_start(
    request: HttpRequest, territory: Territory, evening_id: int, number: int
) -> HttpResponse:
    evening = get_evening(territory, evening_id)
    try:
        services.start_round(evening, number)
    except Refused as refusal:
        tell_refusal(request, refusal)
        return _to_detail(evening)
    return redirect("evening_round", territory.slug, evening.pk, number)


@require_POST
@territory_management
def evening_held(request: HttpRequest, territory: Territory, evening_id: int) -> HttpResponse:
    evening = get_evening(territory, evening_id)
    try:
        services.mark_held(evening)
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(request, _("The evening is over. Thank you!"))
    return _to_detail(evening)


@require_POST
@territory_management
def evening_invite(request: HttpRequest, territory: Territory, evening_id: int) -> HttpResponse:
    evening = get_evening(territory, evening_id)
    try:
        count = services.invite_attendees(evening)
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(request, _("%(count)d invitation(s) sent.") % {"count": count})
    return _to_detail(evening)


@require_POST
@territory_management
def evening_undo_check_in(
    request: HttpRequest, territory: Territory, evening_id: int, attendee_id: int
) -> HttpResponse:
    evening = get_evening(territory, evening_id)
    attendee = get_attendee(evening, attendee_id)
    try:
        services.undo_check_in(evening, attendee)
    except Refused as refusal:
        tell_refusal(request, refusal)
    else:
        messages.success(
            request, _("%(name)s is no longer checked in.") % {"name": attendee.first_name}
        )
    return _to_detail(evening)


@require_http_methods(["GET", "POST"])
@signed_in_evening
def evening_join(request: HttpRequest, territory: Territory, evening: Evening) -> HttpResponse:
    """A person with an account checks in on their own phone, in the room, with its code."""
    attendee = evening.attendees.filter(user=request.user).first()
    form = DoorCodeForm(posted(request))
    if request.method == "POST" and attendee is None and form.is_valid():
        try:
            services.check_in_account(evening, request.user, code=form.cleaned_data["code"])
        except Refused as refusal:
            tell_refusal(request, refusal)
        else:
            messages.success(request, _("You are checked in. Welcome!"))
        return redirect("evening_join", territory.slug, evening.pk)
    if request.method == "POST" and attendee is not None:
        return redirect("evening_join", territory.slug, evening.pk)
    return render(
        request,
        "gatherings/join.html",
        {
            "territory": territory,
            "evening": evening,
            "attendee": attendee,
            "form": form,
            "open_now": evening.self_check_in_open(timezone.now()),
        },
    )


@require_safe
def evening_short(request: HttpRequest, code: str) -> HttpResponse:
    """The short address shown in the room (/e/<code>/): to the evening's own check-in
    page, while the evening takes check-ins (a typo, or an evening that ended: 404)."""
    evening_id = evening_id_of(code)
    evening = Evening.objects.with_relations().filter(pk=evening_id).first() if evening_id else None
    if evening is None or not evening.accepts_check_ins:
        raise Http404
    return redirect("evening_join", evening.territory.slug, evening.pk)
