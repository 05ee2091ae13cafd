"""/metrics in Prometheus' text format (prometheus-client), read from the database at each
scrape, so every web worker answers the same: queue depth and lag, tasks by queue and
status, heartbeat ages, periodic jobs' last run and last success."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from tierslien.operations.status import Snapshot, take_snapshot


class OperationsCollector(Collector):
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily]:
        s = self.snapshot
        tasks = GaugeMetricFamily(
            "tierslien_tasks", "Background tasks by queue and status.", labels=["queue", "status"]
        )
        for (queue, task_status), count in sorted(s.tasks.items()):
            tasks.add_metric([queue, task_status], count)
        yield tasks
        yield GaugeMetricFamily(
            "tierslien_queue_ready_tasks", "Tasks ready to run, not yet taken.", value=s.ready
        )
        yield GaugeMetricFamily(
            "tierslien_queue_lag_seconds",
            "How long the oldest ready task has waited (0 when none).",
            value=s.lag,
        )
        ages = GaugeMetricFamily(
            "tierslien_heartbeat_age_seconds",
            "Seconds since each worker or scheduler process last said it was alive.",
            labels=["kind", "name"],
        )
        for process in s.processes:
            ages.add_metric([process.kind, process.name], process.age)
        yield ages
        last_run = GaugeMetricFamily(
            "tierslien_job_last_run_timestamp_seconds",
            "Start of the last run of each periodic job (Unix time).",
            labels=["job"],
        )
        last_success = GaugeMetricFamily(
            "tierslien_job_last_success_timestamp_seconds",
            "End of the last successful run of each periodic job (Unix time).",
            labels=["job"],
        )
        last_ok = GaugeMetricFamily(
            "tierslien_job_last_run_ok",
            "1 when the last finished run of the job succeeded, 0 when it failed.",
            labels=["job"],
        )
        overdue = GaugeMetricFamily(
            "tierslien_job_overdue",
            "1 when the job has not succeeded for its interval plus grace.",
            labels=["job"],
        )
        interval = GaugeMetricFamily(
            "tierslien_job_interval_seconds", "How often each job runs.", labels=["job"]
        )
        for state in s.jobs:
            name = [state.job.name]
            if state.last_run_at is not None:
                last_run.add_metric(name, state.last_run_at.timestamp())
            if state.last_success_at is not None:
                last_success.add_metric(name, state.last_success_at.timestamp())
            if state.last_run_ok is not None:
                last_ok.add_metric(name, 1.0 if state.last_run_ok else 0.0)
            overdue.add_metric(name, 1.0 if state.overdue else 0.0)
            interval.add_metric(name, state.job.every.total_seconds())
        yield from (last_run, last_success, last_ok, overdue, interval)


def render() -> tuple[bytes, str]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OperationsCollector(take_snapshot()))
    return generate_latest(registry), CONTENT_TYPE_LATEST
