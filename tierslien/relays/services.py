"""Writes about local contacts ("relais"): the role, and registering someone in their name.

- A facilitator gives the role by the person's email address (they must have an account)
  and withdraws it; withdrawing keeps the people the relay registered (their accounts and
  `Registered` rows stay; only the relay's access goes with the role).
- `register_person` creates, in ONE transaction, everything a relay's short page says: the
  account (no password, no email unless given), the self-portrait (non-sensitive answers
  only: a relay never records a sensitive answer, whatever is posted), the record of the
  agreement (`Registered`: who, when, how), the terms consent marked as given through a
  relay, and the registration to the territory's open season if one is open.
- The relay edits the contact details of their people until the person takes over their
  own account (`Registered.taken_over_at`): from then on the person acts for themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tierslien.accounts.consent import current_terms_version
from tierslien.accounts.models import Consent, Language, ReachBy, User
from tierslien.circles import actions as circles
from tierslien.circles.models import (
    Membership,
    MembershipStatus,
    Registration,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.lib.refusals import Refused
from tierslien.portraits.models import Criterion, MeetingMode
from tierslien.portraits.services import save_portrait
from tierslien.relays.models import AgreedHow, PaperForm, Registered, Relay
from tierslien.territories.models import Sector, Territory

# The terms are read out loud (or on paper) by the relay, not on the site: the consent's
# wording version says so ("2026-12/relay"), so the record tells exactly what was shown.
RELAY_WORDING_SUFFIX: Final = "/relay"
CONSENT_VERSION_LENGTH: Final = 20


class NoSuchAccount(Refused):
    message = _("Nobody has an account with this email address: the person must sign up first.")


class AlreadyRelay(Refused):
    message = _("%(name)s is already a local contact of this territory.")


class EmailTaken(Refused):
    message = _(
        "An account already uses this email address: leave it blank, or ask the person to "
        "sign in themselves."
    )


class PaperCodeRefused(Refused):
    message = _(
        "This paper form code is unknown here or was already used: check the code printed "
        "on the form."
    )


class SensitiveRefused(Refused):
    message = _(
        "A local contact never records an answer to a sensitive question: nothing was saved."
    )


class TakenOver(Refused):
    message = _(
        "This person took over their own account: they change their contact details themselves."
    )


# --- The role ------------------------------------------------------------------------------


@transaction.atomic
def give_relay_role(territory: Territory, email: str, *, given_by: User) -> Relay:
    """Make the account with this email address a local contact of `territory`."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise NoSuchAccount
    relay, created = Relay.objects.get_or_create(
        territory=territory,
        user=user,
        defaults={"given_by": given_by, "since": timezone.now()},
    )
    if not created:
        raise AlreadyRelay(name=user.display_name)
    return relay


@transaction.atomic
def withdraw_relay_role(territory: Territory, relay_id: int) -> User | None:
    """Withdraw the role; the people they registered keep their accounts and records."""
    relay = Relay.objects.select_related("user").filter(territory=territory, pk=relay_id).first()
    if relay is None:
        return None
    relay.delete()
    return relay.user


def relays_of(territory: Territory) -> list[Relay]:
    return list(
        Relay.objects.filter(territory=territory)
        .select_related("user", "given_by")
        .order_by("user__display_name", "pk")
    )


def relay_lookup(person: Any) -> User | None:
    """The local contact who passes messages on to `person` (for the outbox's routing)."""
    registered = (
        Registered.objects.filter(person_id=getattr(person, "pk", None))
        .select_related("relay")
        .first()
    )
    return registered.relay if registered is not None else None


# --- Registering someone -------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """How the platform reaches the person: their channel and what it needs."""

    reach_by: str
    phone: str = ""
    postal_address: str = ""
    email: str = ""


def open_season(territory: Territory) -> Season | None:
    """The season of the territory taking registrations today, if any (the newest)."""
    for season in Season.objects.filter(territory=territory, state=SeasonState.OPEN):
        if circles.registration_is_open(season):
            return season
    return None


