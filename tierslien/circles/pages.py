"""What the facilitators' season pages show, read in a constant number of queries: the
season list, the proposal, the published circles and who waits for a seat, with the
engine's reasons in plain translatable words.

Only counts and display names: never who answered what.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tierslien.circles.models import (
    GAVE_BACK,
    Circle,
    Membership,
    MembershipStatus,
    Registration,
    Season,
    Unplaced,
    monday_of,
)
from tierslien.lib.slots import DAYS, split
from tierslien.portraits.models import Criterion, Hope, MeetingMode, Portrait
from tierslien.territories.display import slot_label

# --- The engine's reasons, in plain words ---

# Why the engine left someone unplaced.
REASONS: Final[dict[str, Any]] = {
    "no_time": gettext_lazy("They gave no time at which they are free."),
    "no_venue_in_range": gettext_lazy("No venue lies within the distance they can travel."),
    "no_venue_open": gettext_lazy("No venue they can reach is open at the times they are free."),
    "no_venue_with_needs": gettext_lazy(
        "No venue they can reach, open at their times, offers the access they need."
    ),
    "no_shared_group": gettext_lazy(
        "Nobody can share a circle with them on the required common criteria."
    ),
    "no_site": gettext_lazy("No place and time is possible for them."),
    "venues_full": gettext_lazy("Every venue they can reach is already full at their times."),
    "too_few_nearby": gettext_lazy("Too few other people can meet at the same place and time."),
    "together_and_apart": gettext_lazy(
        "Wishes to be together with or apart from others contradict."
    ),
    "together_too_large": gettext_lazy(
        "Their wishes to be together chain more people than a circle."
    ),
    "together_no_common_site": gettext_lazy(
        "They and the people they must be with share no place and time."
    ),
    "partner_unplaced": gettext_lazy("They must be with someone who cannot be placed."),
    # Named by counterfactual (mixing/reasons.py): removing the obstacle would place them.
    "no_common_time": gettext_lazy(
        "No venue they can reach is open when enough people who could meet with them are "
        "free: opening one at another of their times would let a circle form."
    ),
    "too_far": gettext_lazy(
        "Enough people could meet with them, but farther than they can travel."
    ),
    "shared_criterion": gettext_lazy(
        "Enough people could meet with them at one place and time, but not under the other "
        "conditions every circle shares."
    ),
    "kept_apart": gettext_lazy(
        "They could join a circle but for the people they must be kept apart from."
    ),
    "partner_constraints": gettext_lazy(
        "They could join a circle alone, but not with the people they must be with."
    ),
    "circles_cannot_spare": gettext_lazy(
        "The people who could meet with them are in circles that cannot spare anyone."
    ),
    "compatible_in_circles": gettext_lazy(
        "The people who could meet with them are already in other circles: composing again "
        "may place them."
    ),
    "several_obstacles": gettext_lazy(
        "No single change would place them: several conditions stand in the way together."
    ),
    "not_placed": gettext_lazy("No valid circle could take them."),
    "internal_error": gettext_lazy("The composer could not place them safely."),
    # After publication: seats given back (actions/publish.py).
    "declined": gettext_lazy("They gave their seat back."),
    "expired": gettext_lazy("They did not answer their invitation in time."),
}
UNKNOWN: Final = gettext_lazy("The composer gave no reason it can explain.")

# Why a composition did not finish (Season.job_error).
FAILURES: Final[dict[str, Any]] = {
    "too_few_people": gettext_lazy("Too few people registered to form a single circle."),
    "invalid_problem": gettext_lazy("The season's data could not be handed to the composer."),
    "internal": gettext_lazy("The composer stopped on an unexpected error."),
    "cancelled": gettext_lazy("A facilitator stopped the composition."),
    "stalled": gettext_lazy(
        "The composer stopped answering, several times in a row (its server was interrupted). "
        "Nothing was lost: start the composition again."
    ),
}


# When the engine gives the distance, the sentence names it.
WITH_DISTANCE: Final[dict[str, Any]] = {
    "no_venue_in_range": gettext_lazy("No venue lies within %(max_km)s km of their sector."),
    "no_venue_open": gettext_lazy(
        "No venue within %(max_km)s km is open at the times they are free."
    ),
    "too_far": gettext_lazy(
        "Enough people could meet with them, but farther than the %(max_km)s km they can travel."
    ),
}

# When the engine names the shared criterion in the way, and it may be named.
WITH_CRITERION: Final = gettext_lazy(
    "Enough people could meet with them at one place and time, but not with the same answer "
    "to “%(criterion)s”, which every circle shares."
)


def reason_text(code: str, params: object = None, labels: dict[str, Any] | None = None) -> Any:
    """The reason in words. `labels`: the questions that may be named (never a sensitive
    one); a criterion not among them is only "other conditions"."""
    max_km = params.get("max_km") if isinstance(params, dict) else None
    criterion = params.get("criterion") if isinstance(params, dict) else None
    if code == "shared_criterion" and labels and isinstance(criterion, str) and criterion in labels:
        return WITH_CRITERION % {"criterion": labels[criterion]}
    if code in WITH_DISTANCE and isinstance(max_km, int | float) and not isinstance(max_km, bool):
        km = round(float(max_km), 1)
        return WITH_DISTANCE[code] % {"max_km": number_format(int(km) if km.is_integer() else km)}
    return REASONS.get(code, UNKNOWN)


def failure_text(code: str) -> Any:
    return FAILURES.get(code, FAILURES["internal"])


# --- Pages ---


def seasons_with_counts(queryset: QuerySet[Season]) -> QuerySet[Season]:
    registered = (
        Registration.objects.filter(season=OuterRef("pk"))
        .order_by()
        .values("season")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        registration_count=Coalesce(Subquery(registered, output_field=IntegerField()), Value(0))
    )


def first_session(season: Season, slot: str) -> datetime.date | None:
    """The date of a circle's first meeting: its slot's day in the season's first week."""
    try:
        day, _part = split(slot)
        return monday_of(season.first_week) + datetime.timedelta(days=DAYS.index(day))
    except ValueError:
        return None


