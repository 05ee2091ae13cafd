"""The moderation fixtures (a published circle of three)."""

from tests.moderation.conftest import (  # noqa: F401
    _pages_in_english,
    carla,
    circle,
    season,
)


def answers_stored() -> int:
    """Every anonymous answer stored, over all seasons."""
    from tierslien.feedback.models import FeedbackBag

    return sum(len(bag.answers) for bag in FeedbackBag.objects.all())


def comments_stored() -> list[str]:
    """Every free comment stored, over all seasons."""
    from tierslien.feedback.models import FeedbackBag

    return sorted(comment for bag in FeedbackBag.objects.all() for comment in bag.comments)
