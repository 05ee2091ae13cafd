"""Writes and summaries about a territory's sectors and venues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from tierslien.lib.refusals import Refused
from tierslien.lib.slots import is_slot, normalise_slots
from tierslien.territories.models import SeasonAlert, Sector, Territory, Venue

SECTOR_FIELDS = ("name", "description", "latitude", "longitude")
VENUE_FIELDS = (
    "name",
    "address",
    "sector",
    "latitude",
    "longitude",
    "capacity",
    "opening_slots",
    "accessibility",
    "nothing_to_buy",
)


class DuplicateName(Exception):
    """Another sector or venue of the territory took this name in the meantime."""


def _check_unique_name(queryset: QuerySet[Any], name: str, exclude_pk: int | None) -> None:
    others = queryset.filter(name__iexact=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise DuplicateName(name)


@transaction.atomic
def create_sector(
    territory: Territory, *, name: str, description: str, latitude: float, longitude: float
) -> Sector:
    _check_unique_name(territory.sectors.all(), name, None)
    return Sector.objects.create(
        territory=territory,
        name=name,
        description=description,
        latitude=latitude,
        longitude=longitude,
    )


@transaction.atomic
def update_sector(
    sector: Sector, *, name: str, description: str, latitude: float, longitude: float
) -> Sector:
    _check_unique_name(Sector.objects.filter(territory_id=sector.territory_id), name, sector.pk)
    sector.name = name
    sector.description = description
    sector.latitude = latitude
    sector.longitude = longitude
    sector.save(update_fields=list(SECTOR_FIELDS))
    return sector


def _check_venue_sector(territory_id: int, sector: Sector) -> None:
    # The form only offers the territory's sectors; this guards every other caller.
    if sector.territory_id != territory_id:
        raise ValueError("A venue's sector must belong to the venue's territory.")


@transaction.atomic
def create_venue(territory: Territory, **fields: Any) -> Venue:
    _check_venue_sector(territory.pk, fields["sector"])
    _check_unique_name(territory.venues.all(), fields["name"], None)
    return Venue.objects.create(territory=territory, **{key: fields[key] for key in VENUE_FIELDS})


@transaction.atomic
def update_venue(venue: Venue, **fields: Any) -> Venue:
    _check_venue_sector(venue.territory_id, fields["sector"])
    _check_unique_name(
        Venue.objects.filter(territory_id=venue.territory_id), fields["name"], venue.pk
    )
    for key in VENUE_FIELDS:
        setattr(venue, key, fields[key])
    venue.save(update_fields=list(VENUE_FIELDS))
    return venue


# --- Read-side summaries (constant number of queries) ---


def _count_of(queryset: QuerySet[Any], field: str) -> Coalesce:
    """A correlated COUNT(*) subquery: no join fan-out however many rows there are."""
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _all_portraits() -> QuerySet[Any]:
    """Every self-portrait, through the relation the portraits app declares: territories,
    the base app, imports no app above it."""
    return Territory._meta.get_field("portraits").related_model.objects.all()


def territories_with_counts() -> QuerySet[Territory]:
    return Territory.objects.annotate(
        sector_count=_count_of(Sector.objects.all(), "territory"),
        venue_count=_count_of(Venue.objects.all(), "territory"),
        participant_count=_count_of(_all_portraits(), "territory"),
    )


def sectors_with_counts(territory: Territory) -> QuerySet[Sector]:
    return territory.sectors.annotate(venue_count=_count_of(Venue.objects.all(), "sector"))


def venues_of(territory: Territory) -> QuerySet[Venue]:
    return territory.venues.select_related("sector")


@dataclass(frozen=True)
class SectorSummary:
    sector: Sector
    venue_count: int
    participant_count: int
    capacity: int


@dataclass(frozen=True)
class TerritorySummary:
    participant_count: int
    participants_without_sector: int
    sectors: list[SectorSummary]
    venue_count: int
    weekly_circle_places: int
    criteria_enabled: int
    criteria_total: int

    @property
    def sectors_without_venue(self) -> list[Sector]:
        return [summary.sector for summary in self.sectors if summary.venue_count == 0]


def territory_summary(territory: Territory) -> TerritorySummary:
    """What a facilitator needs at a glance, in a handful of queries."""
    venues = list(territory.venues.only("sector_id", "capacity", "opening_slots"))
    per_sector = dict(
        territory.portraits.order_by()
        .values_list("sector_id")
        .annotate(n=Count("pk"))
        .values_list("sector_id", "n")
    )
    criteria = territory.criteria.aggregate(
        total=Count("pk"), enabled=Count("pk", filter=Q(enabled=True))
    )
    sectors = [
        SectorSummary(
            sector=sector,
            venue_count=sum(1 for venue in venues if venue.sector_id == sector.pk),
            participant_count=per_sector.get(sector.pk, 0),
            capacity=sum(venue.capacity for venue in venues if venue.sector_id == sector.pk),
        )
        for sector in territory.sectors.all()
    ]
    return TerritorySummary(
        participant_count=sum(per_sector.values()),
        participants_without_sector=per_sector.get(None, 0),
        sectors=sectors,
        venue_count=len(venues),
        # One "place" is one circle meeting in one venue in one slot of the week.
        weekly_circle_places=sum(
            venue.capacity * len(venue.opening_slot_list()) for venue in venues
        ),
        criteria_enabled=criteria["enabled"] or 0,
        criteria_total=criteria["total"] or 0,
    )


# --- Being told when a season opens ---


def wants_season_alert(user: Any, territory: Territory) -> bool:
    return bool(
        user.is_authenticated
        and SeasonAlert.objects.filter(user=user, territory=territory).exists()
    )


@transaction.atomic
def ask_season_alert(user: Any, territory: Territory) -> bool:
    """Be told by email when a season opens in `territory`; True if newly asked."""
    _alert, created = SeasonAlert.objects.get_or_create(user=user, territory=territory)
    return created


@transaction.atomic
def stop_season_alert(user: Any, territory: Territory) -> bool:
    """No more emails about seasons opening in `territory`; True if there was an alert."""
    deleted, _by_model = SeasonAlert.objects.filter(user=user, territory=territory).delete()
    return deleted > 0


# --- Opening a venue at one more weekly time (a lever of the mixing analysis) ---


class SlotAlreadyOpen(Refused):
    message = _("“%(venue)s” is already open at that time: nothing was changed.")


class UnknownSlot(Refused):
    message = _("This is not a weekly time: nothing was changed.")


@transaction.atomic
def open_venue_at(venue: Venue, slot: str) -> Venue:
    """Add `slot` to the venue's weekly opening times (refused when already open there)."""
    if not is_slot(slot):
        raise UnknownSlot
    locked = Venue.objects.select_for_update().get(pk=venue.pk)
    current = normalise_slots(locked.opening_slots)
    if slot in current:
        raise SlotAlreadyOpen(venue=locked.name)
    locked.opening_slots = normalise_slots([*current, slot])
    locked.save(update_fields=["opening_slots"])
    return locked
