"""The way in on one's own phone: a short code to type, and the QR code of the address.

The short code is the evening's number followed by a check digit (Luhn's), so a typo
leads nowhere rather than to another evening: ``/e/<code>/`` sends to the evening's
check-in page. Nothing is stored: the code is computed from the evening's id.
"""

from __future__ import annotations

import segno
from django.utils.safestring import SafeString, mark_safe


def _check_digit(digits: str) -> int:
    """Luhn's check digit of `digits`: catches any single wrong digit and most swaps."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def short_code(evening_id: int) -> str:
    """The code people type after /e/: the evening's number and a check digit."""
    digits = str(evening_id)
    return f"{digits}{_check_digit(digits)}"


def evening_id_of(code: str) -> int | None:
    """The evening a short code names (None: not a code, or a typo)."""
    if not (2 <= len(code) <= 12 and code.isascii() and code.isdigit()):
        return None
    digits, check = code[:-1], int(code[-1])
    if digits.startswith("0") or _check_digit(digits) != check:
        return None
    return int(digits)


def qr_svg(url: str, *, label: str) -> SafeString:
    """The QR code of `url` as inline SVG (generated here: no image service), dark on
    white, sized by CSS; `label` is what a screen reader says."""
    svg = segno.make(url, error="m").svg_inline(
        scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr", title=label
    )
    # An accessible image: the title names it.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))
