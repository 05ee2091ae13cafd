"""Who is missing: a pool of participants compared with the territory's population.

The pool is a territory's portraits, or the people registered for one season. For each
dimension with population shares (`Reference`: sectors, or a non-sensitive question with
one choice), the page shows the pool's count and share next to the population's share,
and the gap in points, largest gaps first; then where registrations came from (the
channel, the local contact) and where to recruit next.

What protects people:
- Sensitive questions are never read: only enabled, never-sensitive questions with one
  choice (categorical, ordinal) are counted, and a question turned sensitive later loses
  its comparison and its reference shares can no longer be edited.
- Every count goes through `lib.small_cells.suppress`; a share, a gap or a ranking
  derived from a hidden count is hidden with it.
- Across the two pools: a season's registrants are a part of the territory's pool, so a
  season cell is hidden too when it differs from the territory's cell by 1 to 10 people
  (the difference would be a small cell of "people not registered").
- Across time: counts are frozen in a `PoolSnapshot`, refreshed only once at least
  `THRESHOLD` people joined or left the pool; two visits can then only be differenced
  into a group of at least that many people. Answers given meanwhile wait for the next
  refresh.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tierslien.accounts.models import User
from tierslien.circles.models import Registration, Season, SeasonState
from tierslien.lib.refusals import Refused
from tierslien.lib.small_cells import THRESHOLD, suppress
from tierslien.outreach.models import SECTOR_DIMENSION, PoolSnapshot, Reference
from tierslien.portraits.models import Answer, Criterion, CriterionKind, Portrait
from tierslien.relays.models import AgreedHow, Registered
from tierslien.territories.models import Territory

# The cell of people who did not answer (or chose no sector).
NOT_SAID: Final = ""
ONLINE: Final = "online"
GONE_RELAY: Final = "gone"  # registered by a local contact whose account was deleted
# Shares of the population may sum to 100 give or take this (rounding in the sources).
SUM_TOLERANCE: Final = Decimal(1)
# How many gaps "where to recruit next" looks at, and how many origins for each.
RECRUIT_GAPS: Final = 3
RECRUIT_ORIGINS: Final = 2
COUNTED_KINDS: Final = (CriterionKind.CATEGORICAL, CriterionKind.ORDINAL)

CHANNEL_LABELS: Final[dict[str, Any]] = {
    ONLINE: gettext_lazy("Online, on their own"),
    AgreedHow.IN_PERSON: gettext_lazy("Through a local contact, in person"),
    AgreedHow.PHONE: gettext_lazy("Through a local contact, on the phone"),
    AgreedHow.PAPER: gettext_lazy("Paper form, through a local contact"),
}


class SensitiveDimension(Refused):
    message = gettext_lazy(
        "This question is sensitive: its answers are never compared with anything, so it "
        "cannot have population shares."
    )


class InvalidShares(Refused):
    message = gettext_lazy("These shares cannot be saved: nothing was changed.")


# --- Dimensions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    values: tuple[tuple[str, str], ...]  # (value, label), in the question's order


def counted_criteria(territory: Territory) -> QuerySet[Criterion]:
    """The questions whose answers this page may count: asked, one choice, never sensitive."""
    return territory.criteria.filter(
        enabled=True, sensitive=False, ever_sensitive=False, kind__in=COUNTED_KINDS
    )


def dimensions(territory: Territory) -> list[Dimension]:
    sectors = Dimension(
        SECTOR_DIMENSION,
        _("Sector of residence"),
        tuple((str(sector.pk), sector.name) for sector in territory.sectors.all()),
    )
    questions = [
        Dimension(
            criterion.key,
            str(criterion.display_label),
            tuple((value, str(label)) for value, label in criterion.choices()),
        )
        for criterion in counted_criteria(territory)
    ]
    return [sectors, *questions]


def dimension_for_shares(territory: Territory, key: str) -> Dimension | None:
    """The dimension a facilitator may give population shares to; None if there is none.

    Raises `SensitiveDimension` for a question that is (or ever was) sensitive.
    """
    if territory.criteria.filter(key=key).exclude(sensitive=False, ever_sensitive=False).exists():
        raise SensitiveDimension
    return next((dim for dim in dimensions(territory) if dim.key == key), None)


# --- Reference shares ---------------------------------------------------------------------


def shares_from_counts(counts: dict[str, Decimal]) -> dict[str, Decimal]:
    """Counts of people from a census table, as shares in % (two decimals)."""
    total = sum(counts.values(), Decimal(0))
    if total <= 0:
        raise InvalidShares(_("The counts add up to nothing: nothing was changed."))
    return {
        value: (count * 100 / total).quantize(Decimal("0.01")) for value, count in counts.items()
    }


def save_reference(
    territory: Territory,
    key: str,
    shares: dict[str, Decimal],
    *,
    source: str,
    year: int,
) -> Reference:
    """Replace a dimension's population shares; values must be the dimension's own."""
    with transaction.atomic():
        dimension = dimension_for_shares(territory, key)
        if dimension is None:
            raise InvalidShares
        known = {value for value, _label in dimension.values}
        if set(shares) - known:
            raise InvalidShares(_("Some values are not answers to this question."))
        if any(share < 0 or share > 100 for share in shares.values()):
            raise InvalidShares(_("Each share lies between 0 and 100 %."))
        total = sum(shares.values(), Decimal(0))
        if abs(total - 100) > SUM_TOLERANCE:
            raise InvalidShares(
                _("The shares add up to %(total)s %%, not 100 %%: nothing was changed."),
                total=total,
            )
        reference, _created = Reference.objects.update_or_create(
            territory=territory,
            dimension=key,
            defaults={
                "shares": {value: float(share) for value, share in shares.items() if share},
                "source": source,
                "year": year,
            },
        )
        return reference


# --- Counting a pool, and freezing the counts ---------------------------------------------


def seasons_to_compare(territory: Territory) -> QuerySet[Season]:
    return territory.seasons.exclude(state=SeasonState.PURGED)


def _members(territory: Territory, season: Season | None) -> QuerySet[Portrait]:
    portraits = Portrait.objects.filter(territory=territory)
    if season is not None:
        portraits = portraits.filter(user__registrations__season=season)
    return portraits


def _joined_since(territory: Territory, season: Season | None, moment: datetime.datetime) -> int:
    if season is None:
        return Portrait.objects.filter(territory=territory, created_at__gt=moment).count()
    return Registration.objects.filter(
        season=season,
        created_at__gt=moment,
        user__portraits__territory=territory,
    ).count()


def count_pool(territory: Territory, season: Season | None) -> tuple[int, dict[str, Any]]:
    """The pool's size and counts: by dimension, by channel, by origin, and crossed.

    Reads only the answers of `counted_criteria`: a sensitive answer is never loaded.
    """
    members = list(_members(territory, season).values_list("pk", "user_id", "sector_id"))
    criteria = {c.pk: c for c in counted_criteria(territory)}
    options = {c.key: {value for value, _label in c.choices()} for c in criteria.values()}
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    for portrait_id, criterion_id, value in Answer.objects.filter(
        portrait_id__in=[pk for pk, _user, _sector in members], criterion_id__in=list(criteria)
    ).values_list("portrait_id", "criterion_id", "value"):
        key = criteria[criterion_id].key
        if isinstance(value, str) and value in options[key]:
            answers[portrait_id][key] = value
    registered = {
        person_id: (relay_id, agreed_how)
        for person_id, relay_id, agreed_how in Registered.objects.filter(
            territory=territory, person_id__in=[user for _pk, user, _sector in members]
        ).values_list("person_id", "relay_id", "agreed_how")
    }
    dims: dict[str, Counter[str]] = defaultdict(Counter)
    channel: Counter[str] = Counter()
    origin: Counter[str] = Counter()
    by_sector: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    by_origin: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for portrait_id, user_id, sector_id in members:
        sector = str(sector_id) if sector_id else NOT_SAID
        relay_id, agreed_how = registered.get(user_id, (None, ONLINE))
        came_through = ONLINE if user_id not in registered else str(relay_id or GONE_RELAY)
        channel[agreed_how] += 1
        origin[came_through] += 1
        dims[SECTOR_DIMENSION][sector] += 1
        by_origin[SECTOR_DIMENSION][sector][came_through] += 1
        for criterion in criteria.values():
            value = answers[portrait_id].get(criterion.key, NOT_SAID)
            dims[criterion.key][value] += 1
            by_sector[criterion.key][value][sector] += 1
            by_origin[criterion.key][value][came_through] += 1

    def plain(nested: dict[str, dict[str, Counter[str]]]) -> dict[str, Any]:
        return {k: {v: dict(c) for v, c in inner.items()} for k, inner in nested.items()}

    counts = {
        "dims": {key: dict(counter) for key, counter in dims.items()},
        "criteria": [c.key for c in criteria.values()],
        "channel": dict(channel),
        "origin": dict(origin),
        "by_sector": plain(by_sector),
        "by_origin": plain(by_origin),
    }
    return len(members), counts


def live_sector_counts(territory: Territory) -> dict[str, int]:
    """Participants by sector as the management overview shows them (no freezing there)."""
    rows = (
        Portrait.objects.filter(territory=territory)
        .order_by()
        .values_list("sector_id")
        .annotate(n=Count("pk"))
        .values_list("sector_id", "n")
    )
    return {str(sector_id) if sector_id else NOT_SAID: n for sector_id, n in rows}


def changes_since(snapshot: PoolSnapshot) -> int:
    """People who joined or left the pool since the snapshot (its size is all it keeps)."""
    season = snapshot.season
    size = _members(snapshot.territory, season).count()
    joined = _joined_since(snapshot.territory, season, snapshot.taken_at)
    left = max(0, snapshot.size - (size - joined))
    return joined + left


def current_snapshot(territory: Territory, season: Season | None) -> PoolSnapshot:
    """The pool's frozen counts, taken again once at least THRESHOLD people joined or left."""
    with transaction.atomic():
        # Two visits at once must not both take a snapshot: lock the territory row.
        Territory.objects.select_for_update().filter(pk=territory.pk).first()
        kept = PoolSnapshot.objects.filter(territory=territory, season=season).order_by(
            "-taken_at", "-pk"
        )
        snapshot = kept.first()
        if snapshot is not None and changes_since(snapshot) < THRESHOLD:
            return snapshot
        taken_at = timezone.now()
        size, counts = count_pool(territory, season)
        kept.delete()
        return PoolSnapshot.objects.create(
            territory=territory, season=season, taken_at=taken_at, size=size, counts=counts
        )


