"""Paper: printable documents for people who are not online (docs/reach.md, "Paper").

What each document reads, and the one write: a registration form's reference code,
stored when the form is printed. Every document is an HTML page printed from the browser
(`static/css/print.css`); nothing here sends anything or asks a third party.

- registration forms: one page per person, a unique reference code each, the territory's
  sectors, the weekly grid and its questions that are NOT sensitive;
- invitation letters: one page per person placed in a published season, in the
  recipient's language;
- a circle's first-session sheet: first names, venue, dates, pact, attendance grid;
- the territory's poster and flyer, with a QR code of its public page.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, Final

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tierslien.accounts.models import ReachBy
from tierslien.circles.actions.invitations import invitation_url
from tierslien.circles.models import Circle, Membership, Season, SeasonState
from tierslien.circles.schedule import SessionTime, session_times
from tierslien.circles.together import Together, circle_facts
from tierslien.gatherings.evenings.door import qr_svg
from tierslien.portraits.models import Criterion
from tierslien.relays.access import is_relay
from tierslien.relays.models import PaperForm, Registered
from tierslien.territories.access import behind_role, get_territory, is_facilitator
from tierslien.territories.display import slot_label
from tierslien.territories.models import Territory

# --- Access: facilitators and relays of the territory ------------------------------------


@dataclass(frozen=True)
class PaperViewer:
    """Who is printing: a facilitator (or admin) of the territory, else one of its relays."""

    territory: Territory
    is_facilitator: bool


def paper_viewer(user: Any, territory_slug: str) -> PaperViewer:
    """A facilitator or a relay of the territory (403 otherwise: territories are public)."""
    territory = get_territory(territory_slug)
    facilitator = is_facilitator(user, territory)
    if not facilitator and not is_relay(user, territory):
        raise PermissionDenied
    return PaperViewer(territory, facilitator)


def paper_access[**P](
    view: Callable[Concatenate[HttpRequest, PaperViewer, P], HttpResponse],
) -> Callable[..., HttpResponse]:
    """Decorate a page both facilitators and relays print: sign-in, one of the two roles in
    the territory, then the second factor."""
    return behind_role(paper_viewer)(view)


# --- Reference codes ---------------------------------------------------------------------

# Nothing to confuse in handwriting (no 0/O, 1/I/L, U/V, Z/2): 29 symbols, a prime, so the
# weighted check below catches every single wrong symbol and every swap of two neighbours.
CODE_SYMBOLS: Final = "23456789ABCDEFGHJKMNPQRSTVWXY"
CODE_RANDOM_LENGTH: Final = 3
MAX_FORMS: Final = 50  # per print: a stack, not a print run


def check_symbol(body: str) -> str:
    """The check symbol of `body` (symbols of CODE_SYMBOLS): position-weighted sum mod 29."""
    total = sum((index + 1) * CODE_SYMBOLS.index(char) for index, char in enumerate(body))
    return CODE_SYMBOLS[total % len(CODE_SYMBOLS)]


def code_prefix(territory: Territory) -> str:
    """A few letters naming the territory: the initials of its slug's words ('val-de-lien'
    → 'VDL'), or the first three letters of a one-word slug."""
    words = [word for word in territory.slug.upper().split("-") if word]
    letters = "".join(word[0] for word in words) if len(words) > 1 else "".join(words)[:3]
    return "".join(char for char in letters if "A" <= char <= "Z")[:4] or "TL"


def new_code(territory: Territory) -> str:
    body = "".join(secrets.choice(CODE_SYMBOLS) for _ in range(CODE_RANDOM_LENGTH))
    return f"{code_prefix(territory)}-{body}{check_symbol(body)}"


def normalise_code(text: str) -> str:
    """A code as typed ('vdl 7k3p', 'VDL-7K3P ') in its printed form ('VDL-7K3P')."""
    cleaned = "".join(char for char in text.upper() if char.isascii() and char.isalnum())
    tail = CODE_RANDOM_LENGTH + 1
    return f"{cleaned[:-tail]}-{cleaned[-tail:]}" if len(cleaned) > tail else cleaned


def code_is_well_formed(code: str) -> bool:
    """True when the code's last symbol checks its random part (a typo is caught here)."""
    prefix, _, tail = normalise_code(code).partition("-")
    if not prefix or len(tail) != CODE_RANDOM_LENGTH + 1:
        return False
    if any(char not in CODE_SYMBOLS for char in tail):
        return False
    return check_symbol(tail[:-1]) == tail[-1]


def print_forms(territory: Territory, count: int, now: Any) -> list[PaperForm]:
    """Store `count` new forms with unique reference codes (the codes printed on them)."""
    count = max(1, min(count, MAX_FORMS))
    for _attempt in range(5):
        try:
            with transaction.atomic():
                codes: set[str] = set()
                while len(codes) < count:
                    wanted = {new_code(territory) for _ in range(count - len(codes))}
                    taken = set(
                        PaperForm.objects.filter(code__in=wanted).values_list("code", flat=True)
                    )
                    codes |= wanted - taken
                return PaperForm.objects.bulk_create(
                    PaperForm(territory=territory, code=code, printed_at=now)
                    for code in sorted(codes)
                )
        except IntegrityError:  # another print took a code meanwhile: draw again
            continue
    raise RuntimeError("Could not draw unique paper form codes.")


