"""Who came to the demo's finished season: a register with realistic attrition.

Most people come to the first session; fewer to each of the next ones, and the drop is
steeper for some social worlds than for others (here by occupation, when the territory
asks it: employees, manual workers and job seekers drop out more), so the season
report's funnel has something to show. Seeded: the same demo every time.
"""

from __future__ import annotations

import random

from django.utils import timezone

from tierslien.circles.models import Membership, Season
from tierslien.circles.schedule import session_times
from tierslien.portraits.models import Answer
from tierslien.spaces.models import Presence, RecordedBy

# Chance of coming to the first session, and what is lost at each later one.
FIRST = 0.92
DROP = 0.06
# Occupations whose people drop out faster (values of the catalogue's "occupation"
# criterion: employees, manual workers, students and job seekers).
FRAGILE = {"5", "6", "8"}
FRAGILE_DROP = 0.14


def record_presences(season: Season, seed: int) -> None:
    """Fill in the register of every session held (as members and the facilitator would)."""
    rng = random.Random(f"{seed}-turnout")
    occupation = dict(
        Answer.objects.filter(
            portrait__territory_id=season.territory_id, criterion__key="occupation"
        ).values_list("portrait__user_id", "value")
    )
    now = timezone.now()
    rows = []
    memberships = Membership.objects.filter(circle__season=season).select_related("circle")
    for membership in memberships.order_by("circle__number", "pk"):
        circle = membership.circle
        fragile = str(occupation.get(membership.user_id, "")) in FRAGILE
        for session in session_times(season, circle.slot):
            if session.starts_at > now:
                continue
            later = session.number - 1
            chance = FIRST - later * (FRAGILE_DROP if fragile else DROP)
            rows.append(
                Presence(
                    circle=circle,
                    user_id=membership.user_id,
                    session=session.number,
                    came=rng.random() < chance,
                    recorded_by=RecordedBy.MEMBER if session.number % 2 else RecordedBy.FACILITATOR,
                    recorded_at=session.ends_at,
                )
            )
    Presence.objects.bulk_create(rows)