# --- What the page shows ------------------------------------------------------------------


def suppress_within(counts: Sequence[int], *outers: Sequence[int] | None) -> list[int | None]:
    """`suppress`, and when the pool is part of larger ones shown elsewhere (`outers`, same
    cells), also hide a cell that differs from a larger pool's by 1 to 10 people, so that
    the difference, a count of the people left out, is never a small cell either."""
    out = suppress(counts)
    wholes = [list(outer) for outer in outers if outer is not None]
    for index, count in enumerate(counts):
        if any(0 < abs(whole[index] - count) < THRESHOLD for whole in wholes):
            out[index] = None
    # Hidden zeros hide nothing: a single hidden cell with people in it would follow from
    # the total (or from a larger pool's cell), so the next smallest is hidden with it.
    telling = [
        i
        for i, value in enumerate(out)
        if value is None and (counts[i] or any(whole[i] != counts[i] for whole in wholes))
    ]
    shown = [i for i, value in enumerate(out) if value is not None]
    if len(telling) == 1 and shown:
        out[min(shown, key=lambda i: (counts[i], i))] = None
    return out


def _cells(
    values: Sequence[str], inner: dict[str, int], *outers: dict[str, int] | None
) -> dict[str, int | None]:
    counts = [int(inner.get(value, 0)) for value in values]
    wholes = [
        [int(outer.get(value, 0)) for value in values] for outer in outers if outer is not None
    ]
    return dict(zip(values, suppress_within(counts, *wholes), strict=True))


