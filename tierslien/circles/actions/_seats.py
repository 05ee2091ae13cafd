"""Giving people a seat in a circle that already exists, after publication.

Two actions do it: a facilitator offering a seat to someone waiting (`late`), and
the background refill of seats given back (`publish.refill`). Both lock the season
(`locked_placeable`), read its circles again under the lock (`review.load`), check
each seat against the circles as they are then, and hand the seats to `give_seats`:
the one write that turns a person waiting into an invited member.

Members already told about their circle are never moved, no circle is opened, and
people who gave their seat back are never offered another one (`GAVE_BACK`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils import timezone

from tierslien import mixing
from tierslien.circles.actions.invitations import invite, memberships
from tierslien.circles.actions.review import Current, refresh_scores
from tierslien.circles.lifecycle import PLACEABLE
from tierslien.circles.models import GAVE_BACK, Circle, Membership, Season, Unplaced


def locked_placeable(season: Season) -> Season | None:
    """The season row, locked for this transaction, if its circles can take someone
    (`lifecycle.PLACEABLE`)."""
    locked = Season.objects.select_for_update().get(pk=season.pk)
    return locked if locked.state in PLACEABLE else None


def gave_back(season: Season) -> set[int]:
    """The user ids of the season's people who gave their seat back."""
    return set(
        Unplaced.objects.filter(season=season, code__in=GAVE_BACK).values_list("user_id", flat=True)
    )


def home_circle(current: Current, group: mixing.Group) -> int | None:
    """The existing circle an engine's group continues: the one most of its members come
    from (None for a group of newcomers only, a new circle that is not opened)."""
    circle_of = {pid: key for key, members in current.groups.items() for pid in members}
    homes = [circle_of[m] for m in group.members if m in circle_of]
    return max(set(homes), key=homes.count) if homes else None


def give_seats(
    locked: Season,
    current: Current,
    seats: Sequence[tuple[Circle, str]],
    *,
    groups: dict[int, list[str]],
    refresh: Iterable[int],
) -> list[Membership]:
    """Seat each (circle, person id) of `seats` and invite them.

    Inside the caller's transaction, `locked` read with its row lock and every seat
    already checked against the circles read under it. Each person leaves the waiting
    list, becomes a member, and is sent an invitation; `groups` (the circles with them
    in) becomes `current`'s, and the circles `refresh` get their figures again.
    """
    placed: list[Membership] = []
    for circle, pid in seats:
        user_id = current.built.registrations[pid].user_id
        Unplaced.objects.filter(season=locked, user_id=user_id).delete()
        placed.append(Membership.objects.create(circle=circle, user_id=user_id))
    if placed:
        fresh = list(memberships(locked).filter(pk__in=[m.pk for m in placed]))
        invite(fresh, locked, timezone.now())
        current.groups = groups
        refresh_scores(current, refresh)
    return placed
