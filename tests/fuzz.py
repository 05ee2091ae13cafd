"""Shared Hypothesis settings and strategies for the form fuzz tests."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def fuzz_settings(max_examples: int = 25) -> settings:
    """Few examples, no deadline (database work), fixtures reused across examples on purpose."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def printable_text(max_size: int) -> st.SearchStrategy[str]:
    """Any text a browser could send (no lone surrogates)."""
    return st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=max_size)


def field_value(plausible: Sequence[str], *, text_size: int = 30) -> st.SearchStrategy[str]:
    """One form field's value: a plausible one for the form, any text, or any integer."""
    return st.one_of(
        st.sampled_from(list(plausible)), printable_text(text_size), st.integers().map(str)
    )


def field_values(
    value: st.SearchStrategy[str], *, max_items: int = 4
) -> st.SearchStrategy[str | list[str]]:
    """A field sent once (`value`) or several times (a list of them, as a multiple choice)."""
    return st.one_of(value, st.lists(value, max_size=max_items))
