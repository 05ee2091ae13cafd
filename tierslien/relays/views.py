"""Local contacts' pages: the facilitator's section on the role, and the relay's own pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tierslien.circles.schedule import session_times
from tierslien.lib.http import posted, tell_refusal
from tierslien.lib.phones import for_display
from tierslien.lib.refusals import Refused
from tierslien.portraits.access import questionnaire_criteria
from tierslien.relays import services
from tierslien.relays.access import get_registered, relay_area
from tierslien.relays.forms import ContactForm, GiveRelayForm, RegisterForm
from tierslien.territories.access import territory_management
from tierslien.territories.display import slot_label
from tierslien.territories.models import Facilitator, Territory

# --- The facilitator's section: who is a local contact here -------------------------------


def _manage_page(
    request: HttpRequest, territory: Territory, form: GiveRelayForm, status: int = 200
) -> HttpResponse:
    facilitators = (
        Facilitator.objects.filter(territory=territory)
        .select_related("user")
        .order_by("user__display_name")
    )
    return render(
        request,
        "relays/manage.html",
        {
            "territory": territory,
            "form": form,
            "relays": services.relays_of(territory),
            "facilitators": [row.user for row in facilitators],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@territory_management
def manage_relays(request: HttpRequest, territory: Territory) -> HttpResponse:
    form = GiveRelayForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            relay = services.give_relay_role(
                territory, form.cleaned_data["email"], given_by=request.user
            )
        except Refused as refusal:
            form.add_error("email", refusal.sentence())
        else:
            messages.success(
                request,
                _("%(name)s is now a local contact of %(territory)s.")
                % {"name": relay.user.display_name, "territory": territory.name},
            )
            return redirect("manage_relays", territory.slug)
    return _manage_page(request, territory, form)


@require_POST
@territory_management
def manage_relay_withdraw(
    request: HttpRequest, territory: Territory, relay_id: int
) -> HttpResponse:
    user = services.withdraw_relay_role(territory, relay_id)
    if user is not None:
        messages.success(
            request,
            _(
                "%(name)s is no longer a local contact. The people they registered keep "
                "their accounts."
            )
            % {"name": user.display_name},
        )
    return redirect("manage_relays", territory.slug)


# --- The relay's pages: only the people they registered -----------------------------------


@require_safe
@relay_area
def relay_home(request: HttpRequest, territory: Territory) -> HttpResponse:
    season, rows = services.people_of(request.user, territory)
    return render(
        request,
        "relays/home.html",
        {"territory": territory, "season": season, "rows": rows},
    )


@require_http_methods(["GET", "POST"])
@relay_area
def relay_register(request: HttpRequest, territory: Territory) -> HttpResponse:
    criteria = list(questionnaire_criteria(territory))
    form = RegisterForm(posted(request), territory=territory, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registered = services.register_person(
                request.user,
                territory,
                display_name=data["display_name"],
                contact=form.contact(),
                sector=data["sector"],
                availability=data["availability"],
                max_km=data["max_km"],
                answers=form.answers(),
                agreed_how=data["agreed_how"],
                paper_code=data["paper_code"],
                language=data["language"],
            )
        except services.EmailTaken as refusal:
            form.add_error("email", refusal.sentence())
        except services.PaperCodeRefused as refusal:
            form.add_error("paper_code", refusal.sentence())
        except Refused as refusal:
            form.add_error(None, refusal.sentence())
        else:
            messages.success(
                request,
                _("%(name)s is registered.") % {"name": registered.person.display_name},
            )
            return redirect("relay_person", territory.slug, registered.person_id)
    return render(
        request,
        "relays/register.html",
        {
            "territory": territory,
            "form": form,
            "season": services.open_season(territory),
        },
        status=400 if form.errors else 200,
    )


@require_safe
@relay_area
def relay_person(request: HttpRequest, territory: Territory, person_id: int) -> HttpResponse:
    registered = get_registered(request.user, territory, person_id)
    season, row = services.person_row(registered)
    circle = row.membership.circle if row.membership is not None else None
    return render(
        request,
        "relays/person.html",
        {
            "territory": territory,
            "season": season,
            "row": row,
            "person": registered.person,
            "phone": for_display(registered.person.phone) if registered.person.phone else "",
            "circle": circle,
            "slot": slot_label(circle.slot) if circle is not None and circle.slot else "",
            "sessions": session_times(circle.season, circle.slot) if circle is not None else [],
        },
    )


@require_http_methods(["GET", "POST"])
@relay_area
def relay_person_contact(
    request: HttpRequest, territory: Territory, person_id: int
) -> HttpResponse:
    registered = get_registered(request.user, territory, person_id)
    person = registered.person
    initial = {
        "reach_by": person.reach_by,
        "phone": for_display(person.phone) if person.phone else "",
        "postal_address": person.postal_address,
    }
    form = ContactForm(posted(request), initial=initial, allow_email=bool(person.email))
    if registered.taken_over_at is not None:
        if request.method == "POST":
            tell_refusal(request, services.TakenOver())
        return redirect("relay_person", territory.slug, person.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact(registered, form.contact())
        except Refused as refusal:
            tell_refusal(request, refusal)
        else:
            messages.success(
                request,
                _("How to reach %(name)s was saved.") % {"name": person.display_name},
            )
        return redirect("relay_person", territory.slug, person.pk)
    return render(
        request,
        "relays/contact.html",
        {"territory": territory, "person": person, "form": form},
        status=400 if form.errors else 200,
    )
