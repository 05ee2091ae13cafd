"""A self-portrait in plain words, as shown back to its owner.

Pure functions: they read the objects they are given and never query the
database (load the portrait with its sector, the territory's criteria and the
answers first). Used by the portrait page and the "my data" page.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tierslien.lib.slots import ALL_SLOTS, split
from tierslien.portraits.models import Criterion, CriterionKind, Hope, MeetingMode, Portrait
from tierslien.territories.models import Accessibility

DAY_LABELS: dict[str, Any] = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
PART_LABELS: dict[str, Any] = {
    "morning": gettext_lazy("morning"),
    "afternoon": gettext_lazy("afternoon"),
    "evening": gettext_lazy("evening"),
}


@dataclass(frozen=True)
class Line:
    """One thing the mixing knows, as a label and a sentence-like text."""

    label: str
    text: str
    said: bool = True
    sensitive: bool = False
    key: str = ""
    consented: bool = False


@dataclass(frozen=True)
class Description:
    practical: list[Line] = field(default_factory=list)
    answers: list[Line] = field(default_factory=list)
    # Answers kept for questions the territory does not ask at the moment.
    unused: list[Line] = field(default_factory=list)

    @property
    def sensitive(self) -> list[Line]:
        return [line for line in self.answers + self.unused if line.sensitive and line.said]


def slot_label(slot: str) -> str:
    day, part = split(slot)
    return _("%(day)s %(part)s") % {"day": DAY_LABELS[day], "part": PART_LABELS[part]}


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(number_format(value))


def _joined(labels: Iterable[Any]) -> str:
    return ", ".join(str(label) for label in labels)


def describe_answer(criterion: Criterion, value: Any) -> str:
    """The stored value of an answer in words."""
    if criterion.kind == CriterionKind.NUMERIC:
        return _number(value) if isinstance(value, int | float) else str(value)
    if criterion.kind == CriterionKind.MULTI:
        values = value if isinstance(value, list) else [value]
        return _joined(criterion.label_for(str(item)) for item in values)
    return str(criterion.label_for(str(value)))


def _labels(choices: Any, values: Iterable[str]) -> list[Any]:
    known = dict(choices.choices)
    return [known.get(value, value) for value in values]


def describe_practical(portrait: Portrait) -> list[Line]:
    slots = [slot for slot in ALL_SLOTS if slot in set(portrait.availability or [])]
    needs = _labels(Accessibility, portrait.accessibility_needs or [])
    hopes = _labels(Hope, portrait.hopes or [])
    mode = dict(MeetingMode.choices).get(portrait.meeting_mode, portrait.meeting_mode)
    return [
        Line(
            _("Where I live"),
            portrait.sector.name if portrait.sector else _("Not said"),
            said=portrait.sector is not None,
        ),
        Line(
            _("How far I can travel"),
            _("Up to %(km)s km") % {"km": _number(portrait.max_km)},
        ),
        Line(
            _("When I am available"),
            _joined(slot_label(slot) for slot in slots) if slots else _("No time ticked"),
            said=bool(slots),
        ),
        Line(_("How I can meet"), str(mode)),
        Line(
            _("Accessibility needs"),
            _joined(needs) if needs else _("None"),
            said=bool(needs),
        ),
        Line(
            _("What I hope for"),
            _joined(hopes) if hopes else _("Not said"),
            said=bool(hopes),
        ),
    ]


def describe_portrait(
    portrait: Portrait,
    criteria: Iterable[Criterion],
    answers: Mapping[int, Any],
    *,
    consented_keys: Collection[str] = (),
) -> Description:
    """Every criterion of the territory (enabled or answered) and the practical answers.

    `consented_keys` are the keys of the questions the person has an active
    consent for (to offer withdrawing it).
    """
    asked: list[Line] = []
    unused: list[Line] = []
    for criterion in criteria:
        said = criterion.pk in answers
        if not criterion.enabled and not said:
            continue
        line = Line(
            str(criterion.display_label),
            describe_answer(criterion, answers[criterion.pk]) if said else _("Prefer not to say"),
            said=said,
            sensitive=criterion.sensitive,
            key=criterion.key,
            consented=criterion.key in consented_keys,
        )
        (asked if criterion.enabled else unused).append(line)
    return Description(practical=describe_practical(portrait), answers=asked, unused=unused)
