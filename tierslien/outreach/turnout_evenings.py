"""Who came to an evening: check-in records arrivals; a facilitator may correct it after.

An attendee marked as not having come keeps their check-in (the record of the door);
`came` is what turnout counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from tierslien.gatherings.models import Attendee, Evening


def mark_attendees(evening: Evening, came: Mapping[int, bool]) -> None:
    """Set `came` for attendees of this evening (ids of other evenings are ignored)."""
    with transaction.atomic():
        rows = Attendee.objects.select_for_update().filter(evening=evening, pk__in=list(came))
        for attendee in rows:
            if attendee.came != came[attendee.pk]:
                attendee.came = came[attendee.pk]
                attendee.save(update_fields=["came"])
