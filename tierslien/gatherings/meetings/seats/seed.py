"""A themed meeting's published seed and files.

`publish_seed` (applications closed): the seed is fixed and published, and the anonymised
pool (pseudonyms and categories only) and the quotas are frozen into
`Meeting.published_pool` / `published_quotas`: exactly what `tierslien-draw` reads
(`pool_csv`, `quotas_csv`). Refused when the applicants cannot meet the quotas, and
whenever a sensitive criterion would reach the files (`guard_not_sensitive`).
"""

from __future__ import annotations

import csv
import datetime
import io
import secrets
from collections.abc import Iterable
from typing import Final

from django.db import transaction
from django.utils import timezone

from tierslien.gatherings.meetings.seats.applications import balance_criteria
from tierslien.gatherings.meetings.seats.quotas import (
    EVERYONE,
    ID_COLUMN,
    current_quotas,
    pending_applications,
    pool_of,
)
from tierslien.gatherings.models import Application, Meeting, MeetingState
from tierslien.lottery import FeasibilityReport, LotteryProblem, Pool, Quota, Quotas, diagnose
from tierslien.portraits.models import Criterion

MAX_SEED: Final = 2**63 - 1


class NotReadyToPublish(Exception):
    """The seed cannot be published now (applications still open, already published...)."""


class QuotasInfeasible(Exception):
    """The applicants cannot meet the quotas; `report` says which and proposes others."""

    def __init__(self, report: FeasibilityReport) -> None:
        super().__init__(report.text())
        self.report = report


class SensitiveCriterion(Exception):
    """A sensitive criterion (or one that is not a question of the territory) would reach
    the published files: refused, whatever the meeting's criteria or frozen quotas say."""


def publish_seed(
    meeting: Meeting,
    *,
    seed: int | None = None,
    source: str = "",
    now: datetime.datetime | None = None,
) -> Meeting:
    """Fix and publish the seed; freeze the anonymised pool and the quotas.

    Without `seed`, the server draws one with `secrets`; with it, `source` says where
    it comes from (dice rolled in public, a national lottery's numbers on a date
    announced in advance). Refused while applications are still open, and when the
    applicants cannot meet the quotas (QuotasInfeasible: nothing is frozen).
    """
    with transaction.atomic():
        locked: Meeting = Meeting.objects.locked(meeting.pk)
        moment = now or timezone.now()
        if locked.state != MeetingState.OPEN or locked.seed_published_at is not None:
            raise NotReadyToPublish
        if moment < locked.registration_closes:
            raise NotReadyToPublish
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise ValueError("the seed must be between 0 and 2**63 - 1")
        criteria = balance_criteria(locked)
        guard_not_sensitive(locked, [c.key for c in criteria])
        applications = pending_applications(locked)
        quotas = current_quotas(locked, criteria)
        pool = pool_of(criteria, applications)
        if len(pool) > locked.seats:
            report = diagnose(LotteryProblem(pool, quotas, locked.seats))
            if not report.feasible:
                raise QuotasInfeasible(report)
        locked.draw_seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
        locked.seed_source = source.strip()[:300] if seed is not None else ""
        locked.seed_published_at = moment
        locked.published_pool = [
            {ID_COLUMN: ident, **dict(zip(pool.criteria, values, strict=True))}
            for ident, values in zip(pool.ids, pool.values, strict=True)
        ]
        locked.published_quotas = [
            {"criterion": q.criterion, "value": q.value, "min": q.min, "max": q.max}
            for q in quotas.rows
        ]
        for application in applications:  # each entry's commitment salt (disclosure)
            application.entry_salt = secrets.token_hex(16)
        Application.objects.bulk_update(applications, ["entry_salt"])
        locked.save(
            update_fields=[
                "draw_seed",
                "seed_source",
                "seed_published_at",
                "published_pool",
                "published_quotas",
                "updated_at",
            ]
        )
        return locked


def guard_not_sensitive(meeting: Meeting, keys: Iterable[str] | None = None) -> None:
    """Raise SensitiveCriterion when any of `keys` (default: the frozen quotas' criteria)
    is a sensitive question of the territory, one that ever was (answers given under
    consent may remain from then), or not one of its questions at all. Called when the
    pool is frozen and by every file built from it (`disclosure`)."""
    wanted = set(published_columns(meeting) if keys is None else keys) - {EVERYONE[0]}
    if not wanted:
        return
    known = {
        key: sensitive or ever_sensitive
        for key, sensitive, ever_sensitive in Criterion.objects.filter(
            territory_id=meeting.territory_id, key__in=wanted
        ).values_list("key", "sensitive", "ever_sensitive")
    }
    refused = sorted(key for key in wanted if known.get(key, True))
    if refused:
        raise SensitiveCriterion(", ".join(refused))


def published_columns(meeting: Meeting) -> list[str]:
    """The pool's criteria in the quotas' order (a JSON object's keys keep no order in
    PostgreSQL; the order matters to the draw's input digest)."""
    return list(dict.fromkeys(str(row["criterion"]) for row in meeting.published_quotas))


def published_records(meeting: Meeting) -> list[dict[str, str]]:
    columns = published_columns(meeting)
    return [
        {ID_COLUMN: str(row[ID_COLUMN]), **{c: str(row[c]) for c in columns}}
        for row in meeting.published_pool
    ]


def pool_csv(meeting: Meeting) -> str:
    """pool.csv as `tierslien-draw` reads it: an id column, one column per criterion."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = published_columns(meeting)
    writer.writerow([ID_COLUMN, *columns])
    for row in published_records(meeting):
        writer.writerow(row.values())
    return out.getvalue()


def quotas_csv(meeting: Meeting) -> str:
    """quotas.csv as `tierslien-draw` reads it: criterion,value,min,max."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["criterion", "value", "min", "max"])
    for row in meeting.published_quotas:
        writer.writerow([row["criterion"], row["value"], row["min"], row["max"]])
    return out.getvalue()


def verify_command(meeting: Meeting) -> str:
    return f"tierslien-draw pool.csv quotas.csv --seats {meeting.seats} --verify panel.json"


def published_problem(meeting: Meeting) -> LotteryProblem | None:
    """The frozen problem; None when no lottery is needed (no more applicants than seats)."""
    pool = Pool.from_records(published_records(meeting)) if meeting.published_pool else None
    if pool is None or len(pool) <= meeting.seats:
        return None
    quotas = Quotas(
        tuple(
            Quota(str(r["criterion"]), str(r["value"]), int(r["min"]), int(r["max"]))
            for r in meeting.published_quotas
        )
    )
    return LotteryProblem(pool, quotas, meeting.seats)