@dataclass(frozen=True)
class Row:
    value: str
    label: str
    count: int | None  # None: hidden (fewer than 11, or would reveal a hidden count)
    pool_share: int | None  # % of the pool, rounded
    population_share: float | None  # as the source gives it
    gap: int | None  # population share minus pool share, in points (rounded shares)
    exact_gap: float | None
    few: bool = False  # hidden because fewer than 11 (else hidden as a complement)

    @property
    def surplus(self) -> int:
        """Points above the population's share (a group more present than in town)."""
        return -self.gap if self.gap is not None and self.gap < 0 else 0


@dataclass(frozen=True)
class Comparison:
    dimension: Dimension
    reference: Reference | None
    rows: list[Row]
    not_said: int | None
    not_said_label: str
    waiting: bool = False  # a question the frozen counts do not cover yet


@dataclass(frozen=True)
class Gap:
    comparison: Comparison
    row: Row

    @property
    def sentence(self) -> str:
        gap = self.row.gap or 0
        return ngettext(
            "%(group)s: %(pool)s %% of the pool, %(population)s %% of the population — "
            "%(gap)s point missing",
            "%(group)s: %(pool)s %% of the pool, %(population)s %% of the population — "
            "%(gap)s points missing",
            gap,
        ) % {
            "group": f"{self.row.label} ({self.comparison.dimension.label})",
            "pool": self.row.pool_share,
            "population": round(self.row.population_share or 0),
            "gap": gap,
        }


