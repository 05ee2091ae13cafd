"""Each worker and scheduler process says it is alive: a row in `operations.Heartbeat`
refreshed every HEARTBEAT_SECONDS by a daemon thread (its own database connection). The thread
keeps beating while the process runs a long task or job, so a stale row means a dead (or
frozen, or stopped) process; a worker stuck in one task shows in /health/ as queue lag instead.

The row is kept when the process stops: its successor (same name, restarted by the supervisor)
takes it over, so a restart of the only scheduler does not make /health/ fail for the seconds
the new one takes to start; a row nobody takes over goes stale, and is dropped after a week."""

from __future__ import annotations

import logging
import os
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from tierslien.operations.models import Heartbeat
from tierslien.operations.supervisor import process_name

__all__ = ["HeartbeatThread", "process_name"]

log = logging.getLogger(__name__)


class HeartbeatThread(threading.Thread):
    def __init__(self, name: str, kind: str, *, every: float | None = None) -> None:
        super().__init__(name=f"heartbeat-{name}", daemon=True)
        self.process = name
        self.kind = kind
        self.every = float(every if every is not None else settings.HEARTBEAT_SECONDS)
        self.started_at = timezone.now()
        self._stopping = threading.Event()
        self._failing = False

    def beat(self) -> bool:
        try:
            Heartbeat.objects.update_or_create(
                name=self.process,
                defaults={
                    "kind": self.kind,
                    "host": socket.gethostname()[:255],
                    "pid": os.getpid(),
                    "started_at": self.started_at,
                    "beat_at": timezone.now(),
                },
            )
        except DatabaseError as error:
            if not self._failing:
                log.warning("heartbeat of %s not written (%s); retrying", self.process, error)
            self._failing = True
            connection.close()  # the next beat opens a new connection
            return False
        if self._failing:
            log.info("heartbeat of %s written again", self.process)
        self._failing = False
        return True

    def run(self) -> None:
        try:
            self.beat()
            while not self._stopping.wait(self.every):
                self.beat()
        finally:
            connection.close()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)
