"""The moderation fixtures (a published circle of three, a facilitator without TOTP)."""

from tests.moderation.conftest import (  # noqa: F401
    _pages_in_english,
    carla,
    circle,
    facilitator_without_totp,
    season,
)
