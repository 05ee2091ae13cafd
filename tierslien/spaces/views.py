"""A circle's private space: parse → access → act → respond."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.circles.access import member_circles
from tierslien.circles.models import Circle
from tierslien.circles.schedule import session_times
from tierslien.circles.together import together
from tierslien.lib.http import posted
from tierslien.lib.ical import Event, calendar
from tierslien.spaces import pages, services
from tierslien.spaces.access import (
    get_aid_post,
    get_circle_for_token,
    get_own_aid_post,
    get_own_message,
    has_accepted_pact,
    member_space,
)
from tierslien.spaces.forms import (
    AidOfferForm,
    AidPostForm,
    AttendanceForm,
    GuideForm,
    IntroForm,
    LeaveForm,
    MessageForm,
    PactForm,
)
from tierslien.spaces.models import CalendarToken, Introduction
from tierslien.spaces.pact import OPENING_TEXT, PACT, PROTOCOLS, protocol


def _page(request: HttpRequest, circle: Circle, template: str, **context: Any) -> HttpResponse:
    return render(request, f"spaces/{template}", {"circle": circle, **context})


@require_safe
@login_required
def my_circles(request: HttpRequest) -> HttpResponse:
    return render(
        request, "spaces/my_circles.html", {"circles": list(member_circles(request.user))}
    )


@require_safe
@member_space()
def circle_home(request: HttpRequest, circle: Circle) -> HttpResponse:
    return _page(
        request,
        circle,
        "home.html",
        members=pages.members(circle),
        upcoming=pages.upcoming(circle)[:3],
        together=together(circle, request.user.pk),
        section="home",
    )


@require_http_methods(["GET", "POST"])
@member_space(pact=False)
def circle_pact(request: HttpRequest, circle: Circle) -> HttpResponse:
    accepted = has_accepted_pact(circle, request.user)
    form = PactForm(posted(request))
    if request.method == "POST" and not accepted and form.is_valid():
        services.accept_pact(circle, request.user)
        messages.success(request, _("Welcome to your circle."))
        return redirect("circle_home", circle.pk)
    return _page(
        request, circle, "pact.html", pact=PACT, accepted=accepted, form=form, section="pact"
    )


@require_http_methods(["GET", "POST"])
@member_space()
def circle_intro(request: HttpRequest, circle: Circle) -> HttpResponse:
    current = Introduction.objects.filter(circle=circle, user=request.user).first()
    form = IntroForm(posted(request), initial={"text": current.text if current else ""})
    if request.method == "POST" and form.is_valid():
        services.set_introduction(circle, request.user, form.cleaned_data["text"])
        messages.success(request, _("Your introduction was saved."))
        return redirect("circle_home", circle.pk)
    return _page(request, circle, "intro.html", form=form, section="home")


@require_http_methods(["GET", "POST"])
@member_space()
def circle_sessions(request: HttpRequest, circle: Circle) -> HttpResponse:
    if request.method == "POST":
        form = AttendanceForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("That answer could not be saved."))
            return redirect("circle_sessions", circle.pk)
        try:
            services.set_attendance(
                circle, request.user, form.cleaned_data["session"], form.cleaned_data["answer"]
            )
        except services.UnknownSession:
            raise Http404 from None
        messages.success(request, _("Your answer was saved."))
        return redirect("circle_sessions", circle.pk)
    token = CalendarToken.objects.filter(circle=circle, user=request.user).first()
    feed_url = (
        request.build_absolute_uri(reverse("circle_calendar_ics", args=[circle.pk, token.token]))
        if token
        else ""
    )
    return _page(
        request,
        circle,
        "sessions.html",
        sessions=pages.sessions(circle, request.user),
        feed_url=feed_url,
        section="sessions",
    )


@require_POST
@member_space()
def circle_calendar_token(request: HttpRequest, circle: Circle) -> HttpResponse:
    if request.POST.get("action") == "revoke":
        services.revoke_calendar_token(circle, request.user)
        messages.success(request, _("The calendar address no longer works."))
    else:
        services.issue_calendar_token(circle, request.user)
        messages.success(request, _("Your private calendar address is ready."))
    return redirect("circle_sessions", circle.pk)


@require_safe
def circle_calendar_ics(request: HttpRequest, circle_id: int, token: str) -> HttpResponse:
    circle, _user = get_circle_for_token(circle_id, token)
    venue = circle.venue
    location = f"{venue.name}, {venue.address}" if venue else ""
    if circle.online:  # the meeting link stays in the space, not in calendar apps
        location = _("Online")
    name = _("Circle %(number)s · %(season)s") % {"number": circle.number, "season": circle.season}
    events = [
        Event(
            uid=f"circle-{circle.pk}-session-{t.number}@tierslien",
            starts_at=t.starts_at,
            ends_at=t.ends_at,
            summary=_("%(name)s — meeting %(number)s") % {"name": name, "number": t.number},
            location=location,
        )
        for t in session_times(circle.season, circle.slot)
    ]
    body = calendar(events, stamp=timezone.now(), product=f"-//{settings.SITE_NAME}//Circles//FR")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="circle-{circle.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@member_space()
def circle_guide(request: HttpRequest, circle: Circle) -> HttpResponse:
    form = GuideForm(request.GET or None)
    chosen = protocol(form.cleaned_data.get("protocol") or "") if form.is_valid() else PROTOCOLS[0]
    minutes = (form.cleaned_data.get("minutes") if form.is_valid() else None) or chosen.minutes
    speakers = form.speakers() if form.is_valid() else []
    if not speakers:
        speakers = [m.user.display_name for m in pages.members(circle)]
    if not form.is_bound:
        form = GuideForm(
            initial={"protocol": chosen.key, "minutes": minutes, "names": "\n".join(speakers)}
        )
    return _page(
        request,
        circle,
        "guide.html",
        form=form,
        opening=OPENING_TEXT,
        protocols=PROTOCOLS,
        chosen=chosen,
        minutes=minutes,
        speakers=speakers,
        section="guide",
    )


@require_http_methods(["GET", "POST"])
@member_space()
def circle_board(request: HttpRequest, circle: Circle) -> HttpResponse:
    form = MessageForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.post_message(circle, request.user, form.cleaned_data["text"])
        return redirect(reverse("circle_board", args=[circle.pk]) + "#new")
    return _page(
        request, circle, "board.html", board=pages.board(circle), form=form, section="board"
    )


@require_http_methods(["GET", "POST"])
@member_space()
def circle_message_edit(request: HttpRequest, circle: Circle, message_id: int) -> HttpResponse:
    message = get_own_message(circle, request.user, message_id)
    form = MessageForm(posted(request), initial={"text": message.text})
    if request.method == "POST" and form.is_valid():
        services.edit_message(message, form.cleaned_data["text"])
        return redirect(reverse("circle_board", args=[circle.pk]) + f"#m{message.pk}")
    return _page(request, circle, "message_edit.html", message=message, form=form, section="board")


@require_POST
@member_space()
def circle_message_delete(request: HttpRequest, circle: Circle, message_id: int) -> HttpResponse:
    services.delete_message(get_own_message(circle, request.user, message_id))
    messages.success(request, _("Your message was deleted."))
    return redirect("circle_board", circle.pk)


@require_http_methods(["GET", "POST"])
@member_space()
def circle_aid(request: HttpRequest, circle: Circle) -> HttpResponse:
    form = AidPostForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.post_aid(circle, request.user, **form.cleaned_data)
        return redirect("circle_aid", circle.pk)
    return _page(
        request,
        circle,
        "aid.html",
        posts=pages.aid_posts(circle),
        form=form,
        offer_form=AidOfferForm(),
        section="aid",
    )


@require_POST
@member_space()
def circle_aid_offer(request: HttpRequest, circle: Circle, post_id: int) -> HttpResponse:
    post = get_aid_post(circle, post_id)
    form = AidOfferForm(request.POST)
    if form.is_valid() and post.resolved_at is None:
        services.offer_help(post, request.user, form.cleaned_data["text"])
        messages.success(request, _("Your offer of help was added."))
    else:
        messages.error(request, _("Your offer could not be added."))
    return redirect(reverse("circle_aid", args=[circle.pk]) + f"#aid{post.pk}")


@require_POST
@member_space()
def circle_aid_resolve(request: HttpRequest, circle: Circle, post_id: int) -> HttpResponse:
    services.resolve_aid(get_own_aid_post(circle, request.user, post_id))
    messages.success(request, _("Marked as resolved."))
    return redirect("circle_aid", circle.pk)


@require_http_methods(["GET", "POST"])
@member_space(pact=False)
def circle_leave(request: HttpRequest, circle: Circle) -> HttpResponse:
    form = LeaveForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.leave_circle(circle, request.user)
        messages.success(request, _("You left the circle. What you wrote in it was deleted."))
        return redirect("my_circles")
    return _page(request, circle, "leave.html", form=form, section="leave")
