"""Text-message length: GSM 03.38 (160, then 153 a segment) or UCS-2 (70, then 67)."""

from __future__ import annotations

import pytest

from tierslien.outbox import sms


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("é" * 160, 1),  # é, è, à, ù, ì, ò, É, Ç are in the basic GSM set
        ("èàùìòÉÇ" + "a" * 153, 1),
        ("€" * 80, 1),  # the extension table: two septets each
        ("€" * 81, 2),
        ("ç" + "a" * 69, 1),  # small ç is not GSM: the whole text goes in UCS-2
        ("ç" + "a" * 70, 2),
        ("ê" * 134, 2),
        ("ê" * 135, 3),
        ("â", 1),
        ("’", 1),
        ("🙂" * 35, 1),  # two UTF-16 units each
        ("🙂" * 36, 2),
    ],
)
def test_segments(text: str, segments: int) -> None:
    assert sms.segments(text) == segments


@pytest.mark.parametrize("char", list("êâîôûëïçœ’«»\u00a0…–"))
def test_the_usual_french_characters_outside_gsm_are_written_the_gsm_way(char: str) -> None:
    assert not sms.is_gsm(char)
    assert sms.is_gsm(sms.plain(char))


def test_plain_keeps_what_gsm_has() -> None:
    text = "Réunion à l'école, Ça marche ? Où ? Été"
    assert sms.plain(text) == text
    assert sms.plain("La fête de l’été, « ça » coûte…") == 'La fete de l\'été, " ca " coute...'


def test_fit_shortens_the_longest_line_but_never_a_link_nor_the_stop_line() -> None:
    link = "https://tierslien.example.org/t/val-de-lien/cercles/12/invitation/"
    text = "Tiers Lien: a seat for you.\n" + "Very long venue name " * 20 + "\n" + link
    fitted = sms.fit(text, "Reply STOP to 36180 to stop")
    assert sms.segments(fitted) == 2
    assert fitted.endswith(f"...\n{link}\nReply STOP to 36180 to stop")
    assert fitted.startswith("Tiers Lien: a seat for you.\nVery long venue name")