@dataclass(frozen=True)
class CircleView:
    circle: Circle
    members: list[str]  # display names
    slot_label: Any
    first_session: datetime.date | None
    indicators: list[str]  # "5 different answers about Occupation", counts only
    seats: list[tuple[int, str]] = field(default_factory=list)  # (membership id, name)
    problems: list[str] = field(default_factory=list)  # rules broken, in plain words


@dataclass(frozen=True)
class UnplacedView:
    name: str
    reason: Any
    user_id: int = 0


# --- What the season's figures mean, in words ---
#
# Every figure comes from `Season.report`, computed without the sensitive questions
# (`review.refresh_scores`): neither the numbers nor these sentences depend on them.

LIMITS: Final = gettext_lazy(
    "What holds these figures back: people can share a circle only with those free at the "
    "same time and within reach of the same venue, circles have a fixed size, and mixing "
    "more on one question can mean mixing less on another."
)


def ratio_meaning(percent: int) -> str:
    """How to read "81 % of the best possible"."""
    if percent >= 95:
        verdict = _("Excellent: as close to the ceiling as one can hope.")
    elif percent >= 85:
        verdict = _("Good: close to the ceiling.")
    elif percent >= 70:
        verdict = _(
            "Fair: some mixing is left on the table; composing again with more time may help."
        )
    else:
        verdict = _(
            "Low: the places and times people can meet probably leave little choice; "
            "look at the people not placed and at the venues' hours."
        )
    ceiling = _(
        "The ceiling is worked out for each question alone, ignoring when and where people "
        "can meet: it is usually out of reach."
    )
    return f"{verdict} {ceiling}"


def lift_meaning(lift: float, ratio: float | None) -> str:
    """How to read "1.09 times as diverse as a random draw": against the most any grouping
    of these people could reach (the ceiling), since chance alone already mixes a lot."""
    ceiling = lift / ratio if ratio and ratio > 0 else None
    usual = _(
        "Circles drawn at random already mix people a fair amount, so figures a little "
        "above 1 are usual."
    )
    if lift < 1.0:
        return " ".join(
            [
                _(
                    "Less mixed than a random draw: the places and times people can meet "
                    "kept alike people together."
                ),
                usual,
            ]
        )
    if ceiling is None or ceiling - 1.0 < 0.02:
        return " ".join(
            [
                usual,
                _(
                    "These people's answers leave almost nothing to gain over chance: any "
                    "grouping mixes them about as well."
                ),
            ]
        )
    bound = _(
        "No grouping of these people could exceed %(ceiling)s times: a random draw would "
        "reach about %(chance)s %% of the ceiling, these circles reach %(reached)s %%."
    ) % {
        "ceiling": number_format(round(ceiling, 2), 2),
        "chance": round(100 / ceiling),
        "reached": round(100 * lift / ceiling),
    }
    gained = (lift - 1.0) / (ceiling - 1.0)
    if gained >= 0.6:
        verdict = _("Good: most of what mixing can add over chance is there.")
    elif gained >= 0.3:
        verdict = _("Fair: part of what mixing can add over chance is there.")
    else:
        verdict = _("Low: little of what mixing can add over chance is there.")
    return " ".join([usual, bound, verdict])


