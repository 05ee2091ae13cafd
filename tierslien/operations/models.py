"""What the background processes report about themselves. No personal data: process names,
job names, times and, for a failed job, the exception's type and message (kept 90 days)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProcessKind(models.TextChoices):
    WORKER = "worker", _("task worker")
    SCHEDULER = "scheduler", _("scheduler")


class Heartbeat(models.Model):
    """One row per worker or scheduler, refreshed every HEARTBEAT_SECONDS while it runs; a
    stale row is a process that died or stopped (a restarted one takes its row over)."""

    name = models.CharField(_("name"), max_length=64, unique=True)  # the worker id
    kind = models.CharField(_("kind"), max_length=16, choices=ProcessKind.choices)
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class JobSchedule(models.Model):
    """When a periodic job is next due. Claimed with one conditional UPDATE, so two
    schedulers (a mistake, or an overlap during a restart) never run a job twice."""

    job = models.CharField(_("job"), max_length=64, unique=True)
    next_run_at = models.DateTimeField(_("next run at"))

    class Meta:
        verbose_name = _("job schedule")
        verbose_name_plural = _("job schedules")
        ordering = ["job"]

    def __str__(self) -> str:
        return self.job


class JobRun(models.Model):
    """One run of a periodic job; `ok` is empty while it runs."""

    job = models.CharField(_("job"), max_length=64)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    ok = models.BooleanField(_("succeeded"), null=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["job", "-started_at"], name="operations_job_started")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
