"""Does the mix survive until people sit down? The season's funnel, per social world.

Registered → placed (holding a seat) → confirmed → came to the first session → came to
the last one: overall, then per answer to each non-sensitive "one choice" criterion and
per sector. A criterion that is, or ever was, sensitive never appears: its answers are
not even read, so the funnel is the same whatever people answered to it.

Every count below `THRESHOLD` is hidden; within one criterion, each stage's counts
(people who did not answer included, as a line of their own) add up to the overall
count, so they are suppressed together (`lib/small_cells.suppress`): a hidden count never
follows from the others. A percentage is shown only when both its counts are.

The purge freezes the funnel into `SeasonTally.funnel`, already suppressed, before it
deletes registrations, memberships' dates and presence records; the report then reads
it from there. Labels are looked up when shown (a criterion made sensitive later
disappears from old reports too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tierslien.circles.models import Membership, MembershipStatus, Registration, Season, SeasonState
from tierslien.feedback.models import SeasonTally
from tierslien.lib.small_cells import THRESHOLD, suppress
from tierslien.portraits.models import Answer, Criterion, CriterionKind, Portrait
from tierslien.spaces.models import Presence

STAGES = (
    gettext_lazy("Registered"),
    gettext_lazy("Placed in a circle"),
    gettext_lazy("Confirmed"),
    gettext_lazy("Came to the first session"),
    gettext_lazy("Came to the last session"),
)
FIRST = 3  # index of "came to the first session" in STAGES
SECTOR = "@sector"  # the per-sector group's key: not a slug, so never a criterion's key
NO_ANSWER = ""


@dataclass(frozen=True)
class Cell:
    count: int | None  # None: fewer than THRESHOLD (or hidden so none can be deduced)
    percent: int | None  # of the line's registered; None when either count is hidden


@dataclass(frozen=True)
class Line:
    label: str
    cells: list[Cell]


@dataclass(frozen=True)
class Group:
    title: str
    lines: list[Line]


@dataclass(frozen=True)
class Funnel:
    stages: list[str]
    overall: Line
    groups: list[Group]
    sentences: list[str]


def _criteria(season: Season) -> list[Criterion]:
    """Criteria a funnel may show: one choice among several, never (ever) sensitive."""
    return list(
        Criterion.objects.filter(
            territory_id=season.territory_id,
            kind=CriterionKind.CATEGORICAL,
            sensitive=False,
            ever_sensitive=False,
        ).order_by("position", "pk")
    )


def _protect(counts: list[int]) -> list[int | None]:
    """`suppress`, and one more: a hidden empty line protects nothing (that nobody left
    a question unanswered is easy to guess), so a single hidden non-empty count gets the
    next smallest shown one hidden with it."""
    out = suppress(counts)
    hidden = [i for i, c in enumerate(out) if c is None and counts[i] > 0]
    shown = [i for i, c in enumerate(out) if c is not None]
    if len(hidden) == 1 and shown:
        out[min(shown, key=lambda i: (counts[i], i))] = None
    return out


def _shown(value: int) -> int | None:
    return value if value >= THRESHOLD else None


def count(season: Season) -> dict[str, Any]:
    """The funnel's counts, suppressed, as kept in the tally (constant number of queries)."""
    registered = set(Registration.objects.filter(season=season).values_list("user_id", flat=True))
    seats = dict(Membership.objects.filter(circle__season=season).values_list("user_id", "status"))
    confirmed = {user for user, status in seats.items() if status == MembershipStatus.CONFIRMED}
    came: dict[int, set[int]] = {1: set(), season.sessions: set()}
    for user, session in Presence.objects.filter(
        circle__season=season, came=True, session__in=list(came)
    ).values_list("user_id", "session"):
        came[session].add(user)
    stages = [registered, set(seats), confirmed, came[1], came[season.sessions]]
    everyone = set().union(*stages)

    portraits = {
        pk: (user, sector)
        for pk, user, sector in Portrait.objects.filter(
            territory_id=season.territory_id, user_id__in=everyone
        ).values_list("pk", "user_id", "sector__name")
    }
    criteria = _criteria(season)
    worlds: dict[str, dict[int, str]] = {SECTOR: {}}
    for user, sector in portraits.values():
        worlds[SECTOR][user] = sector or NO_ANSWER
    for criterion in criteria:
        worlds[criterion.key] = {}
    by_id = {c.pk: c.key for c in criteria}
    for portrait_id, criterion_id, value in Answer.objects.filter(
        portrait_id__in=list(portraits), criterion_id__in=list(by_id)
    ).values_list("portrait_id", "criterion_id", "value"):
        if isinstance(value, str):
            worlds[by_id[criterion_id]][portraits[portrait_id][0]] = value

    groups = []
    for key in [c.key for c in criteria] + [SECTOR]:
        world_of = worlds[key]
        values = sorted({v for v in world_of.values() if v != NO_ANSWER})
        values.append(NO_ANSWER)
        columns = []
        for people in stages:
            counts = [
                sum(1 for user in people if world_of.get(user, NO_ANSWER) == value)
                for value in values
            ]
            columns.append(_protect(counts))
        groups.append(
            {
                "key": key,
                "lines": [
                    {"value": value, "counts": [column[i] for column in columns]}
                    for i, value in enumerate(values)
                ],
            }
        )
    return {"overall": [_shown(len(people)) for people in stages], "groups": groups}


def freeze(season: Season) -> None:
    """Keep the funnel in the season's tally (the purge calls this before deleting)."""
    tally, _created = SeasonTally.objects.get_or_create(season=season)
    if not tally.funnel:
        tally.funnel = count(season)
        tally.save(update_fields=["funnel"])


def _percent(part: int | None, whole: int | None) -> int | None:
    if part is None or not whole:
        return None
    return round(100 * part / whole)


def _line(label: str, counts: list[int | None]) -> Line:
    return Line(label, [Cell(c, _percent(c, counts[0])) for c in counts])


def build(season: Season) -> Funnel | None:
    """The funnel to show: live, or as frozen by the purge (None: nothing was kept)."""
    if season.state == SeasonState.PURGED:
        tally = SeasonTally.objects.filter(season=season).first()
        data = tally.funnel if tally is not None else {}
        if not data:
            return None
    else:
        data = count(season)
    criteria = {c.key: c for c in _criteria(season)}
    overall = _line(_("Everyone"), data["overall"])
    groups, sentences = [], []
    for group in data["groups"]:
        key = group["key"]
        criterion = criteria.get(key)
        if criterion is not None:
            title = str(criterion.display_label)
        elif key == SECTOR:
            title = _("Sector")
        else:
            continue  # removed, or made sensitive since
        lines = []
        for item in group["lines"]:
            value = item["value"]
            if value == NO_ANSWER:
                label = _("No answer") if key != SECTOR else _("No sector given")
            elif criterion is not None:
                label = str(criterion.label_for(value))
            else:
                label = value
            line = _line(label, item["counts"])
            lines.append(line)
            mine, everyone = line.cells[FIRST].percent, overall.cells[FIRST].percent
            if value != NO_ANSWER and mine is not None and everyone is not None:
                sentences.append(
                    _(
                        "Of the people of “%(world)s” (%(question)s), %(mine)d %% came to the "
                        "first session, against %(everyone)d %% overall."
                    )
                    % {"world": label, "question": title, "mine": mine, "everyone": everyone}
                )
        groups.append(Group(title, lines))
    return Funnel([str(s) for s in STAGES], overall, groups, sentences)