@dataclass(frozen=True)
class Scarce:
    """A group with fewer than 11 people in the pool, that would be missing even at 10."""

    comparison: Comparison
    row: Row

    @property
    def sentence(self) -> str:
        return _(
            "%(group)s: fewer than 11 people in the pool, %(population)s %% of the population"
        ) % {
            "group": f"{self.row.label} ({self.comparison.dimension.label})",
            "population": round(self.row.population_share or 0),
        }


@dataclass(frozen=True)
class Origin:
    label: str
    count: int | None


@dataclass(frozen=True)
class Recruit:
    gap: Gap
    sectors: list[Origin]
    origins: list[Origin]


@dataclass
class MissingPage:
    snapshot: PoolSnapshot
    comparisons: list[Comparison] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    scarce: list[Scarce] = field(default_factory=list)
    recruit: list[Recruit] = field(default_factory=list)
    channels: list[Origin] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    without_reference: list[Dimension] = field(default_factory=list)

    @property
    def too_small(self) -> bool:
        return self.snapshot.size < THRESHOLD


def _rows(
    dimension: Dimension,
    reference: Reference | None,
    inner: dict[str, int],
    outers: Sequence[dict[str, int] | None],
    size: int,
) -> tuple[list[Row], int | None]:
    values = [value for value, _label in dimension.values] + [NOT_SAID]
    cells = _cells(values, inner, *outers)
    not_said = cells[NOT_SAID]
    # Shares among those who answered when that number is known; over the whole pool
    # when the count of those who did not answer is hidden (it would follow from it).
    raw_not_said = int(inner.get(NOT_SAID, 0))
    base = size - raw_not_said if (not_said is not None or raw_not_said == 0) else size
    shares = reference.shares if reference is not None else {}
    rows = []
    for value, label in dimension.values:
        count = cells[value]
        pool_share = None if count is None or base <= 0 else count * 100 / base
        population = shares.get(value)
        population_share = None if population is None else float(population)
        exact_gap = (
            None
            if pool_share is None or population_share is None
            else population_share - pool_share
        )
        gap = (
            None
            if pool_share is None or population_share is None
            else round(population_share) - round(pool_share)
        )
        rows.append(
            Row(
                value=value,
                label=label,
                count=count,
                pool_share=None if pool_share is None else round(pool_share),
                population_share=population_share,
                gap=gap,
                exact_gap=exact_gap,
                few=count is None and int(inner.get(value, 0)) < THRESHOLD,
            )
        )
    return rows, not_said


def _origin_label(key: str, relay_names: dict[str, str]) -> str:
    if key == ONLINE:
        return str(CHANNEL_LABELS[ONLINE])
    if key == GONE_RELAY:
        return _("A local contact who has since left")
    return _("Through %(name)s (local contact)") % {"name": relay_names.get(key, "?")}


def _top(
    cells: dict[str, int | None], label: dict[str, str], how_many: int | None = None
) -> list[Origin]:
    shown = [(key, count) for key, count in cells.items() if count is not None]
    shown.sort(key=lambda pair: (-pair[1], label.get(pair[0], pair[0])))
    return [Origin(label.get(key, key), count) for key, count in shown[:how_many]]


