"""Phone numbers: read as people type them, stored in E.164 (`+33612345678`).

`phonenumbers` (Google's libphonenumber) knows every country's numbering plan; a number
typed without its country code is read in the site's default region (`PHONE_REGION`).
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tierslien.lib.refusals import Refused


class BadPhoneNumber(Refused):
    message = _("This is not a phone number we can send text messages to: check the digits.")


def to_e164(typed: str, region: str | None = None) -> str:
    """`typed` as an E.164 number; raises BadPhoneNumber when it is not a valid one."""
    try:
        number = phonenumbers.parse(typed, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise BadPhoneNumber from error
    if not phonenumbers.is_valid_number(number):
        raise BadPhoneNumber
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def for_display(e164: str) -> str:
    """An E.164 number written the way people of its country read it."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
