"""Template filters for territory pages: `{% load territory_display %}`."""

from __future__ import annotations

from typing import Any

from django import template

from tierslien.territories import display
from tierslien.territories.models import Accessibility

register = template.Library()


@register.filter
def opening_times(slots: object) -> list[str]:
    return display.opening_times_lines(slots)


@register.filter
def headcount(count: int) -> str:
    return display.headcount(int(count or 0))


@register.filter
def accessibility_labels(values: object) -> list[Any]:
    chosen = set(values) if isinstance(values, list | tuple | set) else set()
    return [label for value, label in Accessibility.choices if value in chosen]