def entre_soi_meaning(value: float) -> str:
    """How to read one question's entre-soi index (1 = the fewest people sharing the same
    answer in a circle that these circle sizes allow, 2 = as many as a random draw)."""
    if value <= 1.1:
        return _("As mixed as it can be: the fewest people sharing an answer in one circle.")
    if value <= 1.5:
        return _("Good: far fewer people sharing an answer in one circle than chance would give.")
    if value < 1.9:
        return _("Somewhat better than chance, not by much.")
    if value <= 2.1:
        return _("About as many people sharing an answer in one circle as a random draw.")
    return _(
        "More people sharing an answer in one circle than chance: those who can meet at the "
        "same places and times answer alike."
    )


@dataclass(frozen=True)
class CriterionFigure:
    label: Any
    entre_soi: float

    @property
    def meaning(self) -> str:
        return entre_soi_meaning(self.entre_soi)


@dataclass(frozen=True)
class Proposal:
    circles: list[CircleView]
    unplaced: list[UnplacedView]
    placed: int
    ratio_percent: int | None
    lift: float | None
    entre_soi: list[CriterionFigure]
    ratio_meaning: str | None = None
    lift_meaning: str | None = None
    limits: Any = LIMITS
    # Season-wide counts of the registrants' hopes and meeting modes: never per circle or
    # per person. (value, label, count), in the order of the choices.
    hopes: list[tuple[str, Any, int]] = field(default_factory=list)
    modes: list[tuple[str, Any, int]] = field(default_factory=list)


def hopes_and_modes(
    season: Season,
) -> tuple[list[tuple[str, Any, int]], list[tuple[str, Any, int]]]:
    """How many registrants hope for each thing, and meet in each mode (one query).

    Hopes are not given to the engine: JSON v1 can only push people apart on a
    criterion ("diverse") or require a common answer ("shared", a hard rule that
    would leave people out for a wish). The facilitator sees the counts instead.
    """
    hopes: Counter[str] = Counter()
    modes: Counter[str] = Counter()
    for person_hopes, mode in Portrait.objects.filter(
        territory_id=season.territory_id, user__registrations__season=season
    ).values_list("hopes", "meeting_mode"):
        hopes.update({str(hope) for hope in person_hopes or [] if hope in Hope.values})
        modes[str(mode)] += 1
    return (
        [(value, label, hopes[value]) for value, label in Hope.choices],
        [(value, label, modes[value]) for value, label in MeetingMode.choices],
    )


def _indicators(counts: dict[str, Any], labels: dict[str, Any]) -> list[str]:
    out = []
    sectors = counts.get("sectors")
    if isinstance(sectors, int):
        out.append(ngettext("%(count)d sector", "%(count)d sectors", sectors) % {"count": sectors})
    for key, label in labels.items():
        count = counts.get(key)
        if isinstance(count, int) and count > 0:  # 0: nobody in the circle answered
            out.append(
                ngettext(
                    "%(count)d different answer about “%(label)s”",
                    "%(count)d different answers about “%(label)s”",
                    count,
                )
                % {"count": count, "label": label}
            )
    return out


def _number(report: dict[str, Any], key: str) -> float | None:
    value = report.get(key)
    return float(value) if isinstance(value, int | float) else None


def _percent(value: float | None) -> int | None:
    return None if value is None else round(100 * value)


CIRCLED: Final = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def tell_apart(people: Iterable[tuple[int, str]]) -> dict[int, str]:
    """A name per user id that tells people of the same display name apart: "Pauline ①",
    "Pauline ②", numbered in the order of their accounts (stable while the season's people
    do not change), everyone else by their name alone. Only the name and that number: never
    anything they answered."""
    names = dict(people)
    by_name: dict[str, list[int]] = {}
    for user_id, name in names.items():
        by_name.setdefault(" ".join(name.split()).casefold(), []).append(user_id)
    shown = dict(names)
    for same in by_name.values():
        if len(same) < 2:
            continue
        for rank, user_id in enumerate(sorted(same), start=1):
            mark = CIRCLED[rank - 1] if rank <= len(CIRCLED) else f"({rank})"
            shown[user_id] = f"{names[user_id].strip()} {mark}"
    return shown


def season_names(season: Season, *also: tuple[int, str]) -> dict[int, str]:
    """`tell_apart` over everyone registered in the season (one query), so a person bears the
    same number on every page of the season; `also`: people shown without a registration."""
    registered = Registration.objects.filter(season=season).values_list(
        "user_id", "user__display_name"
    )
    return tell_apart([*also, *registered])


