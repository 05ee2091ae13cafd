from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.circles.access import get_circle_for_member
from tierslien.moderation import services
from tierslien.moderation.access import get_fellow_member, get_report
from tierslien.moderation.forms import RemovalForm, ReportForm
from tierslien.territories.access import territory_management
from tierslien.territories.models import Territory

# --- Members of a circle ---


@require_safe
@login_required
def circle_moderation(request: HttpRequest, circle_id: int) -> HttpResponse:
    circle = get_circle_for_member(request.user, circle_id)
    blocked = services.blocked_ids(request.user)
    members = [
        (member, member.pk in blocked) for member in services.fellow_members(circle, request.user)
    ]
    return render(request, "moderation/circle.html", {"circle": circle, "members": members})


@require_http_methods(["GET", "POST"])
@login_required
def block_member(request: HttpRequest, circle_id: int, member_id: int) -> HttpResponse:
    circle = get_circle_for_member(request.user, circle_id)
    member = get_fellow_member(circle, request.user, member_id)
    if request.method == "POST":
        services.block(request.user, member)
        messages.success(
            request,
            _("You will never be placed in a circle with %(name)s again. They are not told.")
            % {"name": member.display_name},
        )
        return redirect("moderation_circle", circle.pk)
    return render(request, "moderation/block.html", {"circle": circle, "member": member})


@require_http_methods(["GET", "POST"])
@login_required
def report_member(request: HttpRequest, circle_id: int, member_id: int) -> HttpResponse:
    circle = get_circle_for_member(request.user, circle_id)
    member = get_fellow_member(circle, request.user, member_id)
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.report_member(request.user, circle, member, reason=form.cleaned_data["reason"])
        messages.success(request, _("Thank you: the facilitator will read your report."))
        return redirect("moderation_circle", circle.pk)
    return render(
        request, "moderation/report.html", {"circle": circle, "member": member, "form": form}
    )


@require_http_methods(["GET", "POST"])
@login_required
def report_message(request: HttpRequest, circle_id: int, message_id: int) -> HttpResponse:
    circle = get_circle_for_member(request.user, circle_id)
    message = services.find_message(circle, message_id)
    if message is None:
        raise Http404
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.report_message(
            request.user, circle, message_id, message, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Thank you: the facilitator will read your report."))
        return redirect("moderation_circle", circle.pk)
    return render(
        request, "moderation/report.html", {"circle": circle, "message": message, "form": form}
    )


# --- Facilitators ---


@require_safe
@territory_management
def manage_report_list(request: HttpRequest, territory: Territory) -> HttpResponse:
    reports = services.open_reports(territory.pk)
    return render(
        request,
        "moderation/manage/report_list.html",
        {"territory": territory, "reports": reports, "removal_form": RemovalForm()},
    )


@require_POST
@territory_management
def manage_report_handled(
    request: HttpRequest, territory: Territory, report_id: int
) -> HttpResponse:
    report = get_report(territory, report_id)
    try:
        services.mark_handled(report, acting_user=request.user)
    except services.AlreadyHandled:
        messages.info(request, _("This report was already handled."))
    else:
        messages.success(request, _("The report is marked as handled."))
    return redirect("manage_report_list", territory.slug)


@require_POST
@territory_management
def manage_report_remove(
    request: HttpRequest, territory: Territory, report_id: int
) -> HttpResponse:
    report = get_report(territory, report_id)
    form = RemovalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is too long: nothing was changed."))
        return redirect("manage_report_list", territory.slug)
    try:
        services.remove_member(report, acting_user=request.user, note=form.cleaned_data["note"])
    except services.AlreadyHandled:
        messages.info(request, _("This report was already handled."))
    except services.NobodyToRemove:
        messages.error(request, _("Nobody to remove: this person is no longer in the circle."))
    else:
        messages.success(
            request, _("The person was removed from the circle and told in neutral words.")
        )
    return redirect("manage_report_list", territory.slug)
