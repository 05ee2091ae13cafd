"""Reviewing a proposal: move, swap, lock, and the rules each circle must keep.

The current circles are handed back to the engine as a `mixing.Solution`, and
`mixing.violations` (the engine's independent checker) says which hard rule a
circle breaks: size, the weekly slot, the distance each member can travel, the
venue's opening times and access, criteria that must be shared, pairs that must
stay apart, a venue hosting too many circles at once. Its findings are put in
plain, translatable words here, with display names — never anyone's answers.

A move that breaks a rule the circles kept before is refused unless the
facilitator explicitly confirms it (`force=True`): they may know something the
data does not (a lift at the venue, a lift in a car). Two rules are never
overridden: people who must stay apart (a block, moderation) and answers the
members must have in common. Both are said with the same words, naming nobody
(`TOGETHER`), so that a facilitator cannot tell a block from a missing common
language, nor who blocked whom.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tierslien import mixing
from tierslien.circles.engine import (
    ONLINE,
    Built,
    build_problem,
    circle_diversity,
    is_online_venue,
    spans,
    venue_id,
)
from tierslien.circles.models import Circle, Membership, Season, SeasonState, Unplaced
from tierslien.lib.refusals import Refused
from tierslien.mixing import Report, build_report, encode, explain
from tierslien.territories.display import slot_label


class ReviewError(Refused):
    """A review action that cannot be done."""

    message = gettext_lazy("Circles can be changed only while they are a proposal.")


class NotProposed(ReviewError):
    """Circles can be changed only while they are a proposal."""


class CircleLocked(ReviewError):
    """A locked circle keeps its members: unlock it first."""

    message = gettext_lazy("Nothing was changed: unlock the circle first.")


class SameCircle(ReviewError):
    """Moving or swapping within one circle changes nothing."""

    message = gettext_lazy("Nothing was changed: choose another circle.")


class NotUnplaced(ReviewError):
    """The person is no longer among those the composition left unplaced."""

    message = gettext_lazy("This person is no longer waiting for a circle.")


class BreaksRules(ReviewError):
    """The change breaks rules the circles kept before; `problems` says which, in words.

    `hard`: one of them is never overridden, even when confirmed (`TOGETHER`)."""

    message = gettext_lazy(
        "Nothing was changed: %(problems)s Tick the box to keep the change anyway."
    )
    never = gettext_lazy("Nothing was changed: %(problems)s This rule cannot be set aside.")

    def __init__(self, problems: list[str], *, hard: bool = False) -> None:
        self.problems = problems
        self.hard = hard
        super().__init__(self.never if hard else None, problems=" ".join(problems))

    def __str__(self) -> str:
        return "; ".join(self.problems)


# (the checker's own message, the same in plain words)
Finding = tuple[str, str]


@dataclass
class Current:
    """A season's circles as the engine sees them, and how to read its answers back."""

    season: Season
    built: Built
    circles: list[Circle]  # in number order, memberships (with users) prefetched
    pid_of: dict[int, str]  # user id -> engine person id
    groups: dict[int, list[str]]  # circle id -> person ids

    def solution(self, groups: dict[int, list[str]] | None = None) -> mixing.Solution:
        groups = self.groups if groups is None else groups
        return mixing.Solution(
            rounds=(
                mixing.Round(
                    groups=tuple(
                        mixing.Group(
                            members=tuple(groups[circle.pk]),
                            venue=self._venue(circle, groups[circle.pk]),
                            slot=circle.slot or None,
                        )
                        for circle in self.circles
                    )
                ),
            )
        )

    def saved_solution(self) -> mixing.Solution | None:
        """The circles that have members, as a solution of `built.problem` (None: none)."""
        groups = tuple(g for g in self.solution().rounds[0].groups if g.members)
        return mixing.Solution(rounds=(mixing.Round(groups=groups),)) if groups else None

    def circle(self, circle_id: int) -> Circle:
        """One of the season's circles, as read by `load`."""
        for circle in self.circles:
            if circle.pk == circle_id:
                return circle
        raise Circle.DoesNotExist

    def membership(self, membership_id: int) -> Membership:
        """One of the season's seats, as read by `load`."""
        for circle in self.circles:
            for membership in circle.memberships.all():
                if membership.pk == membership_id:
                    return membership
        raise Membership.DoesNotExist

    def _venue(self, circle: Circle, members: list[str]) -> str | None:
        if circle.online:
            return self.built.online_venue(members)
        return venue_id(circle.venue) if circle.venue else None

    def problems(self, groups: dict[int, list[str]] | None = None) -> dict[int, list[str]]:
        """Circle id -> the rules it breaks, in plain words (a circle keeping all: absent).

        The same words appear once per circle: how many pairs cannot be together, or
        why, is not told."""
        return {
            key: list(dict.fromkeys(words for _raw, words in found))
            for key, found in self.findings(groups).items()
        }

    def findings(self, groups: dict[int, list[str]] | None = None) -> dict[int, list[Finding]]:
        """Circle id -> the checker's findings, each as (its own message, plain words)."""
        found = mixing.violations(self.built.problem, self.solution(groups))
        names = {
            pid: registration.user.display_name
            for pid, registration in self.built.registrations.items()
        }
        venues = {vid: venue.name for vid, venue in self.built.venues.items()}
        venues.update(
            (venue.id, _("the online meeting"))
            for venue in self.built.problem.venues
            if is_online_venue(venue.id)
        )
        online_only = {p.id for p in self.built.problem.people if p.needs == {ONLINE}}
        out: dict[int, list[Finding]] = defaultdict(list)
        for violation in found:
            if 0 <= violation.group < len(self.circles):
                key = self.circles[violation.group].pk
            else:
                key = 0  # season-wide (a venue hosting too many circles, someone twice)
            words = plain_words(violation.message, names, venues, online_only)
            out[key].append((violation.message, words))
        return dict(out)


