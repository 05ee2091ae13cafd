"""Why together: what a circle brings together, told to each of its members.

The engine explains every placement to the facilitator; a member reads, in plain words,
only what they would learn by meeting the others (docs/circles.md, "Why together: what a
member can infer"):

- how many people the circle brings together;
- how many different sectors they live in, and how many of the others live in another
  sector than the reader's;
- for each question the mixing spreads people on (one choice, not sensitive and never
  sensitive, enabled), how many different answers the members gave, shown only when
  there are at least two (one would tell the reader everybody's answer: their own);
- how many of the others the reader has never shared a circle with.

Never an answer, never whose: only counts of distinct values. Sensitive questions are
never read, so no figure here depends on a sensitive answer (a test changes them and
compares the bytes).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.db.models import OuterRef, Subquery

from tierslien.circles.engine import MET_STATES
from tierslien.circles.models import Circle, Membership
from tierslien.portraits.models import Answer, Criterion, CriterionGoal, CriterionKind, Portrait

# One-choice questions: "how many different answers" means something for them.
COUNTED_KINDS = (CriterionKind.CATEGORICAL, CriterionKind.ORDINAL)


@dataclass(frozen=True)
class Variety:
    """One question: its label and how many different answers the members gave."""

    label: Any
    answers: int


@dataclass(frozen=True)
class Together:
    """What one member is told about their circle."""

    members: int  # everyone holding a seat, the reader included
    sectors: int  # different sectors among the members who gave one
    other_sector: int | None  # others living in another sector (None: the reader gave none)
    new_to_you: int  # others the reader never shared a circle with
    varieties: tuple[Variety, ...]

    @property
    def others(self) -> int:
        return self.members - 1


def counted_criteria(circle: Circle) -> list[Criterion]:
    """The questions a member may be told about: those the mixing spreads people on, one
    choice, enabled, neither sensitive nor ever sensitive."""
    return [
        c
        for c in Criterion.objects.filter(
            territory_id=circle.season.territory_id,
            enabled=True,
            sensitive=False,
            ever_sensitive=False,
            goal=CriterionGoal.DIVERSE,
            kind__in=COUNTED_KINDS,
        )
        if c.options
    ]


@dataclass(frozen=True)
class CircleFacts:
    """What every member's summary is computed from, read once per circle."""

    members: tuple[int, ...]  # user ids
    sector_of: dict[int, int | None]
    varieties: tuple[Variety, ...]
    met: frozenset[tuple[int, int]]  # pairs of members (smaller id first) who met before

    def for_member(self, user_id: int) -> Together:
        others = [m for m in self.members if m != user_id]
        mine = self.sector_of.get(user_id)
        other_sector = None
        if mine is not None:
            other_sector = sum(1 for m in others if self.sector_of.get(m) not in (None, mine))
        sectors = {s for s in self.sector_of.values() if s is not None}
        met = sum(1 for m in others if (min(m, user_id), max(m, user_id)) in self.met)
        return Together(
            members=len(self.members),
            sectors=len(sectors),
            other_sector=other_sector,
            new_to_you=len(others) - met,
            varieties=self.varieties,
        )


def circle_facts(circle: Circle) -> CircleFacts:
    """Read what a circle brings together: four queries, whatever its size."""
    territory_id = circle.season.territory_id
    portrait = Portrait.objects.filter(territory_id=territory_id, user_id=OuterRef("user_id"))
    rows = list(
        Membership.objects.filter(circle=circle)
        .annotate(
            portrait_id=Subquery(portrait.values("pk")[:1]),
            sector_id=Subquery(portrait.values("sector_id")[:1]),
        )
        .values_list("user_id", "portrait_id", "sector_id")
    )
    criteria = counted_criteria(circle)
    allowed = {c.pk: {str(option["value"]) for option in c.options} for c in criteria}
    answers: dict[int, set[str]] = defaultdict(set)
    for criterion_id, value in Answer.objects.filter(
        portrait_id__in=[p for _, p, _ in rows if p is not None], criterion_id__in=list(allowed)
    ).values_list("criterion_id", "value"):
        if isinstance(value, str) and value in allowed[criterion_id]:
            answers[criterion_id].add(value)
    members = tuple(sorted({user for user, _, _ in rows}))
    return CircleFacts(
        members=members,
        sector_of={user: sector for user, _, sector in rows},
        varieties=tuple(
            Variety(c.display_label, len(answers[c.pk]))
            for c in criteria
            if len(answers[c.pk]) >= 2
        ),
        met=met_before(circle, members),
    )


def together(circle: Circle, user_id: int) -> Together:
    """What `circle` brings together, as its member `user_id` is told."""
    return circle_facts(circle).for_member(user_id)


def met_before(circle: Circle, members: tuple[int, ...]) -> frozenset[tuple[int, int]]:
    """Pairs of members who shared a circle in another season of the territory that met."""
    circles: dict[int, set[int]] = defaultdict(set)
    for circle_id, user_id in (
        Membership.objects.filter(
            user_id__in=members,
            circle__season__territory_id=circle.season.territory_id,
            circle__season__state__in=MET_STATES,
        )
        .exclude(circle__season_id=circle.season_id)
        .values_list("circle_id", "user_id")
    ):
        circles[circle_id].add(user_id)
    return frozenset(
        pair for people in circles.values() for pair in combinations(sorted(people), 2)
    )
