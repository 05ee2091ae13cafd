"""The named cast every view test uses.

- participant: has a self-portrait in the territory;
- co_member: another participant of the same territory;
- outsider: signed in, no link to the territory;
- facilitator: facilitates the territory (TOTP enrolled);
- other_facilitator: facilitates another territory (TOTP enrolled);
- admin: site administrator (TOTP enrolled);
- facilitator_without_mfa: the territory's facilitator, signed in with a password only
  (the session has not passed the second factor);
- relay: a local contact ("relais") of the territory (TOTP enrolled), who registered
  `registered` (a person with no email, reached by text message, no portrait yet);
- relay_without_mfa: the relay, signed in with a password only;
- anonymous: nobody signed in.

`sign_in(client, user)` is the one way tests sign someone in: it marks the second factor
as passed in the session exactly as allauth's code step does (`mfa=False` leaves it out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.mfa.utils import decrypt
from django.test import RequestFactory
from django.utils import timezone

from tierslien.accounts.models import ReachBy, User
from tierslien.portraits.models import Portrait
from tierslien.portraits.services import install_default_criteria
from tierslien.relays.models import AgreedHow, Registered, Relay
from tierslien.territories.models import Facilitator, Sector, Territory, Venue

if TYPE_CHECKING:
    from django.test import Client

PASSWORD = "correct horse battery staple"

# Roles whose session passed the second factor (the others never enrolled, or did not pass).
MFA_ROLES = frozenset({"facilitator", "other_facilitator", "admin", "relay"})


@dataclass
class Cast:
    territory: Territory
    other_territory: Territory
    sector: Sector
    other_sector: Sector
    venue: Venue
    participant: User
    co_member: User
    outsider: User
    facilitator: User
    other_facilitator: User
    admin: User
    relay: User
    registered: User

    def roles(self) -> dict[str, User | None]:
        return {
            "anonymous": None,
            "outsider": self.outsider,
            "participant": self.participant,
            "facilitator": self.facilitator,
            "other_facilitator": self.other_facilitator,
            "admin": self.admin,
            "facilitator_without_mfa": self.facilitator,
            "relay": self.relay,
            "relay_without_mfa": self.relay,
        }


def sign_in(client: Client, user: User, *, mfa: bool = True) -> Client:
    """Sign `user` in on `client`; with `mfa`, as after allauth's password and code steps.

    allauth records each authentication step in the session (`record_authentication`,
    read back by `allauth.account.authentication.get_authentication_records`); the same
    records are written here, so the code under test sees a genuine MFA-passed session.
    """
    client.force_login(user)
    if not mfa:
        return client
    session = client.session
    request = RequestFactory().get("/")
    request.session = session
    request.user = user
    record_authentication(request, user, "password", email=user.email)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        raise ValueError(f"{user} has no authenticator app: sign in with mfa=False.")
    record_authentication(request, user, "mfa", id=totp.pk, type=totp.type)
    session.save()
    return client


def make_user(email: str, display_name: str, *, totp: bool = False, **extra: object) -> User:
    user = User.objects.create_user(email, PASSWORD, display_name=display_name, **extra)
    user.emailaddress_set.create(email=email, verified=True, primary=True)
    if totp:
        TOTP.activate(user, generate_totp_secret())
    return user


def totp_secret(user: User) -> str:
    """The secret of `user`'s authenticator app, as their phone knows it (stored encrypted)."""
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return decrypt(authenticator.data["secret"])


def make_territory(name: str, slug: str) -> Territory:
    territory = Territory.objects.create(name=name, slug=slug, kind="town")
    install_default_criteria(territory)
    return territory


def venue_elsewhere(cast: Cast, **overrides: object) -> Venue:
    """A new venue in the other territory (Autreville's village hall, unless `overrides`)."""
    values: dict[str, object] = {
        "name": "Salle des fêtes",
        "address": "Place du Bourg",
        "latitude": 47.9,
        "longitude": -1.5,
    } | overrides
    return Venue.objects.create(territory=cast.other_territory, sector=cast.other_sector, **values)


def build_cast() -> Cast:
    territory = make_territory("Val-de-Lien", "val-de-lien")
    other = make_territory("Autreville", "autreville")
    sector = Sector.objects.create(
        territory=territory, name="Centre", latitude=48.11, longitude=-1.68
    )
    other_sector = Sector.objects.create(
        territory=other, name="Bourg", latitude=47.9, longitude=-1.5
    )
    venue = Venue.objects.create(
        territory=territory,
        sector=sector,
        name="Médiathèque",
        address="1 place de la Mairie",
        latitude=48.111,
        longitude=-1.681,
        capacity=2,
        opening_slots=["tue-evening", "sat-morning"],
        accessibility=["step-free"],
        nothing_to_buy=True,
    )
    participant = make_user("alice@example.org", "Alice")
    co_member = make_user("bob@example.org", "Bob")
    for user in (participant, co_member):
        Portrait.objects.create(user=user, territory=territory, sector=sector)
    facilitator = make_user("fiona@example.org", "Fiona", totp=True)
    other_facilitator = make_user("oscar@example.org", "Oscar", totp=True)
    Facilitator.objects.create(territory=territory, user=facilitator)
    Facilitator.objects.create(territory=other, user=other_facilitator)
    relay = make_user("rosa@example.org", "Rosa", totp=True)
    now = timezone.now()
    Relay.objects.create(territory=territory, user=relay, given_by=facilitator, since=now)
    registered = User.objects.create(
        email=None, display_name="Rémi", reach_by=ReachBy.SMS, phone="+33612345678"
    )
    registered.set_unusable_password()
    registered.save(update_fields=["password"])
    Registered.objects.create(
        person=registered,
        relay=relay,
        territory=territory,
        agreed_how=AgreedHow.IN_PERSON,
        agreed_at=now,
    )
    return Cast(
        territory=territory,
        other_territory=other,
        sector=sector,
        other_sector=other_sector,
        venue=venue,
        participant=participant,
        co_member=co_member,
        outsider=make_user("charlie@example.org", "Charlie"),
        facilitator=facilitator,
        other_facilitator=other_facilitator,
        admin=make_user("ada@example.org", "Ada", totp=True, is_superuser=True, is_staff=True),
        relay=relay,
        registered=registered,
    )