def build_proposal(season: Season, problems: dict[int, list[str]] | None = None) -> Proposal:
    # Sensitive questions shape the mixing but are never described, not even by counts.
    labels = {
        criterion.key: criterion.display_label
        for criterion in Criterion.objects.filter(
            territory_id=season.territory_id, enabled=True, sensitive=False
        )
    }
    circles = (
        Circle.objects.filter(season=season)
        .select_related("venue")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("user").order_by("user__display_name"),
            )
        )
        .order_by("number")
    )
    waiting = list(
        Unplaced.objects.filter(season=season)
        .select_related("user")
        .order_by("user__display_name", "pk")
    )
    circles = list(circles)
    name = season_names(
        season,
        *[(m.user_id, m.user.display_name) for c in circles for m in c.memberships.all()],
        *[(item.user_id, item.user.display_name) for item in waiting],
    )
    views = [
        CircleView(
            circle=circle,
            members=[name[m.user_id] for m in circle.memberships.all()],
            slot_label=slot_label(circle.slot) if circle.slot else _("no fixed time"),
            first_session=first_session(season, circle.slot),
            indicators=_indicators(circle.counts, labels),
            seats=[(m.pk, name[m.user_id]) for m in circle.memberships.all()],
            problems=(problems or {}).get(circle.pk, []),
        )
        for circle in circles
    ]
    unplaced = [
        UnplacedView(
            name=name[item.user_id],
            reason=reason_text(item.code, item.params, labels),
            user_id=item.user_id,
        )
        for item in waiting
    ]
    report = season.report or {}
    figures = [
        CriterionFigure(label=labels[c["name"]], entre_soi=c["entre_soi"])
        for c in report.get("criteria", [])
        if isinstance(c, dict)
        and c.get("name") in labels
        and isinstance(c.get("entre_soi"), int | float)
        # A question nobody (or everybody alike) answered cannot be mixed on: no figure.
        and isinstance(c.get("upper_bound"), int | float)
        and c["upper_bound"] > 0
    ]
    hopes, modes = hopes_and_modes(season)
    ratio = _number(report, "ratio_to_bound")
    percent = _percent(ratio)
    lift = _number(report, "lift")
    return Proposal(
        hopes=hopes,
        modes=modes,
        circles=views,
        unplaced=unplaced,
        placed=sum(len(view.members) for view in views),
        ratio_percent=percent,
        lift=lift,
        entre_soi=figures,
        ratio_meaning=None if percent is None else ratio_meaning(percent),
        lift_meaning=None if lift is None else lift_meaning(lift, ratio),
    )


@dataclass(frozen=True)
class CircleAnswers:
    """A published circle as its facilitator follows it: who answered, never what else."""

    circle: Circle
    slot_label: Any
    confirmed: list[str]
    pending: list[str]
    size: int
    below_minimum: bool
    # Confirmed people whose answer a local contact gave at their request (the contact
    # is not named: the facilitator needs to know the answer came second-hand, no more).
    through_relay: tuple[str, ...] = ()


def circles_answers(season: Season, names: dict[int, str] | None = None) -> list[CircleAnswers]:
    """Every circle with confirmed and pending members (two queries); `names`: the season's
    (`season_names`), people of the same name told apart."""
    circles = (
        Circle.objects.filter(season=season)
        .select_related("venue")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("user").order_by("user__display_name"),
            )
        )
        .order_by("number")
    )
    out = []
    circles = list(circles)
    name = {m.user_id: m.user.display_name for c in circles for m in c.memberships.all()}
    name |= names or {}
    for circle in circles:
        members = list(circle.memberships.all())
        out.append(
            CircleAnswers(
                circle=circle,
                slot_label=slot_label(circle.slot) if circle.slot else _("no fixed time"),
                confirmed=[
                    name[m.user_id] for m in members if m.status == MembershipStatus.CONFIRMED
                ],
                pending=[
                    name[m.user_id] for m in members if m.status != MembershipStatus.CONFIRMED
                ],
                size=len(members),
                below_minimum=len(members) < season.min_size,
                through_relay=tuple(
                    name[m.user_id]
                    for m in members
                    if m.status == MembershipStatus.CONFIRMED
                    and m.answered_by_id is not None
                    and m.answered_by_id != m.user_id
                ),
            )
        )
    return out


@dataclass(frozen=True)
class Waiting:
    user_id: int
    name: str
    late: bool  # registered after the composition (no reason from the engine)
    reason: Any  # the engine's reason in words, or None for a late registration
    registered_at: datetime.datetime


def waiting_people(season: Season, names: dict[int, str] | None = None) -> list[Waiting]:
    """Registered people without a seat, except those who gave theirs back (two queries);
    `names`: the season's (`season_names`), people of the same name told apart."""
    reasons = {
        user_id: (code, params)
        for user_id, code, params in Unplaced.objects.filter(season=season).values_list(
            "user_id", "code", "params"
        )
    }
    registrations = (
        Registration.objects.filter(season=season)
        .exclude(user__circle_memberships__circle__season=season)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    out = []
    for registration in registrations:
        code, params = reasons.get(registration.user_id, (None, None))
        if code in GAVE_BACK:
            continue
        out.append(
            Waiting(
                user_id=registration.user_id,
                name=(names or {}).get(registration.user_id, registration.user.display_name),
                late=code is None,
                reason=reason_text(code, params) if code else None,
                registered_at=registration.created_at,
            )
        )
    return out