def load(season: Season) -> Current:
    """Build the problem once and read the current circles (a constant number of queries)."""
    built = build_problem(season)
    pid_of = {registration.user_id: pid for pid, registration in built.registrations.items()}
    circles = list(
        Circle.objects.filter(season=season)
        .select_related("venue")
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("user"))
        )
        .order_by("number")
    )
    groups = {
        circle.pk: [pid_of[m.user_id] for m in circle.memberships.all() if m.user_id in pid_of]
        for circle in circles
    }
    return Current(season=season, built=built, circles=circles, pid_of=pid_of, groups=groups)


# --- The checker's findings in plain words ---

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^size (\d+) outside \[(\d+), (\d+)\]$"), "size"),
    (re.compile(r"^(\S+) is not free at (\S+)$"), "not_free"),
    (re.compile(r"^(\S+) is not open at (\S+)$"), "closed"),
    (re.compile(r"^(\S+) lacks a need of (\S+)$"), "needs"),
    (re.compile(r"^(\S+) is ([\d.]+) km from (\S+)$"), "distance"),
    (re.compile(r"^apart pair \['(\S+)', '(\S+)'\] together$"), "apart"),
    (re.compile(r"^shared criterion .*$"), "shared"),
    (re.compile(r"^(\S+) hosts (\d+) groups at (\S+)$"), "hosts"),
    (re.compile(r"^missing or unknown venue .*$"), "no_venue"),
    (re.compile(r"^no slot although .*$"), "no_slot"),
    (re.compile(r"^(\S+) is in (\d+) groups$"), "twice"),
]


def together_words() -> str:
    """The one sentence for every "cannot be together" rule: a block between two
    members (moderation) or an answer they must have in common. It names nobody and
    gives no reason, so neither a block nor who blocked whom can be told."""
    return _("Some members of this circle cannot be together.")


def _slot(label: str) -> str:
    try:
        return str(slot_label(label))
    except ValueError:
        return label