def missing_page(territory: Territory, season: Season | None) -> MissingPage:
    snapshot = current_snapshot(territory, season)
    # A season's cells are compared with the territory's as the territory page shows them.
    outer_counts = None if season is None else current_snapshot(territory, None).counts
    # The territory's overview shows its participants by sector as they are now.
    live_sectors = None if season is None else live_sector_counts(territory)
    counts = snapshot.counts
    page = MissingPage(snapshot=snapshot)
    if page.too_small:
        return page
    references = {ref.dimension: ref for ref in Reference.objects.filter(territory=territory)}
    covered = {SECTOR_DIMENSION, *counts.get("criteria", [])}

    def outer(*path: str) -> dict[str, int] | None:
        if outer_counts is None:
            return None
        node: Any = outer_counts
        for step in path:
            node = node.get(step, {}) if isinstance(node, dict) else {}
        return dict(node)

    for dimension in dimensions(territory):
        reference = references.get(dimension.key)
        if reference is None:
            page.without_reference.append(dimension)
            continue
        not_said_label = (
            _("No sector given") if dimension.key == SECTOR_DIMENSION else _("Did not say")
        )
        if dimension.key not in covered:
            page.comparisons.append(
                Comparison(dimension, reference, [], None, not_said_label, waiting=True)
            )
            continue
        rows, not_said = _rows(
            dimension,
            reference,
            counts["dims"].get(dimension.key, {}),
            [
                outer("dims", dimension.key),
                live_sectors if dimension.key == SECTOR_DIMENSION else None,
            ],
            snapshot.size,
        )
        page.comparisons.append(Comparison(dimension, reference, rows, not_said, not_said_label))

    gaps = [
        Gap(comparison, row)
        for comparison in page.comparisons
        for row in comparison.rows
        if row.gap is not None and row.exact_gap is not None and row.gap >= 1
    ]
    gaps.sort(key=lambda g: (-(g.row.gap or 0), -(g.row.exact_gap or 0), g.row.label))
    page.gaps = gaps
    # Not ranked (that would need the hidden count): listed in the questions' order, when
    # even 10 people would be at least a point short of the population's share.
    most = (THRESHOLD - 1) * 100 / page.snapshot.size
    page.scarce = [
        Scarce(comparison, row)
        for comparison in page.comparisons
        for row in comparison.rows
        if row.few and row.population_share is not None and row.population_share - most >= 1
    ]

    relay_ids = [key for key in counts["origin"] if key.isdigit()]
    relay_names = {
        str(pk): name or _("a local contact")
        for pk, name in User.objects.filter(pk__in=relay_ids).values_list("pk", "display_name")
    }
    origin_keys = [ONLINE, *sorted(relay_ids, key=int), GONE_RELAY]
    origin_labels = {key: _origin_label(key, relay_names) for key in origin_keys}
    origin_cells = _cells(origin_keys, counts["origin"], outer("origin"))
    page.origins = [
        Origin(origin_labels[key], origin_cells[key])
        for key in origin_keys
        if key in counts["origin"] or key == ONLINE
    ]
    channel_keys = list(CHANNEL_LABELS)
    channel_cells = _cells(channel_keys, counts["channel"], outer("channel"))
    page.channels = [Origin(str(CHANNEL_LABELS[key]), channel_cells[key]) for key in channel_keys]

    sector_labels = dict(dimensions(territory)[0].values)
    for gap in gaps[:RECRUIT_GAPS]:
        key, value = gap.comparison.dimension.key, gap.row.value
        sectors: list[Origin] = []
        if key != SECTOR_DIMENSION:
            sector_keys = [*sector_labels, NOT_SAID]
            crossed = counts["by_sector"].get(key, {}).get(value, {})
            cells = _cells(sector_keys, crossed, outer("by_sector", key, value))
            cells.pop(NOT_SAID)
            sectors = _top(cells, sector_labels, RECRUIT_ORIGINS)
        crossed = counts["by_origin"].get(key, {}).get(value, {})
        cells = _cells(origin_keys, crossed, outer("by_origin", key, value))
        page.recruit.append(Recruit(gap, sectors, _top(cells, origin_labels, RECRUIT_ORIGINS)))
    return page
