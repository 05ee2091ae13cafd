"""/metrics: Prometheus text for whoever holds METRICS_TOKEN; a 404 for anyone else."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tierslien.operations.models import Heartbeat, JobRun, ProcessKind

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-metrics-token"


@pytest.fixture
def token(settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def test_without_a_configured_token_there_is_no_page(client: Client, settings) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get(reverse("metrics")).status_code == 404
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
def test_a_missing_or_wrong_token_is_a_404(client: Client, token: str, header) -> None:
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    assert client.get(reverse("metrics"), **extra).status_code == 404


def test_only_read(client: Client, token: str) -> None:
    response = client.post(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405


def test_the_metrics(client: Client, token: str) -> None:
    now = timezone.now()
    Heartbeat.objects.create(
        name="worker-1@h",
        kind=ProcessKind.WORKER,
        host="h",
        pid=1,
        started_at=now,
        beat_at=now - datetime.timedelta(seconds=3),
    )
    JobRun.objects.create(job="purge_circles", started_at=now, finished_at=now, ok=True)
    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }
    assert samples[("tierslien_queue_ready_tasks", ())] == 0
    assert samples[("tierslien_queue_lag_seconds", ())] == 0
    age = samples[("tierslien_heartbeat_age_seconds", (("kind", "worker"), ("name", "worker-1@h")))]
    assert 3 <= age < 60
    success = ("tierslien_job_last_success_timestamp_seconds", (("job", "purge_circles"),))
    assert samples[success] == pytest.approx(now.timestamp())
    assert samples[("tierslien_job_overdue", (("job", "purge_circles"),))] == 0
    assert samples[("tierslien_job_overdue", (("job", "advance_seasons"),))] == 1
    assert samples[("tierslien_job_interval_seconds", (("job", "purge_circles"),))] == 86400
