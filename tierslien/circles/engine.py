"""Circles and the engine: from a season's registrations to the engine's `Problem`, and back.

`build_problem` is a pure function of querysets; `without_locked` takes the locked
circles out of it before a recomposition; `circle_diversity` is the score a
circle shows. The questions and answers become the engine's types through the
one adapter, `tierslien.portraits.engine`.

People are known to the engine only by an opaque id (``r<registration id>``):
no name, no email, no address. A person's location is their sector's centre.
Sensitive answers are used here, and only here: they exist only with consent.
The engine mixes on them (that is its purpose), but every figure a person can
see (diversity, counts, the season's report) is computed from `Built.shown`,
the same problem without the sensitive questions, so that no number, order or
word anyone reads depends on a sensitive answer. A sensitive question is always
mixed on ("diverse"), never required in common: a "shared" one would make
circles of people who all answered alike.
The self-portrait's meeting mode becomes access labels and online "venues"
(see `online_venues`); its hopes are not given to the engine (docs/circles.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import combinations
from typing import Any

from tierslien import mixing
from tierslien.circles.apart import kept_apart
from tierslien.circles.models import Circle, Membership, Registration, Season, SeasonState
from tierslien.lib.geo import haversine_km
from tierslien.lib.slots import ALL_SLOTS, normalise_slots
from tierslien.portraits.engine import engine_attributes, engine_criteria
from tierslien.portraits.models import Answer, Criterion, MeetingMode, Portrait
from tierslien.territories.models import Accessibility, Venue

# How the meeting mode of the self-portrait reaches the engine (JSON v1 has no notion of
# "online"): as access labels. Every real venue offers IN_PERSON; the online "venues" offer
# ONLINE (and every access label: a meeting at home needs no ramp). An in-person-only
# person needs IN_PERSON, an online-only person needs ONLINE, and someone who accepts
# either needs neither, so the engine may seat them on either side.
IN_PERSON = "in-person"
ONLINE = "online"
ONLINE_PREFIX = "online"

# Seasons whose circles actually met: their members have met before. Memberships
# outlive the purge of a season's content (feedback.purge), so purged seasons count.
MET_STATES = (
    SeasonState.PUBLISHED,
    SeasonState.RUNNING,
    SeasonState.CLOSED,
    SeasonState.PURGED,
)


@dataclass(frozen=True)
class Built:
    """The problem, and what the application needs to read the engine's answer back."""

    problem: mixing.Problem
    registrations: dict[str, Registration]  # person id -> registration (with user)
    venues: dict[str, Venue]  # venue id -> venue
    sectors: dict[str, int | None]  # person id -> sector id (for the "sectors" count)
    sensitive: frozenset[str] = field(default=frozenset())  # keys of sensitive criteria

    @cached_property
    def shown(self) -> mixing.Problem:
        """The problem every displayed figure is computed from: no sensitive question.

        The engine composes with `problem`; diversity scores, counts, the season's
        report and explanations use this one, so nothing shown depends on a
        sensitive answer (docs/circles.md, "What a facilitator can and cannot learn").
        """
        return shown_problem(self.problem, self.sensitive)

    def online_venue(self, members: list[str] | tuple[str, ...]) -> str | None:
        """The id of an online "venue" every member can use (the first that fits), if any."""
        candidates = [v for v in self.problem.venues if is_online_venue(v.id)]
        people = [self.problem.people[self.problem.index[m]] for m in members]
        for venue in candidates:
            if all(_within(person, venue) for person in people):
                return venue.id
        return candidates[0].id if candidates else None


def _within(person: mixing.Person, venue: mixing.Venue) -> bool:
    if person.location is None or person.max_km is None or venue.location is None:
        return True
    distance = haversine_km(
        person.location.lat, person.location.lon, venue.location.lat, venue.location.lon
    )
    return distance <= person.max_km + 1e-9


def is_online_venue(vid: str | None) -> bool:
    return bool(vid) and str(vid).split("@", 1)[0] == ONLINE_PREFIX


def person_id(registration: Registration) -> str:
    return f"r{registration.pk}"


def venue_id(venue: Venue) -> str:
    return f"v{venue.pk}"


def shown_problem(problem: mixing.Problem, sensitive: frozenset[str]) -> mixing.Problem:
    """`problem` without the `sensitive` criteria and everybody's answers to them."""
    return mixing.without_criteria(problem, sensitive)


