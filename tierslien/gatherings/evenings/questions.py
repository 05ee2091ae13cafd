"""The three or four quick questions asked at the door.

The engine sees them, and the answers given at the door are kept, through the one
adapter, `tierslien.portraits.engine` (`engine_criterion`, `clean_answers`).
"""

from __future__ import annotations

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
