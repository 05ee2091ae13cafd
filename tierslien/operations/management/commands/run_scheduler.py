"""`manage.py run_scheduler`: run the periodic jobs (tierslien/operations/jobs.py) forever."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tierslien.operations.heartbeat import HeartbeatThread, process_name
from tierslien.operations.models import ProcessKind
from tierslien.operations.scheduler import Scheduler, log


class Command(BaseCommand):
    help = "Run the periodic jobs when they are due (one scheduler per installation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run the jobs that are due, then exit."
        )
        parser.add_argument(
            "--tick", type=float, default=5.0, help="Seconds between checks (default 5)."
        )
        parser.add_argument("--name", default="", help="Heartbeat name (default scheduler@host).")

    def handle(self, *args: Any, once: bool, tick: float, name: str, **options: Any) -> None:
        scheduler = Scheduler()
        if once:
            scheduler.prepare()
            for run in scheduler.run_pending():
                self.stdout.write(f"{run.job}: {'ok' if run.ok else 'failed'}")
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            log.info("scheduler stopping (%s)", signal.strsignal(signum))
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        heartbeat = HeartbeatThread(name or process_name("scheduler"), ProcessKind.SCHEDULER)
        heartbeat.start()
        log.info("scheduler started: %d periodic job(s)", len(scheduler.jobs))
        try:
            scheduler.run_forever(stop, tick=tick)
        finally:
            heartbeat.stop()
        log.info("scheduler stopped")