def build_problem(season: Season) -> Built:
    territory_id = season.territory_id
    registrations = list(
        Registration.objects.filter(season=season).select_related("user").order_by("pk")
    )
    user_ids = [registration.user_id for registration in registrations]
    portraits = {
        portrait.user_id: portrait
        for portrait in Portrait.objects.filter(
            territory_id=territory_id, user_id__in=user_ids
        ).select_related("sector")
    }
    criteria = list(Criterion.objects.filter(territory_id=territory_id, enabled=True))
    usable = engine_criteria(criteria)
    raw_answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for portrait_id, criterion_id, value in Answer.objects.filter(
        portrait__in=[portrait.pk for portrait in portraits.values()],
        criterion_id__in=list(usable),
    ).values_list("portrait_id", "criterion_id", "value"):
        raw_answers[portrait_id][usable[criterion_id].name] = value

    venues = {
        venue_id(venue): venue
        for venue in Venue.objects.filter(territory_id=territory_id).order_by("pk")
    }
    # Without any venue nobody meets at one: the meeting mode is not applied (see docs).
    modes_apply = bool(venues)
    people = []
    by_id: dict[str, Registration] = {}
    sectors: dict[str, int | None] = {}
    # Where online "venues" stand: the sector centres of people who accept either mode
    # (JSON v1 checks every member's travel limit against the venue's point, see below).
    online_points: dict[int | None, mixing.Location | None] = {}
    for registration in registrations:
        pid = person_id(registration)
        portrait = portraits.get(registration.user_id)
        location = None
        needs: frozenset[str] = frozenset()
        attributes: dict[str, mixing.Value] = {}
        mode = MeetingMode.IN_PERSON
        if portrait is not None and modes_apply:
            mode = portrait.meeting_mode
            if portrait.sector is not None and mode != MeetingMode.ONLINE:
                location = mixing.Location(portrait.sector.latitude, portrait.sector.longitude)
            needs = frozenset(str(need) for need in portrait.accessibility_needs or [])
            attributes = engine_attributes(usable.values(), raw_answers.get(portrait.pk, {}))
        if mode == MeetingMode.ONLINE:
            needs = frozenset({ONLINE})  # no venue, no travel, no access need to meet
            online_points.setdefault(None, None)
        elif mode == MeetingMode.EITHER:
            online_points.setdefault(
                portrait.sector_id if portrait is not None and location is not None else None,
                location,
            )
        elif modes_apply:
            needs = needs | {IN_PERSON}
        people.append(
            mixing.Person(
                id=pid,
                attributes=attributes,
                slots=tuple(normalise_slots(registration.availability)),
                needs=needs,
                location=location,
                max_km=float(registration.max_km) if location is not None else None,
            )
        )
        by_id[pid] = registration
        sectors[pid] = portrait.sector_id if portrait is not None else None

    engine_venues = tuple(
        mixing.Venue(
            id=vid,
            location=mixing.Location(venue.latitude, venue.longitude),
            slots=tuple(normalise_slots(venue.opening_slots)),
            capacity=int(venue.capacity),
            features=frozenset(str(feature) for feature in venue.accessibility or []) | {IN_PERSON},
        )
        for vid, venue in venues.items()
    ) + online_venues(online_points, people, len(registrations))
    problem = mixing.Problem(
        people=tuple(people),
        min_size=season.min_size,
        max_size=season.max_size,
        criteria=tuple(usable.values()),
        rounds=1,
        venues=engine_venues,
        met_before=met_before(season, {r.user_id: person_id(r) for r in registrations}),
        # Pairs kept apart for good (moderation: a block by either person, every season).
        apart=kept_apart({r.user_id: person_id(r) for r in registrations}),
    )
    return Built(
        problem=problem,
        registrations=by_id,
        venues=venues,
        sectors=sectors,
        sensitive=frozenset(c.key for c in criteria if c.sensitive and c.pk in usable),
    )


def online_venues(
    points: dict[int | None, mixing.Location | None],
    people: list[mixing.Person],
    capacity: int,
) -> tuple[mixing.Venue, ...]:
    """The online "venues": open at every slot, never full, offering every access label.

    JSON v1 requires every venue to have a point once people have travel limits, and
    checks each member's limit against it. Online-only people have no point (so no
    limit); someone who accepts either keeps theirs, so there is one online venue per
    sector centre of such people (``online@s<sector>``), standing on that centre: they
    can always meet online with people of their own sector, and with people from
    farther away as far as they could have travelled. A single ``online`` venue
    serves when nobody who accepts either has a sector.
    """
    if not points:
        return ()
    features = frozenset({ONLINE, *(str(value) for value in Accessibility.values)})
    located = {key: point for key, point in points.items() if point is not None}
    if not located:
        anyone = next((p.location for p in people if p.location is not None), None)
        return (
            mixing.Venue(
                id=ONLINE_PREFIX, location=anyone, capacity=max(capacity, 1), features=features
            ),
        )
    return tuple(
        mixing.Venue(
            id=f"{ONLINE_PREFIX}@s{key}",
            location=point,
            capacity=max(capacity, 1),
            features=features,
        )
        for key, point in sorted(located.items(), key=lambda item: item[0] or 0)
    )