# --- What a registration form asks -------------------------------------------------------


@dataclass(frozen=True)
class PrintedQuestion:
    label: Any
    question: Any
    kind: str
    options: list[Any]  # translated labels; empty for a number written by hand


def printed_questions(territory: Territory) -> list[PrintedQuestion]:
    """The territory's enabled questions that are NOT sensitive: a sensitive question needs
    its own consent, asked on the site or by the relay, never on a sheet left on a table."""
    return [
        PrintedQuestion(
            label=criterion.display_label,
            question=criterion.display_question,
            kind=criterion.kind,
            options=[label for _, label in criterion.choices()],
        )
        for criterion in Criterion.objects.filter(
            territory=territory, enabled=True, sensitive=False
        )
    ]


TRAVEL_KM: Final = (2, 5, 10, 20)


# --- Invitation letters ------------------------------------------------------------------

LETTER_STATES: Final = (SeasonState.PUBLISHED, SeasonState.RUNNING)
BY_PAPER: Final = (ReachBy.POST, ReachBy.RELAY)


@dataclass(frozen=True)
class Contact:
    """Whom the person calls: their relay, else the territory's team."""

    name: str
    phone: str
    email: str
    is_relay: bool


@dataclass(frozen=True)
class Letter:
    language: str
    name: str
    postal_address: str
    circle: Circle
    venue: Any
    slot: Any
    sessions: list[SessionTime]
    respond_by: Any
    answer_url: str
    together: Together
    contact: Contact
    confirmed: bool


def letters_are_ready(season: Season) -> bool:
    return season.state in LETTER_STATES


def letter_memberships(
    season: Season, *, relay: Any = None, everyone: bool = False
) -> list[Membership]:
    """Who gets a letter: the season's placed people reached by post or through a relay
    (`everyone`: all of them); for a relay, only the people they registered."""
    memberships = Membership.objects.filter(circle__season=season).select_related(
        "user", "circle", "circle__venue", "circle__season"
    )
    if relay is not None:
        memberships = memberships.filter(
            user__registered_by_relay__relay=relay,
            user__registered_by_relay__territory_id=season.territory_id,
        )
    elif not everyone:
        memberships = memberships.filter(user__reach_by__in=BY_PAPER)
    return sorted(memberships, key=lambda m: (m.circle.number, m.user.display_name, m.user.pk))


def team_contact() -> Contact:
    """The territory's team, for people no relay registered: the site's contact address."""
    return Contact(name="", phone="", email=settings.LEGAL_CONTACT_EMAIL, is_relay=False)


def contact_for(registered: Registered | None) -> Contact:
    """The relay who registered the person: their display name and, when they gave one,
    their phone number (docs/reach.md says relays share these two with their people)."""
    relay = registered.relay if registered is not None else None
    if relay is None:
        return team_contact()
    return Contact(name=relay.display_name, phone=relay.phone, email="", is_relay=True)


def letters(memberships: list[Membership], season: Season) -> list[Letter]:
    """Everything each letter says, read in the recipient's language."""
    registered = {
        r.person_id: r
        for r in Registered.objects.filter(
            person_id__in=[m.user_id for m in memberships]
        ).select_related("relay")
    }
    facts = {}
    result = []
    for membership in memberships:
        circle = membership.circle
        if circle.pk not in facts:
            facts[circle.pk] = circle_facts(circle)
        user = membership.user
        language = user.language or settings.LANGUAGE_CODE
        with translation.override(language):
            result.append(
                Letter(
                    language=language,
                    name=user.display_name,
                    postal_address=user.postal_address,
                    circle=circle,
                    venue=circle.venue,
                    slot=str(slot_label(circle.slot)) if circle.slot else "",
                    sessions=session_times(season, circle.slot),
                    respond_by=membership.respond_by,
                    answer_url=invitation_url(membership),
                    together=facts[circle.pk].for_member(user.pk),
                    contact=contact_for(registered.get(user.pk)),
                    confirmed=membership.status == "confirmed",
                )
            )
    return result


# --- A circle's first session ------------------------------------------------------------


def get_territory_circle(territory: Territory, circle_id: int) -> Circle:
    """A circle of one of the territory's seasons (another territory's is a 404)."""
    return get_object_or_404(
        Circle.objects.select_related("venue", "season"),
        season__territory=territory,
        pk=circle_id,
    )


def circle_first_names(circle: Circle) -> list[str]:
    """The members' display names (what members already see of each other)."""
    names = Membership.objects.filter(circle=circle).values_list("user__display_name", flat=True)
    return sorted(names, key=str.casefold)


def season_page_url(season: Season) -> str:
    """Where the facilitator follows the season's circles (written out on the sheet)."""
    path = reverse("manage_season_circles", args=[season.territory.slug, season.pk])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


# --- Poster ------------------------------------------------------------------------------


def public_url(territory: Territory) -> str:
    path = reverse("territory_detail", args=[territory.slug])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def territory_qr(territory: Territory, url: str) -> SafeString:
    """The QR code of the territory's public page, drawn here (no image service)."""
    return qr_svg(url, label=_("QR code of the page of %(name)s") % {"name": territory.name})
