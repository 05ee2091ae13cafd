"""Background delivery of the outbox (Django's tasks API)."""

from __future__ import annotations

from django.tasks import task

from tierslien.outbox import services


@task()
def deliver_messages(ids: list[int]) -> int:
    """Send messages just queued; returns how many left. Failures wait for the sweep."""
    return services.deliver(ids).sent


@task()
def deliver_due() -> int:
    """The sweep, for a periodic job: everything due, retries and rows of dead senders."""
    return services.deliver_due().sent