def met_before(season: Season, people: dict[int, str]) -> tuple[tuple[str, str], ...]:
    """Pairs of this season's people who shared a circle in another season of the territory."""
    circles: dict[int, list[int]] = defaultdict(list)
    for circle_id, user_id in (
        Membership.objects.filter(
            circle__season__territory_id=season.territory_id,
            circle__season__state__in=MET_STATES,
            user_id__in=list(people),
        )
        .exclude(circle__season=season)
        .values_list("circle_id", "user_id")
    ):
        circles[circle_id].append(user_id)
    pairs: set[tuple[str, str]] = set()
    for members in circles.values():
        for a, b in combinations(sorted(set(members)), 2):
            pairs.add((people[a], people[b]))
    return tuple(sorted(pairs))


# --- Recomposing around locked circles ------------------------------------------------------


def without_locked(built: Built, locked: list[Circle], pid_of: dict[int, str]) -> Built:
    """The problem minus the locked circles' members and their seats at the venues.

    The engine's incremental mode (`previous=`) keeps previous groups but may add
    newcomers to them; a locked circle must stay exactly as it is, so its
    members leave the problem, and the venue loses one place at that slot: the
    venue is split into a copy open only at that slot with the remaining
    capacity (its id ``v<id>@<slot>`` maps back to the same venue).
    """
    gone = {pid_of[m.user_id] for circle in locked for m in circle.memberships.all()}
    gone &= set(built.problem.index)
    taken: dict[tuple[str, str], int] = defaultdict(int)
    for circle in locked:
        if circle.venue is not None and circle.slot:
            taken[(venue_id(circle.venue), circle.slot)] += 1
    venues: list[mixing.Venue] = []
    mapping = dict(built.venues)
    for venue in built.problem.venues:
        busy = {slot: n for (vid, slot), n in taken.items() if vid == venue.id}
        if not busy:
            venues.append(venue)
            continue
        open_at = venue.slots if venue.slots is not None else ALL_SLOTS
        venues.append(replace(venue, slots=tuple(s for s in open_at if s not in busy)))
        for slot, count in sorted(busy.items()):
            left = venue.capacity - count
            if left > 0 and slot in open_at:
                copy_id = f"{venue.id}@{slot}"
                venues.append(replace(venue, id=copy_id, slots=(slot,), capacity=left))
                mapping[copy_id] = built.venues[venue.id]
    people = tuple(p for p in built.problem.people if p.id not in gone)

    def pairs(items: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple(p for p in items if p[0] not in gone and p[1] not in gone)

    problem = replace(
        built.problem,
        people=people,
        venues=tuple(venues),
        met_before=pairs(built.problem.met_before),
        apart=pairs(built.problem.apart),
        together=pairs(built.problem.together),
    )
    return Built(
        problem=problem,
        registrations={pid: r for pid, r in built.registrations.items() if pid not in gone},
        venues=mapping,
        sectors={pid: s for pid, s in built.sectors.items() if pid not in gone},
        sensitive=built.sensitive,
    )


# --- A circle's diversity, as defined by the grouping spec (JSON v1, "Dissimilarity") ---------
# The engine reports season-wide figures; the per-circle score shown on the proposal is
# recomputed here from the problem with the spec's formula: the sum, over the circle's
# pairs, of the weighted share of criteria on which they differ.


def _delta(criterion: mixing.Criterion, a: object, b: object, span: float) -> float:
    if criterion.kind == "categorical":
        return 0.0 if a == b else 1.0
    if criterion.kind == "ordinal":
        levels = criterion.levels
        return abs(levels.index(str(a)) - levels.index(str(b))) / (len(levels) - 1)
    if criterion.kind == "numeric":
        return abs(float(a) - float(b)) / span if span > 0 else 0.0  # type: ignore[arg-type]
    first, second = frozenset(a), frozenset(b)  # type: ignore[call-overload]
    union = first | second
    return 1.0 - len(first & second) / len(union) if union else 0.0


def spans(problem: mixing.Problem) -> dict[str, float]:
    """The range of each numeric criterion over all the problem's people."""
    out: dict[str, float] = {}
    for criterion in problem.criteria:
        if criterion.kind != "numeric":
            continue
        values = [
            float(v)  # type: ignore[arg-type]
            for p in problem.people
            if (v := p.attributes.get(criterion.name)) is not None
        ]
        out[criterion.name] = max(values) - min(values) if values else 0.0
    return out


def circle_diversity(
    problem: mixing.Problem, members: Sequence[str], numeric_spans: dict[str, float]
) -> float:
    diverse = problem.diverse_criteria
    total_weight = sum(c.weight for c in diverse)
    if total_weight <= 0:
        return 0.0
    people = [problem.people[problem.index[m]] for m in members]
    score = 0.0
    for first, second in combinations(people, 2):
        pair = 0.0
        for criterion in diverse:
            a = first.attributes.get(criterion.name)
            b = second.attributes.get(criterion.name)
            if a is None or b is None:
                continue
            pair += criterion.weight * _delta(
                criterion, a, b, numeric_spans.get(criterion.name, 0.0)
            )
        score += pair / total_weight
    return round(score, 4)
