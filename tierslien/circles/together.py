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
    count: int


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


def together(circle: Circle, user_id: int) -> Together:
    """What `circle` brings together, as its member `user_id` is told (four queries,
    whatever the size of the circle)."""
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
    members = sorted({user for user, _, _ in rows})
    sector_of = {user: sector for user, _, sector in rows}
    criteria = counted_criteria(circle)
    allowed = {c.pk: {str(option["value"]) for option in c.options} for c in criteria}
    answers: dict[int, set[str]] = defaultdict(set)
    for criterion_id, value in Answer.objects.filter(
        portrait_id__in=[p for _, p, _ in rows if p is not None], criterion_id__in=list(allowed)
    ).values_list("criterion_id", "value"):
        if isinstance(value, str) and value in allowed[criterion_id]:
            answers[criterion_id].add(value)
    varieties = tuple(
        Variety(c.display_label, len(answers[c.pk])) for c in criteria if len(answers[c.pk]) >= 2
    )
    sectors = {s for s in sector_of.values() if s is not None}
    mine = sector_of.get(user_id)
    others = [m for m in members if m != user_id]
    other_sector = None
    if mine is not None:
        other_sector = sum(1 for m in others if sector_of.get(m) not in (None, mine))
    return Together(
        members=len(members),
        sectors=len(sectors),
        other_sector=other_sector,
        new_to_you=len(others) - len(met_before(circle, user_id, others)),
        varieties=varieties,
    )


def met_before(circle: Circle, user_id: int, others: list[int]) -> set[int]:
    """The others who shared a circle with `user_id` in another season of the territory."""
    theirs = Membership.objects.filter(
        user_id=user_id,
        circle__season__territory_id=circle.season.territory_id,
        circle__season__state__in=MET_STATES,
    ).exclude(circle__season_id=circle.season_id)
    return set(
        Membership.objects.filter(
            circle_id__in=theirs.values("circle_id"), user_id__in=others
        ).values_list("user_id", flat=True)
    )
