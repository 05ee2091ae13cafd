"""Shared Hypothesis settings and strategies for the form fuzz tests."""

from __future__ import annotations

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
