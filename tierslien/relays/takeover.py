"""Taking over one's account with a code, and signing in with a code afterwards.

A relay (for someone they registered) or a facilitator (for anyone of their territory
registered by a relay) sends the person a one-time code on the person's own channel; a
person reached by text message may also ask for one by typing their phone number. At
`/takeover/` the person types the code: the first time they choose a password (and may
give an email address); once they have taken over, a code simply signs them in.

The code: 8 characters from an alphabet without look-alikes (no 0/O, 1/I), shown as
ABCD-EFGH. Only keyed hashes are stored (HMAC-SHA256 with SECRET_KEY): the first half
(the "selector") finds the code, the whole code proves it. A wrong second half counts
against that code, which is locked after `MAX_WRONG_TRIES`; a selector that finds nothing
counts against the visitor's address. Every failure reads the same, so nobody learns
whether a code exists, expired, was used or is locked. See docs/reach.md.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tierslien.accounts.emails import absolute
from tierslien.accounts.models import ReachBy, User
from tierslien.lib.refusals import Refused
from tierslien.outbox import services as outbox
from tierslien.relays.models import Registered, TakeoverCode

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 signs: no 0/O, no 1/I
CODE_LENGTH = 8
SELECTOR_LENGTH = 4
MAX_WRONG_TRIES = 5
# A letter takes days to arrive and may wait on a table; a text message arrives at once,
# so a short life limits what a phone left lying around gives away.
VALID_FOR = {
    ReachBy.POST: datetime.timedelta(days=30),
    ReachBy.SMS: datetime.timedelta(days=2),
    ReachBy.EMAIL: datetime.timedelta(days=2),
}
CODES_PER_PERSON_PER_DAY = 3  # each one sent costs a text or a stamp
SENDS_PER_SENDER_PER_HOUR = 30
REQUESTS_PER_ADDRESS_PER_HOUR = 10  # "send me a code", per visitor's IP address
FAILURES_PER_ADDRESS_PER_HOUR = 20  # codes typed that find nothing, per IP address
# Between typing the code and choosing a password.
PENDING_FOR = datetime.timedelta(minutes=30)
PENDING_KEY = "relays.takeover.pending"


class NoChannelOfTheirOwn(Refused):
    message = _(
        "A code must reach the person directly: give them a mobile phone number, a postal "
        "address or an email address as their way to be reached first."
    )


class TooManyCodes(Refused):
    message = _("Enough codes were sent for now: try again tomorrow.")


class WrongCode(Refused):
    message = _(
        "This code does not work. It may be mistyped, already used, expired, or locked "
        "after too many tries: check it, or ask for a new one."
    )


# --- Codes and their hashes ---------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def readable(code: str) -> str:
    """ABCDEFGH as ABCD-EFGH: two halves are easier to copy from a letter."""
    return f"{code[:SELECTOR_LENGTH]}-{code[SELECTOR_LENGTH:]}"


def normalise(typed: str) -> str:
    """What was typed, in capitals without spaces or dashes ("" when it cannot be a code)."""
    code = "".join(typed.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(sign not in ALPHABET for sign in code):
        return ""
    return code


def _digest(purpose: str, text: str) -> str:
    key = f"tierslien.relays.takeover:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()


def address_key(ip: str) -> str:
    """What the rate limits keep of an IP address (for an hour): a keyed hash of it."""
    return _digest("address", ip)[:32]


def _selector_hash(code: str) -> str:
    return _digest("selector", code[:SELECTOR_LENGTH])[:32]


def stored_hash(code: str) -> str:
    """`<selector hash>$<code hash>`: the first part finds the row, the second proves it."""
    return f"{_selector_hash(code)}${_digest('code', code)}"


def _proves(row: TakeoverCode, code: str) -> bool:
    expected = row.code_hash.split("$", 1)[-1]
    return hmac.compare_digest(expected, _digest("code", code))


# --- Rate limits (the cache is shared by every process) -----------------------------------


def _spend(key: str, limit: int, seconds: int) -> bool:
    """Count one more event in a fixed window; False once `limit` is reached."""
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    return count <= limit


def _within(key: str, limit: int) -> bool:
    return int(cache.get(key, 0)) < limit


# --- Sending a code -----------------------------------------------------------------------


def channel_ready(person: User) -> bool:
    """Whether a code can reach the person on their own channel (never through a relay:
    whoever passes the code on could take the account)."""
    if person.reach_by == ReachBy.SMS:
        return bool(person.phone)
    if person.reach_by == ReachBy.POST:
        return bool(person.postal_address.strip())
    if person.reach_by == ReachBy.EMAIL:
        return bool(person.email)
    return False


def _message(person: User, registered: Registered, code: str, expires: datetime.datetime) -> Any:
    language = person.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "person": person,
            "relay": registered.relay,
            "registered": registered,
            "taken_over": registered.taken_over_at is not None,
            "code": readable(code),
            "expires": timezone.localtime(expires),
            "url": absolute(reverse("takeover")),
            "site": settings.SITE_NAME,
        }
        subject = " ".join(
            render_to_string("relays/takeover/email/code_subject.txt", context).split()
        )
        body = render_to_string("relays/takeover/email/code.txt", context)
        text = " ".join(render_to_string("relays/takeover/email/code_sms.txt", context).split())
    # The outbox routes by the person's channel; the address is blank when they have none.
    email = EmailMultiAlternatives(subject, body, None, [person.email or ""])
    return outbox.Outgoing(email, person, text=text)


@dataclass(frozen=True)
class Sent:
    code: str  # for the caller's tests only: never shown on a page
    expires_at: datetime.datetime


def send_code(registered: Registered, *, sender_key: str) -> Sent:
    """Revoke the person's unused codes, make a new one and queue it on their channel."""
    person = registered.person
    if not channel_ready(person):
        raise NoChannelOfTheirOwn
    if not _within(f"takeover:send:{sender_key}", SENDS_PER_SENDER_PER_HOUR):
        raise TooManyCodes
    now = timezone.now()
    with transaction.atomic():
        # Lock the person: two sends at once cannot both pass the daily count.
        User.objects.select_for_update().filter(pk=person.pk).first()
        recent = TakeoverCode.objects.filter(
            person=person, created_at__gte=now - datetime.timedelta(days=1)
        ).count()
        if recent >= CODES_PER_PERSON_PER_DAY:
            raise TooManyCodes
        TakeoverCode.objects.filter(person=person, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        code = new_code()
        while TakeoverCode.objects.filter(
            code_hash__startswith=_selector_hash(code) + "$",
            used_at__isnull=True,
            expires_at__gt=now,
        ).exists():  # two live codes never share a first half
            code = new_code()
        expires = now + VALID_FOR.get(ReachBy(person.reach_by), datetime.timedelta(days=2))
        TakeoverCode.objects.create(
            person=person, code_hash=stored_hash(code), created_at=now, expires_at=expires
        )
        outbox.queue_emails(
            [_message(person, registered, code, expires)],
            topic="account",
            language=person.language,
            urgent=True,
            territory=registered.territory,  # a letter waits in this territory's print queue
        )
    _spend(f"takeover:send:{sender_key}", SENDS_PER_SENDER_PER_HOUR, 3600)
    return Sent(code, expires)


def send_code_to_phone(typed_e164: str, *, address: str) -> None:
    """ "Send me a code": a code to each person registered by a relay whose channel is that
    phone. Says nothing either way (the caller answers the same whether anyone matched)."""
    if not _spend(f"takeover:ask:{address}", REQUESTS_PER_ADDRESS_PER_HOUR, 3600):
        return
    people = Registered.objects.select_related("person", "relay").filter(
        person__phone=typed_e164, person__reach_by=ReachBy.SMS, person__is_active=True
    )
    for registered in people:
        try:
            send_code(registered, sender_key=f"person:{registered.person_id}")
        except Refused:
            continue  # too many today: silently, like a number we do not know


# --- Using a code -------------------------------------------------------------------------


def redeem(typed: str, *, address: str) -> User:
    """The person a typed code belongs to; the code is used up. Raises WrongCode."""
    failures = f"takeover:failed:{address}"
    if not _within(failures, FAILURES_PER_ADDRESS_PER_HOUR):
        raise WrongCode
    code = normalise(typed)
    now = timezone.now()
    person: User | None = None
    counted = False
    if code:
        with transaction.atomic():
            row = (
                TakeoverCode.objects.select_for_update()
                .select_related("person")
                .filter(code_hash__startswith=_selector_hash(code) + "$")
                .order_by("-created_at")
                .first()
            )
            usable = (
                row is not None
                and row.used_at is None
                and row.expires_at > now
                and row.attempts < MAX_WRONG_TRIES
                and row.person.is_active
            )
            if row is not None and usable and _proves(row, code):
                row.used_at = now
                row.save(update_fields=["used_at"])
                person = row.person
            elif row is not None and usable:
                row.attempts += 1
                row.save(update_fields=["attempts"])
                counted = True
    if person is None:
        if not counted:
            _spend(failures, FAILURES_PER_ADDRESS_PER_HOUR, 3600)
        raise WrongCode
    return person


def has_taken_over(person: User) -> bool:
    return Registered.objects.filter(person=person, taken_over_at__isnull=False).exists()


@transaction.atomic
def take_over(
    person: User, *, password: str, email: str = "", request: HttpRequest | None = None
) -> User:
    """The person chose a password (validated by the caller); the account is theirs now.

    An email address, if given, becomes their primary one, unverified: allauth sends its
    usual verification email (through the outbox, after the commit).
    """
    current = User.objects.select_for_update().get(pk=person.pk)
    current.set_password(password)
    fields = ["password"]
    if email:
        current.email = email.lower()
        fields.append("email")
    current.save(update_fields=fields)
    Registered.objects.filter(person=current, taken_over_at__isnull=True).update(
        taken_over_at=timezone.now()
    )
    if email and request is not None:
        address = EmailAddress.objects.add_email(request, current, email, confirm=True)
        address.set_as_primary(conditional=True)
    return current


def email_taken(email: str) -> bool:
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )
