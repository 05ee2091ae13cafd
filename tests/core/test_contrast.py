"""Colour contrast of the stylesheet, computed from its custom properties (WCAG 2.2).

Text needs 4.5:1 against the background it sits on (1.4.3); the focus ring 3:1 against the
page (1.4.11). The pairs are the ones the stylesheet uses; a new colour means a new pair here.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings

CSS = settings.BASE_DIR / "tierslien" / "static" / "css" / "site.css"
TEXT = 4.5
NON_TEXT = 3.0

# (text, background, where)
TEXT_PAIRS = [
    ("--ink", "--paper", "body text"),
    ("--ink", "--card", "cards, fieldsets, tables"),
    ("--muted", "--paper", "lead and muted text"),
    ("--muted", "--card", "help text in fieldsets"),
    ("--accent", "--paper", "links, headings"),
    ("--accent", "--card", "links in cards"),
    ("--accent", "--accent-soft", "tags, secondary buttons, messages"),
    ("--warm", "--paper", "error lists"),
    ("--warm", "--card", "legends of sensitive questions"),
    ("--warm", "--warm-soft", "sensitive-question tags, error messages"),
    ("--warm", "--ok-soft", "error list in a consented question"),
    ("#ffffff", "--warm", "danger buttons"),
    ("#ffffff", "--accent", "buttons"),
    ("--ink", "--warm-soft", "error messages"),
    ("--ink", "--ok-soft", "success messages"),
]
FOCUS_BACKGROUNDS = ["--paper", "--card", "--accent-soft", "--warm-soft"]


def custom_properties() -> dict[str, str]:
    text = CSS.read_text()
    root = re.search(r":root\s*\{(.*?)\}", text, re.S)
    assert root is not None
    body = re.sub(r"/\*.*?\*/", "", root.group(1), flags=re.S)
    return dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;", body))


def colour(name: str) -> str:
    return name if name.startswith("#") else custom_properties()[name]


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def ratio(a: str, b: str) -> float:
    high, low = sorted([luminance(colour(a)), luminance(colour(b))], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_formula_matches_known_values() -> None:
    assert ratio("#000000", "#ffffff") == pytest.approx(21)
    assert ratio("#c8553d", "#fbe9e4") == pytest.approx(3.71, abs=0.01)  # the old accent


@pytest.mark.parametrize(("text", "background", "where"), TEXT_PAIRS)
def test_text_is_readable(text: str, background: str, where: str) -> None:
    assert ratio(text, background) >= TEXT, f"{where}: {ratio(text, background):.2f}:1"


@pytest.mark.parametrize("background", FOCUS_BACKGROUNDS)
def test_the_focus_ring_is_visible(background: str) -> None:
    assert ratio("--focus", background) >= NON_TEXT


def test_the_focus_ring_is_three_pixels_on_focus_visible() -> None:
    rule = re.search(r"(?m)^:focus-visible\s*\{([^}]*)\}", CSS.read_text())
    assert rule is not None
    assert re.search(r"outline:\s*3px solid var\(--focus\)", rule.group(1))


def test_the_ratios_written_in_the_comment_are_the_computed_ones() -> None:
    comment = CSS.read_text().split("--warm:")[0]
    for written, background in [("5.65", "--paper"), ("5.09", "--warm-soft")]:
        assert written in comment
        assert f"{ratio('--warm', background):.2f}" == written
