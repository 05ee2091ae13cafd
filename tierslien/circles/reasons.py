"""The engine's reasons for leaving someone unplaced, in plain translatable words."""

from __future__ import annotations

from typing import Any, Final

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

REASONS: Final[dict[str, Any]] = {
    "no_time": _("They gave no time at which they are free."),
    "no_venue_in_range": _("No venue lies within the distance they can travel."),
    "no_venue_open": _("No venue they can reach is open at the times they are free."),
    "no_venue_with_needs": _(
        "No venue they can reach, open at their times, offers the access they need."
    ),
    "no_shared_group": _("Nobody can share a circle with them on the required common criteria."),
    "no_site": _("No place and time is possible for them."),
    "venues_full": _("Every venue they can reach is already full at their times."),
    "too_few_nearby": _("Too few other people can meet at the same place and time."),
    "together_and_apart": _("Wishes to be together with or apart from others contradict."),
    "together_too_large": _("Their wishes to be together chain more people than a circle."),
    "together_no_common_site": _("They and the people they must be with share no place and time."),
    "partner_unplaced": _("They must be with someone who cannot be placed."),
    "not_placed": _("No valid circle could take them."),
    "internal_error": _("The composer could not place them safely."),
    # After publication: seats given back (publication.py).
    "declined": _("They gave their seat back."),
    "expired": _("They did not answer their invitation in time."),
}
UNKNOWN: Final = _("The composer gave no reason it can explain.")

# Why a composition did not finish (Season.job_error).
FAILURES: Final[dict[str, Any]] = {
    "too_few_people": _("Too few people registered to form a single circle."),
    "invalid_problem": _("The season's data could not be handed to the composer."),
    "internal": _("The composer stopped on an unexpected error."),
    "cancelled": _("A facilitator stopped the composition."),
    "stalled": _(
        "The composer stopped answering, several times in a row (its server was interrupted). "
        "Nothing was lost: start the composition again."
    ),
}


# When the engine gives the distance, the sentence names it.
WITH_DISTANCE: Final[dict[str, Any]] = {
    "no_venue_in_range": _("No venue lies within %(max_km)s km of their sector."),
    "no_venue_open": _("No venue within %(max_km)s km is open at the times they are free."),
}


def reason_text(code: str, params: object = None) -> Any:
    max_km = params.get("max_km") if isinstance(params, dict) else None
    if code in WITH_DISTANCE and isinstance(max_km, int | float) and not isinstance(max_km, bool):
        km = round(float(max_km), 1)
        return WITH_DISTANCE[code] % {"max_km": number_format(int(km) if km.is_integer() else km)}
    return REASONS.get(code, UNKNOWN)


def failure_text(code: str) -> Any:
    return FAILURES.get(code, FAILURES["internal"])
