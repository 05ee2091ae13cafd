"""Table plans over rounds, shared by discovery evenings and themed meetings (no Django).

A plan seats people at numbered tables (from 1) for each round: `Plan[P]` is, per round,
person -> table. Evenings mix everyone at every round (tables are re-formed each time);
a themed meeting has one table per contributor, who stays there while citizens move
("hosted" tables: coming back to a table is a revisit). Both use:

- `plan`: the `Plan` type, the engine's retry loop (`best_of_tries`), the loop that
  computes again when another plan was saved meanwhile (`until_saved`), the round timer
  (`round_ends_at`, `timer_state`);
- `hosted`: a themed meeting's plan from the engine (`hosted_plan`, `reassign_groups`);
- `seating`: late arrivals placed into an existing plan (`place_newcomers`);
- `counts`: repeated encounters, revisits, the per-round figures (`round_reports`), and
  how many repeats no plan can avoid (`unavoidable_repeats`).

The word is "round" here; themed meetings call their rounds "rotations" in their models
and pages.
"""

from __future__ import annotations

from tierslien.gatherings.tables.counts import (
    RoundReport,
    fewest_pairs_per_round,
    repeats,
    revisits,
    round_reports,
    unavoidable_repeats,
)
from tierslien.gatherings.tables.hosted import hosted_plan, reassign_groups
from tierslien.gatherings.tables.plan import (
    ENGINE_TRIES,
    PLAN_TRIES,
    Pair,
    Plan,
    PlanChanged,
    TimerState,
    best_of_tries,
    round_ends_at,
    timer_state,
    until_saved,
)
from tierslien.gatherings.tables.seating import Placement, place_newcomers

__all__ = [
    "ENGINE_TRIES",
    "PLAN_TRIES",
    "Pair",
    "Placement",
    "Plan",
    "PlanChanged",
    "RoundReport",
    "TimerState",
    "best_of_tries",
    "fewest_pairs_per_round",
    "hosted_plan",
    "place_newcomers",
    "reassign_groups",
    "repeats",
    "revisits",
    "round_ends_at",
    "round_reports",
    "timer_state",
    "unavoidable_repeats",
    "until_saved",
]