def plain_words(
    message: str,
    names: dict[str, str],
    venues: dict[str, str],
    online_only: set[str] | frozenset[str] = frozenset(),
) -> str:
    """One of the checker's messages as a facilitator reads it."""

    def who(pid: str) -> str:
        return names.get(pid, _("someone"))

    def where(vid: str) -> str:
        return venues.get(vid, _("the venue"))

    for pattern, kind in _PATTERNS:
        match = pattern.match(message)
        if match is None:
            continue
        g = match.groups()
        if kind == "size":
            return _("%(size)s people: a circle needs %(low)s to %(high)s.") % {
                "size": g[0],
                "low": g[1],
                "high": g[2],
            }
        if kind == "not_free":
            return _("%(name)s is not free on %(slot)s.") % {"name": who(g[0]), "slot": _slot(g[1])}
        if kind == "closed":
            return _("%(venue)s is not open on %(slot)s.") % {
                "venue": where(g[0]),
                "slot": _slot(g[1]),
            }
        if kind == "needs" and is_online_venue(g[0]):
            return _("%(name)s can meet only in person.") % {"name": who(g[1])}
        if kind == "needs" and g[1] in online_only:
            return _("%(name)s can meet only online.") % {"name": who(g[1])}
        if kind == "needs":
            return _("%(venue)s lacks an access need of %(name)s.") % {
                "venue": where(g[0]),
                "name": who(g[1]),
            }
        if kind == "distance":
            return _("%(venue)s is %(km)s km away: farther than %(name)s can travel.") % {
                "venue": where(g[0]),
                "km": g[1],
                "name": who(g[2]),
            }
        if kind in ("apart", "shared"):
            return together_words()
        if kind == "hosts":
            return _("%(venue)s would host %(count)s circles at once on %(slot)s.") % {
                "venue": where(g[0]),
                "count": g[1],
                "slot": _slot(g[2]),
            }
        if kind == "no_venue":
            return _("The circle has no venue.")
        if kind == "no_slot":
            return _("The circle has no weekly time.")
        return _("%(name)s is in several circles.") % {"name": who(g[0])}
    return _("A rule of the composition is broken.")


# --- Writes ---


def _locked_season(season: Season) -> Season:
    current = Season.objects.select_for_update().get(pk=season.pk)
    if current.state != SeasonState.PROPOSED:
        raise NotProposed
    return current


def _new_problems(
    current: Current, changed: dict[int, list[str]], circle_ids: Iterable[int]
) -> list[str]:
    """The rules the change breaks that were kept before, in plain words (each once).

    Compared on the checker's own messages: a second pair that cannot be together
    in a circle that already had one is a new problem, although said the same way."""
    before = current.findings()
    after = current.findings(changed)
    out: list[str] = []
    for key in [*circle_ids, 0]:
        old = {raw for raw, _words in before.get(key, [])}
        out += [words for raw, words in after.get(key, []) if raw not in old]
    return list(dict.fromkeys(out))


def refuse_breaking(
    current: Current,
    changed: dict[int, list[str]],
    circle_ids: Iterable[int],
    *,
    force: bool,
    refusal: type[BreaksRules] = BreaksRules,
) -> None:
    """Refuse a change that breaks a rule kept before (`refusal`, a `BreaksRules`), unless
    confirmed (`force`) — never for a "cannot be together" rule."""
    problems = _new_problems(current, changed, circle_ids)
    hard = together_words() in problems
    if problems and (hard or not force):
        raise refusal(problems, hard=hard)


def _apply(
    current: Current,
    changed: dict[int, list[str]],
    moves: list[tuple[Membership, Circle]],
    *,
    force: bool,
) -> list[Circle]:
    touched = [circle for _m, circle in moves] + [
        current.circle(membership.circle_id) for membership, _c in moves
    ]
    ids = list(dict.fromkeys(circle.pk for circle in touched))
    refuse_breaking(current, changed, ids, force=force)
    for membership, circle in moves:
        membership.circle = circle
        membership.save(update_fields=["circle"])
    current.groups = changed
    refresh_scores(current, ids)
    return [current.circle(pk) for pk in ids]


