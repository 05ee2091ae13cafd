"""`{{ percent|gap_in_words }}`: the gap to the best possible mixing, in one sentence."""

from __future__ import annotations

from django import template

from tierslien.potential.words import gap_sentence

register = template.Library()


@register.filter
def gap_in_words(percent: int | None) -> str:
    return gap_sentence(percent)
