"""The analysis of a season's mixing potential, in the background.

`run_analysis` is what the task runs (`tasks.analyse_season`): it claims the row's
current attempt, builds the season's problem WITHOUT the sensitive questions
(`Built.shown`: every figure of the analysis is shown to the facilitator) plus one
stand-in per sensitive question (`with_stand_ins`: random values, left out of every
figure), and calls
`mixing.potential.analyse` (kind "season": what limits the mix, the levers) or
`mixing.potential.evaluate` (kind "point": one venue at a place chosen by hand). Each
re-solve searches for `settings.ANALYSIS_TIME_LIMIT` seconds with the season's seed.
Today's circles (the season's saved `Circle` rows, members still registered) are given
as `current`: the cost of a change (people whose circle changes) is counted against
them, the "keeping today's circles" variant is solved from them, and their own figures
(`Analysis.current`) are read without solving. Gains stay against the fresh solve.
Progress, heartbeats, fencing and the recovery of a dead worker are `lib/jobs.py`'s
(`ANALYSIS`), the same as the composition's: `recover_stalled_jobs` is called by
`manage.py recover_stalled_jobs` and by the analysis page.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tierslien import mixing
from tierslien.circles.actions.review import load
from tierslien.circles.engine import Built
from tierslien.circles.models import Season
from tierslien.lib import jobs
from tierslien.lib.slots import ALL_SLOTS
from tierslien.portraits.engine import option_values
from tierslien.portraits.models import Criterion, MeetingMode, Portrait
from tierslien.potential.models import AnalysisKind, SeasonAnalysis
from tierslien.territories.models import Sector

log = logging.getLogger(__name__)

ANALYSIS: Final = jobs.RowJob(
    model=SeasonAnalysis,
    fields=jobs.JobFields.prefixed("job_"),
    active={},
    task="tierslien.potential.tasks.analyse_season",
    noun="analysis",
    work="analysis of the mixing potential",
    on_queue=lambda moment: {"job_progress": 0.0, "finished_at": None},
    on_claim=lambda moment: {"started_at": moment},
)


@dataclass(frozen=True)
class Inputs:
    """What the library is given besides the problem: all of it without sensitive answers."""

    problem: mixing.Problem  # Built.shown + the stand-ins (`with_stand_ins`)
    sectors: dict[str, str]  # person id -> sector name
    sector_points: dict[str, mixing.Location]  # sector name -> its centre
    accept_online: frozenset[str]  # people whose meeting mode is "online" or "either"
    current: mixing.Solution | None = None  # today's circles (None: the season has none)
    hidden: frozenset[str] = frozenset()  # the stand-ins' names: solved on, never shown


STAND_IN_PREFIX: Final = "stand-in:"


def with_stand_ins(
    built: Built, territory_id: int, seed: int
) -> tuple[mixing.Problem, frozenset[str]]:
    """`Built.shown` plus one stand-in criterion per sensitive question, and their names.

    Why: the composition mixes on every enabled question, sensitive ones included, so
    part of its effort goes to mixing on them; an analysis solving `Built.shown` alone
    spends all its effort on the questions it shows and predicts entre-soi figures
    better than the composition obtains (bench/RESULTS.md, issue 14). A stand-in has
    the question's kind, weight and options (from the question's definition) and, for
    every registered person (answered or not, consented or not), a value drawn
    uniformly over those options by a generator seeded by (`seed`, the question's
    key): the engine mixes "on something else" as much as the composition does.

    Why it reads no answer: the values come from the seed and the list of registered
    people only, and the analysis is given the stand-ins' names as `figures_without`,
    so no figure (entre-soi, diversity, upper bound) is computed on them either.
    A question whose options cannot be drawn from (numeric, or fewer than 2) gets none.
    """
    shown = built.shown
    if not built.sensitive:
        return shown, frozenset()
    engine = {c.name: c for c in built.problem.criteria if c.name in built.sensitive}
    questions = Criterion.objects.filter(territory_id=territory_id, key__in=list(engine))
    choices = {q.key: option_values(q) for q in questions.order_by("key")}
    stand_ins: list[mixing.Criterion] = []
    values: dict[str, dict[str, mixing.Value]] = {p.id: {} for p in shown.people}
    for key in sorted(engine):
        real = engine[key]
        options = list(real.levels) if real.kind == "ordinal" else choices.get(key, [])
        if real.kind == "numeric" or len(set(options)) < 2:
            continue
        name = f"{STAND_IN_PREFIX}{key}"
        stand_ins.append(
            mixing.Criterion(name=name, kind=real.kind, weight=real.weight, levels=real.levels)
        )
        digest = hashlib.sha256(f"{seed}\0{key}".encode()).digest()
        draw = random.Random(int.from_bytes(digest[:8], "big"))
        for person in shown.people:
            picked = draw.choice(options)
            values[person.id][name] = frozenset({picked}) if real.kind == "multi" else picked
    if not stand_ins:
        return shown, frozenset()
    problem = dataclasses.replace(
        shown,
        criteria=shown.criteria + tuple(stand_ins),
        people=tuple(
            dataclasses.replace(p, attributes={**p.attributes, **values[p.id]})
            for p in shown.people
        ),
    )
    return problem, frozenset(c.name for c in stand_ins)


def inputs_of(
    built: Built, territory_id: int, current: mixing.Solution | None = None, seed: int = 0
) -> Inputs:
    names = {
        sector.pk: sector
        for sector in Sector.objects.filter(territory_id=territory_id).order_by("name")
    }
    sectors = {
        pid: names[sid].name
        for pid, sid in built.sectors.items()
        if sid is not None and sid in names
    }
    user_of = {registration.user_id: pid for pid, registration in built.registrations.items()}
    online = Portrait.objects.filter(
        territory_id=territory_id,
        user_id__in=list(user_of),
        meeting_mode__in=[MeetingMode.EITHER, MeetingMode.ONLINE],
    ).values_list("user_id", flat=True)
    problem, hidden = with_stand_ins(built, territory_id, seed)
    return Inputs(
        problem=problem,
        hidden=hidden,
        sectors=sectors,
        sector_points={
            sector.name: mixing.Location(sector.latitude, sector.longitude)
            for sector in names.values()
        },
        accept_online=frozenset(user_of[user] for user in online),
        current=current,
    )


def todays_circles(season: Season) -> tuple[Built, mixing.Solution | None]:
    """The season's problem, and its saved circles as a solution of it (members still
    registered; circles left empty dropped; venue ids as the engine's, online circles on
    an online venue their members can use). None when the season has no circle."""
    found = load(season)
    return found.built, found.saved_solution()


def mixed_on(problem: mixing.Problem) -> list[str]:
    """The criteria the figures may speak of: those at least two different answers were
    given to (a question nobody, or everybody alike, answered cannot be mixed on)."""
    out = []
    for criterion in problem.criteria:
        values = {
            repr(value)
            for person in problem.people
            if (value := person.attributes.get(criterion.name)) is not None
        }
        if len(values) >= 2:
            out.append(criterion.name)
    return out


def without_members(data: Any) -> Any:
    """`data` with every list of groups' member ids emptied (the page never needs them)."""
    if isinstance(data, dict):
        return {
            key: [] if key == "groups" else without_members(value) for key, value in data.items()
        }
    if isinstance(data, list):
        return [without_members(item) for item in data]
    return data


