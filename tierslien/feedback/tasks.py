"""Background jobs of the feedback app (Django's tasks API)."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from tierslien.feedback.purge import purge_finished_circles


@task()
def purge_circles() -> int:
    """Erase the content of circles whose season ended 30 days ago or more."""
    return purge_finished_circles(timezone.now())
