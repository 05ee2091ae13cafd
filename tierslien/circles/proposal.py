"""What the proposal and season pages show, fetched in a constant number of queries.

Only counts and display names: never who answered what.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tierslien.circles.models import (
    Circle,
    Membership,
    Registration,
    Season,
    Unplaced,
    monday_of,
)
from tierslien.circles.reasons import reason_text
from tierslien.lib.slots import DAYS, split
from tierslien.portraits.models import Criterion, Hope, MeetingMode, Portrait
from tierslien.territories.display import slot_label


def seasons_with_counts(queryset: QuerySet[Season]) -> QuerySet[Season]:
    registered = (
        Registration.objects.filter(season=OuterRef("pk"))
        .order_by()
        .values("season")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        registration_count=Coalesce(Subquery(registered, output_field=IntegerField()), Value(0))
    )


def first_session(season: Season, slot: str) -> datetime.date | None:
    """The date of a circle's first meeting: its slot's day in the season's first week."""
    try:
        day, _part = split(slot)
        return monday_of(season.first_week) + datetime.timedelta(days=DAYS.index(day))
    except ValueError:
        return None


@dataclass(frozen=True)
class CircleView:
    circle: Circle
    members: list[str]  # display names
    slot_label: Any
    first_session: datetime.date | None
    indicators: list[str]  # "5 different answers about Occupation", counts only
    seats: list[tuple[int, str]] = field(default_factory=list)  # (membership id, name)
    problems: list[str] = field(default_factory=list)  # rules broken, in plain words


@dataclass(frozen=True)
class UnplacedView:
    name: str
    reason: Any
    user_id: int = 0


@dataclass(frozen=True)
class CriterionFigure:
    label: Any
    entre_soi: float


@dataclass(frozen=True)
class Proposal:
    circles: list[CircleView]
    unplaced: list[UnplacedView]
    placed: int
    ratio_percent: int | None
    lift: float | None
    entre_soi: list[CriterionFigure]
    # Season-wide counts of the registrants' hopes and meeting modes: never per circle or
    # per person. (value, label, count), in the order of the choices.
    hopes: list[tuple[str, Any, int]] = field(default_factory=list)
    modes: list[tuple[str, Any, int]] = field(default_factory=list)


def hopes_and_modes(
    season: Season,
) -> tuple[list[tuple[str, Any, int]], list[tuple[str, Any, int]]]:
    """How many registrants hope for each thing, and meet in each mode (one query).

    Hopes are not given to the engine: JSON v1 can only push people apart on a
    criterion ("diverse") or require a common answer ("shared", a hard rule that
    would leave people out for a wish). The facilitator sees the counts instead.
    """
    hopes: Counter[str] = Counter()
    modes: Counter[str] = Counter()
    for person_hopes, mode in Portrait.objects.filter(
        territory_id=season.territory_id, user__registrations__season=season
    ).values_list("hopes", "meeting_mode"):
        hopes.update({str(hope) for hope in person_hopes or [] if hope in Hope.values})
        modes[str(mode)] += 1
    return (
        [(value, label, hopes[value]) for value, label in Hope.choices],
        [(value, label, modes[value]) for value, label in MeetingMode.choices],
    )


def _indicators(counts: dict[str, Any], labels: dict[str, Any]) -> list[str]:
    out = []
    sectors = counts.get("sectors")
    if isinstance(sectors, int):
        out.append(ngettext("%(count)d sector", "%(count)d sectors", sectors) % {"count": sectors})
    for key, label in labels.items():
        count = counts.get(key)
        if isinstance(count, int) and count > 0:  # 0: nobody in the circle answered
            out.append(
                ngettext(
                    "%(count)d different answer about “%(label)s”",
                    "%(count)d different answers about “%(label)s”",
                    count,
                )
                % {"count": count, "label": label}
            )
    return out


def _number(report: dict[str, Any], key: str) -> float | None:
    value = report.get(key)
    return float(value) if isinstance(value, int | float) else None


def _percent(value: float | None) -> int | None:
    return None if value is None else round(100 * value)


def build_proposal(season: Season, problems: dict[int, list[str]] | None = None) -> Proposal:
    # Sensitive questions shape the mixing but are never described, not even by counts.
    labels = {
        criterion.key: criterion.display_label
        for criterion in Criterion.objects.filter(
            territory_id=season.territory_id, enabled=True, sensitive=False
        )
    }
    circles = (
        Circle.objects.filter(season=season)
        .select_related("venue")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("user").order_by("user__display_name"),
            )
        )
        .order_by("number")
    )
    views = [
        CircleView(
            circle=circle,
            members=[m.user.display_name for m in circle.memberships.all()],
            slot_label=slot_label(circle.slot) if circle.slot else _("no fixed time"),
            first_session=first_session(season, circle.slot),
            indicators=_indicators(circle.counts, labels),
            seats=[(m.pk, m.user.display_name) for m in circle.memberships.all()],
            problems=(problems or {}).get(circle.pk, []),
        )
        for circle in circles
    ]
    unplaced = [
        UnplacedView(
            name=item.user.display_name,
            reason=reason_text(item.code, item.params),
            user_id=item.user_id,
        )
        for item in Unplaced.objects.filter(season=season)
        .select_related("user")
        .order_by("user__display_name", "pk")
    ]
    report = season.report or {}
    figures = [
        CriterionFigure(label=labels[c["name"]], entre_soi=c["entre_soi"])
        for c in report.get("criteria", [])
        if isinstance(c, dict)
        and c.get("name") in labels
        and isinstance(c.get("entre_soi"), int | float)
        # A question nobody (or everybody alike) answered cannot be mixed on: no figure.
        and isinstance(c.get("upper_bound"), int | float)
        and c["upper_bound"] > 0
    ]
    hopes, modes = hopes_and_modes(season)
    return Proposal(
        hopes=hopes,
        modes=modes,
        circles=views,
        unplaced=unplaced,
        placed=sum(len(view.members) for view in views),
        ratio_percent=_percent(_number(report, "ratio_to_bound")),
        lift=_number(report, "lift"),
        entre_soi=figures,
    )


@dataclass(frozen=True)
class CircleAnswers:
    """A published circle as its facilitator follows it: who answered, never what else."""

    circle: Circle
    slot_label: Any
    confirmed: list[str]
    pending: list[str]
    size: int
    below_minimum: bool


def circles_answers(season: Season) -> list[CircleAnswers]:
    """Every circle with confirmed and pending members (two queries)."""
    from tierslien.circles.models import MembershipStatus

    circles = (
        Circle.objects.filter(season=season)
        .select_related("venue")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("user").order_by("user__display_name"),
            )
        )
        .order_by("number")
    )
    out = []
    for circle in circles:
        members = list(circle.memberships.all())
        out.append(
            CircleAnswers(
                circle=circle,
                slot_label=slot_label(circle.slot) if circle.slot else _("no fixed time"),
                confirmed=[
                    m.user.display_name for m in members if m.status == MembershipStatus.CONFIRMED
                ],
                pending=[
                    m.user.display_name for m in members if m.status != MembershipStatus.CONFIRMED
                ],
                size=len(members),
                below_minimum=len(members) < season.min_size,
            )
        )
    return out
