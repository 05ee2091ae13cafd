"""The periodic jobs: the ONE list of everything the scheduler runs (`manage.py run_scheduler`).

To add a job, append a `PeriodicJob` to `JOBS`: a unique name, how often it runs, and either a
management `command` (with `args`) or a `function` ("package.module:function", called with no
argument). A job must be idempotent (running it twice, or late, does no harm) and short (jobs
run one after the other in the scheduler; a long one should enqueue a task). Its runs are
recorded in `operations.JobRun`; /health/ reports a job as overdue when it has not succeeded
for `every + grace` (or never).

`daily_at` pins a daily job to a local time (TIME_ZONE), e.g. emails in the morning and purges
at night; other jobs run every `every` from the previous run. A job never run is due at once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: datetime.timedelta
    command: str = ""
    args: tuple[str, ...] = ()
    function: str = ""
    daily_at: datetime.time | None = None
    why: str = ""  # why it runs that often
    grace: datetime.timedelta = field(default=datetime.timedelta(0))

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 64:
            raise ValueError(f"job name must have 1 to 64 characters: {self.name!r}")
        if bool(self.command) == bool(self.function):
            raise ValueError(f"{self.name}: give exactly one of command or function")
        if self.function and ":" not in self.function:
            raise ValueError(f"{self.name}: function must read 'package.module:function'")
        if self.args and not self.command:
            raise ValueError(f"{self.name}: args go with a command")
        if self.every < datetime.timedelta(seconds=1):
            raise ValueError(f"{self.name}: every must be at least one second")
        if self.daily_at is not None and self.every != DAY:
            raise ValueError(f"{self.name}: daily_at needs every=DAY")
        if self.grace == datetime.timedelta(0):
            # Late, not failed: a run may wait behind other jobs or a restart.
            object.__setattr__(self, "grace", max(10 * MINUTE, self.every / 10))

    @property
    def retry_after(self) -> datetime.timedelta:
        """After a failure, try again sooner than the next regular run."""
        return min(self.every, 15 * MINUTE)

    def next_run_after(self, moment: datetime.datetime) -> datetime.datetime:
        """When the job is next due after a run that started at `moment`."""
        if self.daily_at is None:
            return moment + self.every
        local: datetime.datetime = timezone.localtime(moment)
        candidate = local.replace(
            hour=self.daily_at.hour, minute=self.daily_at.minute, second=0, microsecond=0
        )
        while candidate <= local:
            candidate += DAY  # wall-clock arithmetic: 09:00 stays 09:00 across DST changes
        return candidate

    def is_overdue(self, last_success: datetime.datetime | None, now: datetime.datetime) -> bool:
        """Not succeeded for `every + grace`, or never."""
        return last_success is None or now - last_success > self.every + self.grace


JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        "deliver_outbox",
        MINUTE,
        command="deliver_outbox",
        why="messages are sent on commit; this sweep retries failures and a dead sender's rows",
    ),
    PeriodicJob(
        "recover_stalled_jobs",
        MINUTE,
        command="recover_stalled_jobs",
        why="a composition or draw whose worker died is retried or failed within minutes",
    ),
    PeriodicJob(
        "expire_meeting_seats",
        10 * MINUTE,
        command="expire_meeting_seats",
        why="a declined seat goes to the waiting list soon enough to be confirmed",
    ),
    PeriodicJob(
        "expire_invitations",
        10 * MINUTE,
        command="expire_invitations",
        why="answer deadlines are to the minute; a freed circle seat is refilled soon after",
    ),
    PeriodicJob(
        "advance_seasons",
        10 * MINUTE,
        command="advance_seasons",
        why="a season starts with its first session and closes after its last one",
    ),
    PeriodicJob(
        "send_meeting_reminders",
        5 * MINUTE,
        command="send_meeting_reminders",
        why="a week, a day and 2 hours before each themed meeting: the last within 5 minutes",
    ),
    PeriodicJob(
        "send_session_reminders",
        5 * MINUTE,
        command="send_session_reminders",
        why="a week (first session), a day and 2 hours before each session, once each",
    ),
    PeriodicJob(
        "send_circle_farewells",
        30 * MINUTE,
        command="send_circle_farewells",
        why="after its last session, a circle's members learn until when to give feedback",
    ),
    PeriodicJob(
        "announce_open_seasons",
        DAY,
        function="tierslien.circles.actions.season:announce_open_seasons",
        daily_at=datetime.time(9, 5),
        why="a season whose registration opens on a later day is announced that morning",
    ),
    PeriodicJob(
        "purge_circles",
        DAY,
        command="purge_circles",
        daily_at=datetime.time(3, 30),
        why="the 30-day erasure promise is kept within a day, at a quiet hour",
    ),
    PeriodicJob(
        "purge_evenings",
        DAY,
        command="purge_evenings",
        daily_at=datetime.time(3, 35),
        why="the 30-day erasure promise is kept within a day, at a quiet hour",
    ),
    PeriodicJob(
        "archive_meetings",
        DAY,
        command="archive_meetings",
        daily_at=datetime.time(3, 40),
        why="the 30-day erasure promise is kept within a day, at a quiet hour",
    ),
    PeriodicJob(
        "erase_old_messages",
        DAY,
        function="tierslien.outbox.services:erase_old",
        daily_at=datetime.time(3, 45),
        why="what was said in messages sent a month ago is erased (the counts stay)",
    ),
    PeriodicJob(
        "prune_task_results",
        DAY,
        command="prune_db_task_results",
        args=("--queue-name", "*", "--min-age-days", "14"),
        daily_at=datetime.time(4, 0),
        why="finished tasks' arguments and results are kept two weeks, for diagnosis",
    ),
    PeriodicJob(
        "clear_sessions",
        DAY,
        command="clearsessions",
        daily_at=datetime.time(4, 5),
        why="expired sign-in sessions are deleted from the database",
    ),
    PeriodicJob(
        "prune_operations",
        DAY,
        function="tierslien.operations.scheduler:prune_history",
        daily_at=datetime.time(4, 10),
        why="job runs are kept 30 days, heartbeats of processes gone for 7 days are dropped",
    ),
    PeriodicJob(
        "forget_analyses",
        DAY,
        command="forget_analyses",
        daily_at=datetime.time(4, 20),
        why="a season's mixing analysis goes within a day of the purge of its content",
    ),
)


def registered_jobs() -> tuple[PeriodicJob, ...]:
    names = [job.name for job in JOBS]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"periodic jobs registered twice: {duplicates}")
    return JOBS
