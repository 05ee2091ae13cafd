"""From a season's registrations to the engine's `Problem`: a pure function of querysets.

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
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import combinations
from typing import Any

from tierslien import mixing
from tierslien.circles.models import Membership, Registration, Season, SeasonState
from tierslien.lib.geo import haversine_km
from tierslien.lib.slots import normalise_slots
from tierslien.portraits.models import (
    Answer,
    Criterion,
    CriterionGoal,
    CriterionKind,
    MeetingMode,
    Portrait,
)
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
    if not sensitive:
        return problem
    return replace(
        problem,
        criteria=tuple(c for c in problem.criteria if c.name not in sensitive),
        people=tuple(
            replace(
                person,
                attributes={k: v for k, v in person.attributes.items() if k not in sensitive},
            )
            for person in problem.people
        ),
    )


def engine_criterion(criterion: Criterion) -> mixing.Criterion:
    levels: tuple[str, ...] = ()
    if criterion.kind == CriterionKind.ORDINAL:
        levels = tuple(str(option["value"]) for option in criterion.options)
    # A sensitive question is only ever mixed on: as a "shared" criterion it would make
    # circles of people who all answered alike (the forms and services refuse it too).
    goal = CriterionGoal.DIVERSE if criterion.sensitive else criterion.goal
    return mixing.Criterion(
        name=criterion.key,
        kind=criterion.kind,  # type: ignore[arg-type]
        weight=float(criterion.weight),
        goal=goal,  # type: ignore[arg-type]
        levels=levels,
    )


def _usable_criteria(criteria: list[Criterion]) -> dict[int, mixing.Criterion]:
    """Enabled criteria the engine accepts (an ordinal with fewer than 2 options is skipped)."""
    out: dict[int, mixing.Criterion] = {}
    for criterion in criteria:
        try:
            out[criterion.pk] = engine_criterion(criterion)
        except mixing.ProblemError:
            continue
    return out


def _value(criterion: mixing.Criterion, raw: Any) -> Any:
    """The answer as the engine's JSON expects it, or None when it no longer fits."""
    try:
        checked = criterion.check_value(raw, where="answer")
    except mixing.ProblemError:
        return None
    if isinstance(checked, frozenset):
        return sorted(checked)
    return checked


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
    engine_criteria = _usable_criteria(criteria)
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for portrait_id, criterion_id, value in Answer.objects.filter(
        portrait__in=[portrait.pk for portrait in portraits.values()],
        criterion_id__in=list(engine_criteria),
    ).values_list("portrait_id", "criterion_id", "value"):
        criterion = engine_criteria[criterion_id]
        checked = _value(criterion, value)
        if checked is not None:
            answers[portrait_id][criterion.name] = checked

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
        attributes: dict[str, Any] = {}
        mode = MeetingMode.IN_PERSON
        if portrait is not None and modes_apply:
            mode = portrait.meeting_mode
            if portrait.sector is not None and mode != MeetingMode.ONLINE:
                location = mixing.Location(portrait.sector.latitude, portrait.sector.longitude)
            needs = frozenset(str(need) for need in portrait.accessibility_needs or [])
            attributes = answers.get(portrait.pk, {})
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
                attributes={
                    name: frozenset(value) if isinstance(value, list) else value
                    for name, value in attributes.items()
                },
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
        criteria=tuple(engine_criteria[c.pk] for c in criteria if c.pk in engine_criteria),
        rounds=1,
        venues=engine_venues,
        met_before=met_before(season, {r.user_id: person_id(r) for r in registrations}),
        # Moderation: a block by either person keeps the pair apart in every season.
        apart=blocked_apart({r.user_id: person_id(r) for r in registrations}),
    )
    return Built(
        problem=problem,
        registrations=by_id,
        venues=venues,
        sectors=sectors,
        sensitive=frozenset(c.key for c in criteria if c.sensitive and c.pk in engine_criteria),
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


def blocked_apart(people: dict[int, str]) -> tuple[tuple[str, str], ...]:
    """Pairs of this season's people where one blocked the other (moderation app)."""
    from tierslien.moderation.services import blocked_pairs

    return tuple((people[a], people[b]) for a, b in blocked_pairs(list(people)))