def relay_terms_version() -> str:
    version = current_terms_version()[: CONSENT_VERSION_LENGTH - len(RELAY_WORDING_SUFFIX)]
    return f"{version}{RELAY_WORDING_SUFFIX}"


def _claim_paper_form(territory: Territory, code: str) -> PaperForm | None:
    if not code:
        return None
    form = (
        PaperForm.objects.select_for_update()
        .filter(territory=territory, code__iexact=code.strip(), used_for__isnull=True)
        .first()
    )
    if form is None:
        raise PaperCodeRefused
    return form


def _checked_answers(territory: Territory, answers: Mapping[int, Any]) -> dict[int, Any]:
    """The answers, refused whole if one is to a sensitive or unknown question."""
    allowed = set(
        Criterion.objects.filter(
            territory=territory, enabled=True, sensitive=False, pk__in=list(answers)
        ).values_list("pk", flat=True)
    )
    if set(answers) - allowed:
        raise SensitiveRefused
    return dict(answers)


@transaction.atomic
def register_person(
    relay: User,
    territory: Territory,
    *,
    display_name: str,
    contact: Contact,
    sector: Sector | None,
    availability: list[str],
    max_km: float,
    answers: Mapping[int, Any],
    agreed_how: str,
    paper_code: str = "",
    language: str = Language.FRENCH,
) -> Registered:
    """Register someone who agreed to it, in one transaction (see the module's docstring)."""
    if not Relay.objects.filter(territory=territory, user=relay).exists():
        raise PermissionError("Only a local contact of the territory registers people.")
    if agreed_how not in AgreedHow.values or contact.reach_by not in ReachBy.values:
        raise ValueError("Unknown way of agreeing or of being reached.")
    if sector is not None and sector.territory_id != territory.pk:
        raise ValueError("The sector belongs to another territory.")
    checked = _checked_answers(territory, answers)
    paper = _claim_paper_form(territory, paper_code)
    email = contact.email.strip().lower() or None
    if email is not None and User.objects.filter(email__iexact=email).exists():
        raise EmailTaken
    now = timezone.now()
    try:
        with transaction.atomic():
            person = User(
                email=email,
                display_name=display_name,
                language=language,
                reach_by=contact.reach_by,
                phone=contact.phone,
                postal_address=contact.postal_address,
            )
            person.set_unusable_password()
            person.save()
    except IntegrityError:  # the same address, registered meanwhile
        raise EmailTaken from None
    save_portrait(
        person,
        territory,
        sector=sector,
        max_km=max_km,
        availability=availability,
        meeting_mode=MeetingMode.IN_PERSON,
        accessibility_needs=[],
        hopes=[],
        answers=checked,
    )
    registered = Registered.objects.create(
        person=person,
        relay=relay,
        territory=territory,
        agreed_how=agreed_how,
        agreed_at=now,
        paper_code=paper.code if paper is not None else "",
    )
    if paper is not None:
        paper.used_for = registered
        paper.save(update_fields=["used_for"])
    # The agreement to the terms, as read by the relay; `accepted_terms_version` stays blank
    # so that the person reads and accepts the terms themselves on taking over the account.
    Consent.objects.create(
        user=person, subject=Consent.TERMS, wording_version=relay_terms_version(), given_at=now
    )
    season = open_season(territory)
    if season is not None:
        circles.join_season(person, season, availability=availability, max_km=max_km)
    return registered


@transaction.atomic
def update_contact(registered: Registered, contact: Contact) -> User:
    """The relay changes how their person is reached (until the person takes over)."""
    current = Registered.objects.select_for_update().select_related("person").get(pk=registered.pk)
    if current.taken_over_at is not None:
        raise TakenOver
    person = current.person
    person.reach_by = contact.reach_by
    person.phone = contact.phone
    person.postal_address = contact.postal_address
    person.save(update_fields=["reach_by", "phone", "postal_address"])
    return person