def solve_params_of(max_iterations: int) -> mixing.SolveParams | None:
    """Bounded iterations make an analysis rerun figure for figure (None: time alone)."""
    return mixing.SolveParams(max_iterations=max_iterations) if max_iterations > 0 else None


def _progress(fraction: float, moment: datetime.datetime) -> dict[str, Any]:
    return {"job_progress": max(0.0, min(0.99, float(fraction)))}


def run_analysis(analysis_id: int) -> str:
    """Run one analysis; returns the job's state at the end."""
    return ANALYSIS.run(
        analysis_id, _analyse, lambda error, attempt: _failed(analysis_id, error, attempt)
    )


def _analyse(row: SeasonAnalysis, heartbeat: jobs.Heartbeat) -> str:
    attempt = row.job_attempt
    progress = jobs.ProgressWriter(
        ANALYSIS, row.pk, _progress, attempt=attempt, heartbeat=heartbeat
    )
    result = compute(row.season, row.kind, row.params, progress)
    heartbeat.check()
    return save_result(row.pk, attempt, without_members(result))


def compute(
    season: Season,
    kind: str,
    params: Mapping[str, Any],
    progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """The analysis of `kind` of the season, as stored but with the groups' member ids
    (`without_members` takes them out before saving)."""
    built, current = todays_circles(season)
    inputs = inputs_of(built, season.territory_id, current, season.job_seed)
    common: dict[str, Any] = {
        "time_limit": float(settings.ANALYSIS_TIME_LIMIT or 0.0) or 1.0,
        "seed": season.job_seed,
    }
    solve_params = solve_params_of(int(settings.ANALYSIS_MAX_ITERATIONS))
    if kind == AnalysisKind.SEASON:
        analysis = mixing.analyse_potential(
            inputs.problem,
            sectors=inputs.sectors,
            sector_points=inputs.sector_points,
            slots=ALL_SLOTS,
            accept_online=inputs.accept_online,
            progress=progress,
            params=solve_params,
            current=inputs.current,
            figures_without=inputs.hidden,
            **common,
        )
        result = analysis.to_dict()
    else:
        result = _point(inputs, params, common, solve_params, progress)
    result["mixed_on"] = mixed_on(mixing.without_criteria(inputs.problem, inputs.hidden))
    return result


def _point(
    inputs: Inputs,
    params: Mapping[str, Any],
    common: dict[str, Any],
    solve_params: mixing.SolveParams | None,
    progress: Callable[[float], None] | None,
) -> dict[str, Any]:
    """One venue at a chosen point, its gains against a fresh solve of the same problem,
    its cost against today's circles (the fresh solve's when the season has none)."""
    baseline = mixing.figures_of(
        mixing.solve(inputs.problem, params=solve_params, **common), inputs.hidden
    )
    if progress is not None:
        progress(0.5)
    change = mixing.evaluate_change(
        inputs.problem,
        "add_venue",
        {"lat": float(params["lat"]), "lon": float(params["lon"]), "label": str(params["label"])},
        baseline=baseline,
        sectors=inputs.sectors,
        accept_online=inputs.accept_online,
        slots=ALL_SLOTS,
        params_solve=solve_params,
        current=inputs.current,
        figures_without=inputs.hidden,
        **common,
    )
    now = None
    if inputs.current is not None:
        now = mixing.figures_of_solution(inputs.problem, inputs.current, inputs.hidden).to_dict()
    return {"baseline": baseline.to_dict(), "change": change.to_dict(), "current": now}


@transaction.atomic
def save_result(analysis_id: int, attempt: int, result: dict[str, Any]) -> str:
    row = SeasonAnalysis.objects.select_for_update().filter(pk=analysis_id).first()
    if row is None or row.job_attempt != attempt or row.job_state != jobs.JobState.RUNNING:
        return jobs.MISSING if row is None else str(row.job_state)  # superseded: drop it
    row.result = result
    row.applied = {}
    row.job_state = jobs.JobState.DONE
    row.job_progress = 1.0
    row.finished_at = timezone.now()
    row.save(update_fields=["result", "applied", "job_state", "job_progress", "finished_at"])
    return str(row.job_state)


def _failed(analysis_id: int, error: Exception, attempt: int) -> str:
    if isinstance(error, mixing.ProblemError):
        log.warning("analysis %s: invalid problem: %s", analysis_id, error)
        code = "invalid_problem"
    else:
        log.exception("analysis %s failed", analysis_id)
        code = "internal"
    fail(analysis_id, code, attempt)
    return str(jobs.JobState.FAILED)


def fail(analysis_id: int, code: str, attempt: int | None = None) -> None:
    """Alive → failed with a code (translated when shown)."""
    if ANALYSIS.fail(analysis_id, code, attempt):
        SeasonAnalysis.objects.filter(pk=analysis_id).update(finished_at=timezone.now())


def recover_stalled_jobs(
    now: datetime.datetime | None = None, *, analysis_id: int | None = None
) -> list[tuple[int, str]]:
    """Analyses whose worker died: run again, or failed when no attempt is left."""
    return ANALYSIS.recover(now, pk=analysis_id, give_up=lambda row: fail(row.pk, jobs.STALLED))
