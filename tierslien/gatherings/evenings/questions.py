"""The three or four quick questions asked at the door, and the engine's view of them."""

from __future__ import annotations

from typing import Any

from tierslien import mixing
from tierslien.portraits.models import Criterion, CriterionGoal, CriterionKind
from tierslien.territories.models import Territory

MAX_QUESTIONS = 4
DOOR_KINDS = (CriterionKind.CATEGORICAL, CriterionKind.ORDINAL)


def evening_questions(territory: Territory) -> list[Criterion]:
    """The territory's first enabled, non-sensitive, one-choice questions (at most 4).

    Only questions the mixing diversifies on: a "shared" question would split a
    small room into groups that cannot be mixed.
    """
    criteria = Criterion.objects.filter(
        territory=territory,
        enabled=True,
        sensitive=False,
        ever_sensitive=False,
        goal=CriterionGoal.DIVERSE,
        kind__in=DOOR_KINDS,
    ).order_by("position", "id")
    return [c for c in criteria if len(c.options) >= 2][:MAX_QUESTIONS]


def engine_criterion(criterion: Criterion) -> mixing.Criterion:
    levels: tuple[str, ...] = ()
    if criterion.kind == CriterionKind.ORDINAL:
        levels = tuple(str(option["value"]) for option in criterion.options)
    return mixing.Criterion(
        name=criterion.key,
        kind=criterion.kind,  # type: ignore[arg-type]
        weight=float(criterion.weight),
        levels=levels,
    )


def clean_answers(questions: list[Criterion], raw: dict[str, Any]) -> dict[str, str]:
    """Keep only answers that are one of a current question's options."""
    out: dict[str, str] = {}
    for criterion in questions:
        value = raw.get(criterion.key)
        if isinstance(value, str) and value in {o["value"] for o in criterion.options}:
            out[criterion.key] = value
    return out
