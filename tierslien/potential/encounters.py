"""Who meets whom: tables of the encounters the season's current circles create.

A cell counts the pairs of people sharing a circle, one in each row's and column's
group (the diagonal: both in it): a sector × sector table from the members' portraits,
and one table per question a member may be told about (`together.counted_criteria`:
one choice, enabled, neither sensitive nor ever sensitive). A cell below
`small_cells.THRESHOLD` is hidden (no totals are shown, so nothing can be differenced).
The circles are those of the season now; no sensitive answer is read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from tierslien import mixing
from tierslien.circles.models import Circle, Membership, Season
from tierslien.circles.together import counted_criteria
from tierslien.lib.small_cells import THRESHOLD
from tierslien.portraits.models import Answer, Portrait


@dataclass(frozen=True)
class Table:
    title: str
    labels: tuple[str, ...]
    rows: tuple[tuple[str, tuple[int | None, ...]], ...]  # label, cells (None: hidden)


def hide_small(counts: tuple[tuple[int, ...], ...]) -> tuple[tuple[int | None, ...], ...]:
    return tuple(tuple(c if c >= THRESHOLD else None for c in row) for row in counts)


def _table(title: str, groups: list[list[str]], labels: dict[str, str]) -> Table | None:
    if not labels:
        return None
    found = mixing.encounter_table(groups, labels)
    hidden = hide_small(found.counts)
    return Table(
        title=title,
        labels=found.labels,
        rows=tuple(zip(found.labels, hidden, strict=True)),
    )


def encounter_tables(season: Season, sectors_title: str) -> list[Table]:
    """The sector table first, then one per question that may be told."""
    circles = list(Circle.objects.filter(season=season).select_related("season").order_by("pk"))
    if not circles:
        return []
    portrait = Portrait.objects.filter(
        territory_id=season.territory_id, user_id=OuterRef("user_id")
    )
    rows = list(
        Membership.objects.filter(circle__season=season)
        .annotate(
            portrait_id=Subquery(portrait.values("pk")[:1]),
            sector_name=Subquery(portrait.values("sector__name")[:1]),
        )
        .values_list("circle_id", "user_id", "portrait_id", "sector_name")
    )
    members: dict[int, list[str]] = defaultdict(list)
    for circle_id, user_id, _portrait, _sector in rows:
        members[circle_id].append(str(user_id))
    groups = [members[c.pk] for c in circles]
    tables = []
    sectors = _table(
        sectors_title,
        groups,
        {str(user): str(sector) for _c, user, _p, sector in rows if sector is not None},
    )
    if sectors is not None:
        tables.append(sectors)
    user_of = {p: str(user) for _c, user, p, _s in rows if p is not None}
    criteria = counted_criteria(circles[0])
    labels: dict[int, dict[str, str]] = defaultdict(dict)
    for criterion_id, portrait_id, value in Answer.objects.filter(
        portrait_id__in=list(user_of), criterion_id__in=[c.pk for c in criteria]
    ).values_list("criterion_id", "portrait_id", "value"):
        if isinstance(value, str):
            labels[criterion_id][user_of[portrait_id]] = value
    for criterion in criteria:
        names = {value: str(label) for value, label in criterion.choices()}
        values = {
            user: names[value] for user, value in labels[criterion.pk].items() if value in names
        }
        table = _table(str(criterion.display_label), groups, values)
        if table is not None:
            tables.append(table)
    return tables