# --- What a relay sees of their people -----------------------------------------------------


class Standing:
    """Where a person stands in the current season (never why: no answer shows)."""

    NOT_REGISTERED = "not-registered"
    REGISTERED = "registered"
    INVITED = "invited"
    CONFIRMED = "confirmed"
    NOT_PLACED = "not-placed"


STANDING_WORDS: Final = {
    Standing.NOT_REGISTERED: _("Not registered for the season"),
    Standing.REGISTERED: _("Registered, waiting for the circles"),
    Standing.INVITED: _("Invited to a circle, has not answered yet"),
    Standing.CONFIRMED: _("Seat in a circle confirmed"),
    Standing.NOT_PLACED: _("No circle could take them this season"),
}

# Before publication a circle is a proposal nobody is told about, not even the relay.
PUBLISHED_STATES: Final = (SeasonState.PUBLISHED, SeasonState.RUNNING)
CURRENT_STATES: Final = (
    SeasonState.OPEN,
    SeasonState.COMPOSING,
    SeasonState.PROPOSED,
    SeasonState.PUBLISHED,
    SeasonState.RUNNING,
)


def current_season(territory: Territory) -> Season | None:
    """The territory's newest season that is not over."""
    return Season.objects.filter(territory=territory, state__in=CURRENT_STATES).first()


@dataclass(frozen=True)
class PersonRow:
    registered: Registered
    person: User
    standing: str
    membership: Membership | None

    @property
    def standing_words(self) -> Any:
        return STANDING_WORDS[self.standing]


def _standing(
    season: Season | None, registered: bool, seat: Membership | None, unplaced: bool
) -> str:
    if season is None or not registered:
        return Standing.NOT_REGISTERED
    if season.state not in PUBLISHED_STATES:
        return Standing.REGISTERED
    if seat is None:
        return Standing.NOT_PLACED if unplaced else Standing.REGISTERED
    return Standing.CONFIRMED if seat.status == MembershipStatus.CONFIRMED else Standing.INVITED


def _rows(
    territory: Territory, registrations: list[Registered]
) -> tuple[Season | None, list[PersonRow]]:
    """Where each person stands in the current season, in a constant number of queries."""
    season = current_season(territory)
    user_ids = [row.person_id for row in registrations]
    registered_ids: set[int] = set()
    unplaced_ids: set[int] = set()
    seats: dict[int, Membership] = {}
    if season is not None:
        registered_ids = set(
            Registration.objects.filter(season=season, user_id__in=user_ids).values_list(
                "user_id", flat=True
            )
        )
        if season.state in PUBLISHED_STATES:
            unplaced_ids = set(
                Unplaced.objects.filter(season=season, user_id__in=user_ids).values_list(
                    "user_id", flat=True
                )
            )
            seats = {
                seat.user_id: seat
                for seat in Membership.objects.filter(
                    circle__season=season, user_id__in=user_ids
                ).select_related("circle", "circle__venue", "circle__season")
            }
    rows = [
        PersonRow(
            registered=row,
            person=row.person,
            standing=_standing(
                season,
                row.person_id in registered_ids,
                seats.get(row.person_id),
                row.person_id in unplaced_ids,
            ),
            membership=seats.get(row.person_id),
        )
        for row in registrations
    ]
    return season, rows


def people_of(relay: User, territory: Territory) -> tuple[Season | None, list[PersonRow]]:
    """The people THIS relay registered here, with where they stand in the current season."""
    registrations = list(
        Registered.objects.filter(relay=relay, territory=territory)
        .select_related("person")
        .order_by("person__display_name", "pk")
    )
    return _rows(territory, registrations)


def person_row(registered: Registered) -> tuple[Season | None, PersonRow]:
    """One person of a relay, as on the list."""
    season, rows = _rows(registered.territory, [registered])
    return season, rows[0]
