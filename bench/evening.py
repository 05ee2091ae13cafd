"""A discovery evening of 200 attendees, tables of 5, 3 rounds: time and repeats.

    .venv/bin/python bench/evening.py --attendees 200 --rounds 3 --trials 5 [--write]

Runs the application's own services on a throw-away SQLite database: 200
check-ins with random answers to the door questions (age bracket, gender,
occupation, education; 10 % "prefer not to say"), 20 pairs who came together
(seated apart) and 5 who want to stay together, then `compose_tables` (the
engine composes every round at once). Prints one Markdown table row per trial:
seconds to compose (engine and database writes), repeated encounters, table
sizes, companions seated together by mistake, and the engine's runs (a second
run, with twice the time, happens when the first plan repeats encounters). The
first trial includes the engine's start-up in a fresh process. With --write the
table goes to the "Discovery evening" section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=5, help="largest table (smallest: size - 1)")
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    command = shlex.join([".venv/bin/python", "bench/evening.py", *sys.argv[1:]])
    load_before = os.getloadavg()[0]

    workdir = tempfile.mkdtemp(prefix="evening-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierslien.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from tierslien import mixing
    from tierslien.gatherings.evenings import services
    from tierslien.gatherings.evenings.problem import person_id
    from tierslien.gatherings.evenings.questions import evening_questions
    from tierslien.gatherings.models import Companion, Seat
    from tierslien.gatherings.tables import repeats
    from tierslien.portraits.services import install_default_criteria
    from tierslien.territories.models import Sector, Territory, Venue

    engine_calls: list[float] = []
    solve = mixing.solve

    def timed_solve(*args: object, **kwargs: object) -> object:
        began = time.perf_counter()
        try:
            return solve(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            engine_calls.append(time.perf_counter() - began)

    mixing.solve = timed_solve  # type: ignore[assignment]

    call_command("migrate", verbosity=0)
    territory = Territory.objects.create(name="Bench", slug="bench", kind="town")
    install_default_criteria(territory)
    sector = Sector.objects.create(territory=territory, name="C", latitude=48.1, longitude=-1.6)
    venue = Venue.objects.create(
        territory=territory, sector=sector, name="Hall", address="-", latitude=48.1, longitude=-1.6
    )
    questions = evening_questions(territory)
    print(f"questions: {', '.join(q.key for q in questions)}")
    print()
    rows = [
        "| trial | attendees | rounds | seconds | engine runs | engine seconds | repeats "
        "| table sizes | companions together |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        print(row)
    times: list[float] = []
    all_repeats: list[int] = []
    for trial in range(args.trials):
        rng = random.Random(trial)
        evening = services.create_evening(
            territory,
            venue=venue,
            starts_at=timezone.now() + datetime.timedelta(days=1),
            min_size=args.size - 1,
            max_size=args.size,
            rounds=args.rounds,
        )
        people = []
        apart: list[tuple[int, int]] = []
        for k in range(args.attendees):
            answers = {
                q.key: rng.choice(q.options)["value"] for q in questions if rng.random() < 0.9
            }
            came_with: list[int] = []
            together = False
            if people and k % 10 == 0:
                came_with = [rng.choice(people).pk]
                apart.append((k, came_with[0]))
            elif people and k % 40 == 1:
                came_with, together = [people[-1].pk], True
            attendee = services.check_in(
                evening,
                first_name=f"P{k}",
                answers=answers,
                came_with=came_with,
                stay_together=together,
            )
            if came_with and not together:
                apart[-1] = (attendee.pk, came_with[0])
            people.append(attendee)
        engine_calls.clear()
        started = time.perf_counter()
        outcome = services.compose_tables(evening, seed=trial)
        seconds = time.perf_counter() - started
        plan: list[dict[str, int]] = [{} for _ in range(args.rounds)]
        for seat in Seat.objects.filter(evening=evening):
            plan[seat.round - 1][person_id(seat.attendee_id)] = seat.table
        sizes = sorted(
            {
                size
                for assignment in plan
                for size in (list(assignment.values()).count(t) for t in set(assignment.values()))
            }
        )
        mixed = sum(
            assignment[person_id(a)] == assignment[person_id(b)]
            for assignment in plan
            for a, b in apart
        )
        together_pairs = {
            frozenset((person_id(c.attendee_id), person_id(c.other_id)))
            for c in Companion.objects.filter(attendee__evening=evening, together=True)
        }
        row = (
            f"| {trial + 1} | {args.attendees} | {args.rounds} | {seconds:.2f} | "
            f"{len(engine_calls)} | {' + '.join(f'{t:.2f}' for t in engine_calls)} | "
            f"{repeats(plan, ignore=together_pairs)} | {sizes[0]}-{sizes[-1]} | {mixed} |"
        )
        print(row, flush=True)
        rows.append(row)
        times.append(seconds)
        all_repeats.append(repeats(plan, ignore=together_pairs))
        assert outcome.repeats == repeats(plan, ignore=together_pairs)
    if args.write:
        from results import write_section

        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        header = (
            f"Command: `{command}` — {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, "
            f"engine at commit {commit}, one fresh process, compose time limit "
            f"{services._compose_seconds():g} s, load average {load_before:.1f} before and "
            f"{os.getloadavg()[0]:.1f} after (2 shared cores)."
        )
        setup = (
            f"{args.attendees} check-ins through `services.check_in` (door questions: "
            'age bracket, gender, occupation, education; 10 % "prefer not to say"), one in '
            "ten came with someone (seated apart) and one in forty stays with the previous "
            "arrival; then `services.compose_tables` (seconds include building the problem "
            "and writing the seats; a second engine run, with twice the time, would follow "
            "a plan with repeats)."
        )
        later = times[1:] or times
        summary = (
            f"First composition of the process (Numba loads its kernels inside it): "
            f"{times[0]:.2f} s; the others {min(later):.2f}–{max(later):.2f} s; repeated "
            f"encounters over all trials: {sum(all_repeats)}."
        )
        write_section("Discovery evening", "\n".join([header, "", setup, "", *rows, "", summary]))


if __name__ == "__main__":
    main()
