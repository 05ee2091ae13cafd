"""Read-only views of what the background processes reported (written only by them)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from tierslien.operations.models import Heartbeat, JobRun, JobSchedule


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "host", "pid", "started_at", "beat_at"]
    list_filter = ["kind"]


@admin.register(JobSchedule)
class JobScheduleAdmin(ReadOnlyAdmin):
    list_display = ["job", "next_run_at"]


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "started_at", "finished_at", "ok"]
    list_filter = ["job", "ok"]
    date_hierarchy = "started_at"
