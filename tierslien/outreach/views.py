"""Facilitators' pages of outreach: who is missing from the pool, and the population
shares it is compared with."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tierslien.circles.models import Season
from tierslien.lib.http import posted, tell_refusal
from tierslien.lib.refusals import Refused
from tierslien.outreach import missing
from tierslien.outreach.forms import ReferenceForm
from tierslien.outreach.models import Reference
from tierslien.territories.access import territory_management
from tierslien.territories.models import Territory


def _chosen_season(territory: Territory, raw: str) -> Season | None:
    """The season whose registrations make the pool; none: the territory's portraits."""
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_object_or_404(missing.seasons_to_compare(territory), pk=int(raw))


@require_safe
@territory_management
def missing_overview(request: HttpRequest, territory: Territory) -> HttpResponse:
    season = _chosen_season(territory, request.GET.get("pool", ""))
    page = missing.missing_page(territory, season)
    return render(
        request,
        "outreach/missing.html",
        {
            "territory": territory,
            "season": season,
            "seasons": missing.seasons_to_compare(territory),
            "page": page,
        },
    )


@require_http_methods(["GET", "POST"])
@territory_management
def missing_reference(request: HttpRequest, territory: Territory, dimension: str) -> HttpResponse:
    try:
        found = missing.dimension_for_shares(territory, dimension)
    except Refused as refusal:
        tell_refusal(request, refusal)
        return redirect("outreach_missing", territory.slug)
    if found is None:
        raise Http404
    reference = Reference.objects.filter(territory=territory, dimension=dimension).first()
    form = ReferenceForm(posted(request), dimension=found, reference=reference)
    if request.method == "POST" and form.is_valid():
        try:
            missing.save_reference(
                territory,
                dimension,
                form.cleaned_data["shares"],
                source=form.cleaned_data["source"],
                year=form.cleaned_data["year"],
            )
        except Refused as refusal:
            form.add_error(None, refusal.sentence())
        else:
            if form.converted:
                messages.warning(
                    request,
                    _("The numbers of people were converted into shares of the population."),
                )
            messages.success(request, _("The population shares were saved."))
            return redirect("outreach_missing", territory.slug)
    return render(
        request,
        "outreach/missing_reference.html",
        {"territory": territory, "dimension": found, "form": form, "reference": reference},
    )