@transaction.atomic
def move_member(
    season: Season, membership_id: int, to_circle_id: int, *, force: bool = False
) -> Circle:
    """Move someone to another circle; returns the circle they joined."""
    _locked_season(season)
    current = load(season)
    membership = current.membership(membership_id)
    source = current.circle(membership.circle_id)
    target = current.circle(to_circle_id)
    if source.pk == target.pk:
        raise SameCircle
    if source.locked or target.locked:
        raise CircleLocked
    pid = current.pid_of.get(membership.user_id)
    changed = {key: list(members) for key, members in current.groups.items()}
    if pid is not None:
        changed[source.pk].remove(pid)
        changed[target.pk].append(pid)
    _apply(current, changed, [(membership, target)], force=force)
    return target


@transaction.atomic
def swap_members(
    season: Season, first_id: int, second_id: int, *, force: bool = False
) -> tuple[Circle, Circle]:
    """Exchange two people of different circles."""
    _locked_season(season)
    current = load(season)
    first, second = current.membership(first_id), current.membership(second_id)
    a, b = current.circle(first.circle_id), current.circle(second.circle_id)
    if a.pk == b.pk:
        raise SameCircle
    if a.locked or b.locked:
        raise CircleLocked
    changed = {key: list(members) for key, members in current.groups.items()}
    for membership, source, target in ((first, a, b), (second, b, a)):
        pid = current.pid_of.get(membership.user_id)
        if pid is not None:
            changed[source.pk].remove(pid)
            changed[target.pk].append(pid)
    _apply(current, changed, [(first, b), (second, a)], force=force)
    return a, b


@transaction.atomic
def place_person(season: Season, user_id: int, to_circle_id: int, *, force: bool = False) -> Circle:
    """Give someone the composition left unplaced a seat in a circle."""
    _locked_season(season)
    current = load(season)
    target = current.circle(to_circle_id)
    if target.locked:
        raise CircleLocked
    pid = current.pid_of.get(user_id)
    waiting = Unplaced.objects.filter(season=season, user_id=user_id).first()
    if pid is None or waiting is None:
        raise NotUnplaced
    changed = {key: list(members) for key, members in current.groups.items()}
    changed[target.pk].append(pid)
    refuse_breaking(current, changed, [target.pk], force=force)
    waiting.delete()
    Membership.objects.create(circle=target, user_id=user_id)
    current.groups = changed
    refresh_scores(current, [target.pk])
    return target


@transaction.atomic
def set_locked(season: Season, circle_id: int, locked: bool) -> Circle:
    _locked_season(season)
    circle = Circle.objects.get(season=season, pk=circle_id)
    circle.locked = locked
    circle.save(update_fields=["locked"])
    return circle


def refresh_scores(current: Current, circle_ids: Iterable[int]) -> Report:
    """Recompute the diversity and counts of some circles, and the season's report.

    Every figure is computed from `Built.shown`, the problem without the sensitive
    questions: the engine mixes on sensitive answers, but no score, count or
    figure a facilitator or member reads depends on them.
    """
    problem = current.built.shown
    solution = current.solution()
    enc = encode(problem)
    explanations = explain(problem, enc, solution)
    numeric_spans = spans(problem)
    wanted = set(circle_ids)
    for circle in current.circles:
        if circle.pk not in wanted:
            continue
        members = current.groups[circle.pk]
        explanation = explanations.get(members[0]) if members else None
        counts = {name: int(k) for name, k in explanation.counts} if explanation else {}
        counts["sectors"] = len(
            {s for m in members if (s := current.built.sectors.get(m)) is not None}
        )
        circle.counts = counts
        circle.diversity = circle_diversity(problem, members, numeric_spans)
        circle.save(update_fields=["counts", "diversity"])
    unplaced = tuple(
        mixing.Unplaced(
            id=current.pid_of[user_id],
            round=0,
            reason=mixing.Reason(code, message, params or {}),
        )
        for user_id, code, message, params in Unplaced.objects.filter(
            season=current.season
        ).values_list("user_id", "code", "message", "params")
        if user_id in current.pid_of
    )
    report = build_report(problem, enc, replace(solution, unplaced=unplaced))
    Season.objects.filter(pk=current.season.pk).update(report=report.to_dict())
    return report
