"""The circle's pact and the session guide: fixed texts, translated when shown."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PACT: tuple[tuple[Promise, Promise], ...] = (
    (
        _("Confidentiality"),
        _(
            "What is said in the circle stays in the circle. I never repeat what I hear here "
            "in a way that could identify someone."
        ),
    ),
    (
        _("Everyone gets to speak"),
        _("Each of us has the same time to speak; I listen without interrupting."),
    ),
    (
        _("Kindness"),
        _("I speak for myself, with kindness; I may disagree without judging the person."),
    ),
    (
        _("No recruiting, no selling"),
        _(
            "I do not use the circle to recruit for a cause, a party or a faith, nor to sell "
            "anything."
        ),
    ),
)

OPENING_TEXT = _(
    "Welcome. We come from different walks of life and would probably never have met. "
    "For the next hour and a half, each of us speaks in turn and the others listen. "
    "What is said here stays here. We speak for ourselves, with kindness; no recruiting, "
    "no selling. Anyone may pass their turn."
)


@dataclass(frozen=True)
class Protocol:
    key: str
    name: Promise
    steps: tuple[Promise, ...]
    minutes: int  # suggested speaking time per person


PROTOCOLS: tuple[Protocol, ...] = (
    Protocol(
        key="round",
        name=_("A round of sharing"),
        steps=(
            _("Someone reads the opening text."),
            _(
                "Each person in turn shares something from their week or their life, "
                "without being interrupted."
            ),
            _("After the round, a free exchange: questions, echoes, what surprised us."),
        ),
        minutes=4,
    ),
    Protocol(
        key="one",
        name=_("One person at a time"),
        steps=(
            _("One member presents a project or a question (the others listen)."),
            _("Each person in turn asks one question to understand better."),
            _("Each person in turn offers an idea, a contact or some help."),
            _("The member says what they take away."),
        ),
        minutes=3,
    ),
)


def protocol(key: str) -> Protocol:
    return next((p for p in PROTOCOLS if p.key == key), PROTOCOLS[0])
