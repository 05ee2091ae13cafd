"""Text messages: their length in segments, the stop line, and what the memory backend sent.

A text message travels in segments. With only characters of the GSM 03.38 alphabet
(7 bits each) one segment holds 160 characters, or 153 when several are joined; a single
other character sends the whole text in UCS-2: 70, then 67 per segment. The basic GSM
set holds é, è, ù, ì, ò, à, É, Ç (capital only), Ä, Ö, Ñ, Ü, ä, ö, ñ, ü, but not ê, â,
î, ô, û, ë, ï, ç (small), œ, nor the typographic apostrophe or non-breaking spaces:
`plain` writes those the GSM way (French text messages usually do), so a French text
stays in the cheaper alphabet. The extension table (€ [ ] { } ^ ~ | \\ and form feed)
costs two septets a character.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.utils.translation import gettext as _

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
MAX_SEGMENTS = 2  # every text the platform sends, stop line included

# Written the GSM way: French letters outside the basic set, typography, spaces.
_PLAIN = str.maketrans(
    {
        "ê": "e",
        "ë": "e",
        "â": "a",
        "î": "i",
        "ï": "i",
        "ô": "o",
        "û": "u",
        "ç": "c",
        "Ê": "E",
        "Ë": "E",
        "È": "E",
        "Â": "A",
        "À": "A",
        "Î": "I",
        "Ï": "I",
        "Ô": "O",
        "Û": "U",
        "Ù": "U",
        "œ": "oe",
        "Œ": "OE",
        "’": "'",
        "‘": "'",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "·": ".",
    }
)


def plain(text: str) -> str:
    """`text` with the usual French characters outside GSM 03.38 written the GSM way."""
    return text.translate(_PLAIN)


def is_gsm(text: str) -> bool:
    return all(char in GSM_BASIC or char in GSM_EXTENSION for char in text)


def segments(text: str) -> int:
    """How many segments `text` is sent in (0 for an empty text)."""
    if not text:
        return 0
    if is_gsm(text):
        septets = sum(2 if char in GSM_EXTENSION else 1 for char in text)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2  # an emoji is two
    return 1 if units <= 70 else math.ceil(units / 67)


def stop_line() -> str:
    """How to stop text messages, in the active language (the number when there is one)."""
    number = settings.SMS_STOP_NUMBER
    if number:
        return _("Reply STOP to %(number)s to stop") % {"number": number}
    return _("Reply STOP to stop")


def fit(text: str, stop: str, *, most: int = MAX_SEGMENTS) -> str:
    """`text` then `stop`, GSM-friendly, shortened if needed to `most` segments.

    A template marks with a leading "~" the lines that may be shortened (a venue's name and
    address): those are cut first, the longest first; then other lines, never a link nor
    the stop line. Each kind's template is written to fit with long names (tested).
    """
    lines: list[tuple[str, bool]] = []
    for raw in plain(text).strip().splitlines():
        line = " ".join(raw.split())
        marked = line.startswith("~")
        line = line.removeprefix("~").strip()
        if line:
            lines.append((line, marked))
    stop = plain(stop)
    while True:
        message = "\n".join([*(line for line, _ in lines), stop])
        if segments(message) <= most:
            return message
        cuttable = [i for i, (line, marked) in enumerate(lines) if marked and len(line) > 12]
        if not cuttable:
            cuttable = [
                i for i, (line, _) in enumerate(lines) if "://" not in line and len(line) > 12
            ]
        if not cuttable:
            return message
        longest = max(cuttable, key=lambda i: len(lines[i][0]))
        line, marked = lines[longest]
        lines[longest] = (line.removesuffix("...")[:-8].rstrip(" ,.") + "...", marked)


# The memory backend's sent messages, like Django's `mail.outbox` (tests empty it).
sent: list[dict[str, str]] = []
