from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tierslien.circles.access import get_circle_for_member, get_season
from tierslien.feedback import services
from tierslien.feedback.forms import FeedbackForm, KeepInTouchForm
from tierslien.feedback.report import build_report, report_csv
from tierslien.lib.small_cells import THRESHOLD
from tierslien.territories.access import territory_management
from tierslien.territories.models import Territory

# --- Members of a circle ---


@require_http_methods(["GET", "POST"])
@login_required
def circle_feedback(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle = get_circle_for_member(request.user, circle_id)
    ended = services.circle_has_ended(circle)
    is_open = services.form_is_open(circle)
    answered = services.has_answered(request.user, circle.season)
    context = {
        "circle": circle,
        "ended": ended,
        "open": is_open,
        "answered": answered,
        "closes_at": services.form_closes_at(circle.season),
    }
    if not is_open or answered:
        return render(request, "feedback/circle_feedback.html", context)
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.give_feedback(request.user, circle, **form.cleaned_data)
        except services.AlreadyAnswered:
            messages.info(request, _("You had already answered: thank you."))
        except services.FeedbackClosed:
            messages.info(request, _("The form has just closed: thank you all the same."))
        else:
            messages.success(request, _("Thank you: your answers are anonymous."))
        return redirect("feedback_keep_in_touch", circle.pk)
    context["form"] = form
    return render(request, "feedback/circle_feedback.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def keep_in_touch(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle = get_circle_for_member(request.user, circle_id)
    ended = services.circle_has_ended(circle)
    members = services.fellow_members(circle, request.user)
    initial = {"wanted": [str(pk) for pk in services.wishes(request.user, circle)]}
    form = KeepInTouchForm(
        request.POST if request.method == "POST" else None, members=members, initial=initial
    )
    if request.method == "POST" and ended and form.is_valid():
        services.set_wishes(request.user, circle, form.wanted_ids())
        messages.success(request, _("Your choices are saved. Nobody is told who you chose."))
        return redirect("feedback_keep_in_touch", circle.pk)
    return render(
        request,
        "feedback/keep_in_touch.html",
        {
            "circle": circle,
            "ended": ended,
            "form": form,
            "contacts": services.mutual_contacts(request.user, circle) if ended else [],
        },
    )


# --- Facilitators ---


@require_safe
@territory_management
def manage_season_report(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    return render(
        request,
        "feedback/manage/season_report.html",
        {
            "territory": territory,
            "season": season,
            "report": build_report(season),
            "threshold": THRESHOLD,
        },
    )


@require_safe
@territory_management
def manage_season_report_csv(
    request: HttpRequest, territory: Territory, season_id: int
) -> HttpResponse:
    season = get_season(territory, season_id)
    response = HttpResponse(
        report_csv(season, build_report(season)), content_type="text/csv; charset=utf-8"
    )
    name = slugify(season.name) or "season"
    response["Content-Disposition"] = f'attachment; filename="report-{name}.csv"'
    return response
