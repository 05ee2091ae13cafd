"""A themed meeting's quotas: for every value of every criterion of the meeting (plus
"prefer not to say"), at least / at most so many seats.

Defaults come from the territory's population of participants (their portraits): each
value's share, give or take a tolerance (`tierslien.lottery.population_shares` +
`proportional_quotas`). `check` tells whether the current applicants can meet them
(`diagnose`), and if not, which quotas fail, by how much, and the nearest feasible ones
(`adopt_suggested` saves those). `quota_page` is what the quota page shows. Once the seed
is published (`seed.py`), the quotas are frozen.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tierslien.gatherings.meetings.seats.applications import (
    UNDISCLOSED,
    balance_criteria,
    category,
    option_values,
)
from tierslien.gatherings.models import (
    Application,
    ApplicationStatus,
    DrawMethod,
    Meeting,
    MeetingQuota,
    MeetingState,
)
from tierslien.lottery import (
    FeasibilityReport,
    LotteryProblem,
    Pool,
    Quota,
    Quotas,
    diagnose,
    population_shares,
    proportional_quotas,
)
from tierslien.portraits.models import Answer, Criterion, Portrait

ID_COLUMN: Final = "id"
# A meeting without criteria still draws through `tierslien-draw`: one column, one value.
EVERYONE: Final = ("everyone", "yes")
DEFAULT_TOLERANCE: Final = 0.05

Key = tuple[str, str]  # (criterion key, value)
Bounds = dict[Key, tuple[int, int]]


class QuotasFrozen(Exception):
    """The seed is published: the quotas can no longer change."""


# --- Categories and quotas ----------------------------------------------------------------


@dataclass(frozen=True)
class QuotaLine:
    """One value of one criterion, as the quota page shows it."""

    key: str
    value: str
    criterion: Criterion | None
    min: int
    max: int
    default_min: int
    default_max: int
    applicants: int  # exact: never shown when `hidden`
    hidden: bool = False  # shown as "fewer than 11" (`disclosure.hidden_keys`)

    @property
    def label(self) -> Any:
        if self.criterion is None:
            return _("Everyone")
        if self.value == UNDISCLOSED:
            return _("Prefer not to say")
        return self.criterion.label_for(self.value)


def quota_keys(meeting: Meeting, criteria: list[Criterion]) -> list[Key]:
    """Every (criterion, value) that needs a quota: options, then "prefer not to say"."""
    if not criteria:
        return [EVERYONE]
    return [(c.key, value) for c in criteria for value in [*option_values(c), UNDISCLOSED]]


def categories(criteria: list[Criterion], answers: Mapping[str, Any]) -> dict[str, str]:
    if not criteria:
        return {EVERYONE[0]: EVERYONE[1]}
    return {c.key: category(c, answers) for c in criteria}


def pending_applications(meeting: Meeting) -> list[Application]:
    """Applications in the running (not withdrawn), oldest first."""
    return list(
        Application.objects.filter(meeting=meeting, status=ApplicationStatus.APPLIED).only(
            "pk", "pseudonym", "answers", "meeting_id", "entry_salt"
        )
    )


def applicant_counts(
    criteria: list[Criterion], applications: Iterable[Application]
) -> Counter[Key]:
    counts: Counter[Key] = Counter()
    for application in applications:
        for key, value in categories(criteria, application.answers).items():
            counts[(key, value)] += 1
    return counts


def saved_bounds(meeting: Meeting) -> Bounds:
    return {
        (q.criterion_key, q.value): (q.min_seats, q.max_seats)
        for q in MeetingQuota.objects.filter(meeting=meeting)
    }


def population_defaults(
    meeting: Meeting, criteria: list[Criterion], tolerance: float = DEFAULT_TOLERANCE
) -> Bounds:
    """Bounds from the shares of each value among the territory's participants (portraits;
    no answer counts as "prefer not to say"), give or take `tolerance` (share points)."""
    keys = quota_keys(meeting, criteria)
    if not criteria:
        return {EVERYONE: (0, meeting.seats)}
    portraits = list(
        Portrait.objects.filter(territory_id=meeting.territory_id).values_list("pk", flat=True)
    )
    if not portraits:
        return {key: (0, meeting.seats) for key in keys}
    answers: dict[int, dict[str, Any]] = {pk: {} for pk in portraits}
    for portrait_id, criterion_key, value in Answer.objects.filter(
        portrait__territory_id=meeting.territory_id, criterion__in=criteria
    ).values_list("portrait_id", "criterion__key", "value"):
        answers[portrait_id][criterion_key] = value
    population = Pool.from_records(
        [{ID_COLUMN: str(pk), **categories(criteria, given)} for pk, given in answers.items()]
    )
    shares = population_shares(population, [c.key for c in criteria])
    for key, value in keys:
        shares[key].setdefault(value, 0.0)
    quotas = proportional_quotas(shares, meeting.seats, tolerance=tolerance)
    return {q.key: (q.min, q.max) for q in quotas.rows}


def quota_lines(
    meeting: Meeting,
    criteria: list[Criterion],
    applications: list[Application],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    saved: Bounds | None = None,
) -> list[QuotaLine]:
    saved = saved_bounds(meeting) if saved is None else saved
    defaults = population_defaults(meeting, criteria, tolerance)
    counts = applicant_counts(criteria, applications)
    by_key = {c.key: c for c in criteria}
    lines = []
    for key in quota_keys(meeting, criteria):
        low, high = saved.get(key, defaults[key])
        lines.append(
            QuotaLine(
                key=key[0],
                value=key[1],
                criterion=by_key.get(key[0]),
                min=low,
                max=high,
                default_min=defaults[key][0],
                default_max=defaults[key][1],
                applicants=counts[key],
            )
        )
    return lines


def current_quotas(
    meeting: Meeting, criteria: list[Criterion], saved: Bounds | None = None
) -> Quotas:
    """The saved quotas; a value without a saved quota is unconstrained (0 to every seat)."""
    saved = saved_bounds(meeting) if saved is None else saved
    rows = []
    for key in quota_keys(meeting, criteria):
        low, high = saved.get(key, (0, meeting.seats))
        if key == EVERYONE:
            low, high = 0, meeting.seats
        rows.append(Quota(key[0], key[1], low, min(high, meeting.seats)))
    return Quotas(tuple(rows))


def pool_of(criteria: list[Criterion], applications: Iterable[Application]) -> Pool:
    return Pool.from_records(
        [
            {ID_COLUMN: a.pseudonym, **categories(criteria, a.answers)}
            for a in sorted(applications, key=lambda a: a.pseudonym)
        ]
    )


def check(
    meeting: Meeting,
    *,
    criteria: list[Criterion] | None = None,
    applications: list[Application] | None = None,
    saved: Bounds | None = None,
) -> FeasibilityReport | None:
    """Can the current applicants meet the saved quotas, with every applicant in some panel
    that meets them (a chance above 0: declining a question must never shut anyone out)?
    None when no lottery is needed (no more applicants than seats: everyone gets a seat)."""
    criteria = balance_criteria(meeting) if criteria is None else criteria
    applications = pending_applications(meeting) if applications is None else applications
    if len(applications) <= meeting.seats:
        return None
    quotas = current_quotas(meeting, criteria, saved)
    problem = LotteryProblem(pool_of(criteria, applications), quotas, meeting.seats)
    return diagnose(problem, everyone=True)


# --- Writing quotas -----------------------------------------------------------------------


def is_frozen(meeting: Meeting) -> bool:
    """The quotas can no longer change: the seed is published, or the meeting is past open."""
    if meeting.state not in (MeetingState.DRAFT, MeetingState.OPEN):
        return True
    return meeting.seed_published_at is not None


def _editable(meeting: Meeting) -> None:
    if is_frozen(meeting):
        raise QuotasFrozen


def save_quotas(meeting: Meeting, bounds: Mapping[Key, tuple[int, int]]) -> int:
    """Replace the meeting's quotas; `bounds` must give every value of every criterion.
    Raises ValueError (nothing saved) on a missing value or bounds out of 0 ≤ min ≤ max ≤ seats."""
    with transaction.atomic():
        locked = Meeting.objects.locked(meeting.pk)
        _editable(locked)
        keys = quota_keys(locked, balance_criteria(locked))
        rows = []
        for key in keys:
            if key not in bounds:
                raise ValueError(f"no bounds for {key}")
            low, high = bounds[key]
            if not 0 <= low <= high <= locked.seats:
                raise ValueError(f"bounds {low}-{high} out of range for {key}")
            rows.append(
                MeetingQuota(
                    meeting=locked,
                    criterion_key=key[0],
                    value=key[1],
                    min_seats=low,
                    max_seats=high,
                )
            )
        MeetingQuota.objects.filter(meeting=locked).delete()
        MeetingQuota.objects.bulk_create(rows)
        return len(rows)


def adopt_suggested(meeting: Meeting) -> FeasibilityReport | None:
    """Save the nearest quotas that the applicants can meet with every one of them in some
    panel, when the current ones cannot be met or leave someone with no chance; returns the
    report that was acted upon (None, or a report with everyone drawable: nothing changed)."""
    with transaction.atomic():
        locked = Meeting.objects.locked(meeting.pk)
        _editable(locked)
        report = check(locked)
        if report is None or report.everyone_drawable or report.suggested is None:
            return report
        save_quotas(locked, {q.key: (q.min, q.max) for q in report.suggested.rows})
        return report


# --- The quota page -----------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaPage:
    """What the quota page shows: a line per value, with applicant counts and defaults."""

    meeting: Meeting
    frozen: bool
    criteria: list[Criterion]
    applications: list[Application]
    saved: Bounds
    lines: list[QuotaLine]

    def report(self) -> FeasibilityReport | None:
        """Whether the applicants can meet the saved quotas (None once frozen, or when no
        lottery is needed)."""
        if self.frozen:
            return None
        return check(
            self.meeting,
            criteria=self.criteria,
            applications=self.applications,
            saved=self.saved,
        )


def quota_page(
    meeting: Meeting,
    *,
    hide: Callable[[Mapping[Key, int]], set[Key]],
    tolerance: float = DEFAULT_TOLERANCE,
    defaults: bool = False,
) -> QuotaPage:
    """The lines of the quota page: the saved bounds (or, with `defaults`, the population's
    shares give or take `tolerance`), the frozen ones once the seed is published, and
    applicant counts hidden where `hide` says so (the small-cell rule, `disclosure.
    hidden_keys`: passed in, since disclosure reads the published files, which read these)."""
    frozen = is_frozen(meeting)
    criteria = balance_criteria(meeting)
    pending = pending_applications(meeting)
    saved = saved_bounds(meeting)
    lines = quota_lines(meeting, criteria, pending, tolerance=tolerance, saved=saved)
    hidden = hide({(line.key, line.value): line.applicants for line in lines})
    lines = [dataclasses.replace(line, hidden=(line.key, line.value) in hidden) for line in lines]
    if defaults:
        lines = [
            dataclasses.replace(line, min=line.default_min, max=line.default_max) for line in lines
        ]
    if frozen and meeting.published_quotas:
        published = {(q["criterion"], q["value"]): q for q in meeting.published_quotas}
        lines = [
            dataclasses.replace(
                line,
                min=published[key]["min"] if (key := (line.key, line.value)) in published else 0,
                max=published[key]["max"] if key in published else meeting.seats,
            )
            for line in lines
        ]
    return QuotaPage(meeting, frozen, criteria, pending, saved, lines)


def changes(report: FeasibilityReport | None, criteria: list[Criterion]) -> list[dict[str, Any]]:
    """The quotas to relax, by how much, with the criteria's and values' labels."""
    if report is None or report.everyone_drawable:
        return []
    by_key = {c.key: c for c in criteria}
    out = []
    for change in report.changes:
        criterion = by_key.get(change.criterion)
        value: Any = change.value
        if change.value == UNDISCLOSED:
            value = gettext("Prefer not to say")
        elif criterion is not None:
            value = criterion.label_for(change.value)
        out.append(
            {
                "criterion": criterion.display_label if criterion else change.criterion,
                "value": value,
                "min_before": change.min_before,
                "min_after": change.min_after,
                "lower_by": change.min_before - change.min_after,
                "max_before": change.max_before,
                "max_after": change.max_after,
                "raise_by": change.max_after - change.max_before,
            }
        )
    return out


def save_draw_method(meeting: Meeting, method: str) -> Meeting:
    """The lottery the draw will run, chosen with the quotas: frozen with them when the
    seed is published (applicants can then read which lottery draws them)."""
    with transaction.atomic():
        locked = Meeting.objects.locked(meeting.pk)
        _editable(locked)
        if method not in DrawMethod.values:
            raise ValueError(f"unknown draw method {method!r}")
        locked.draw_method = method
        locked.save(update_fields=["draw_method", "updated_at"])
        return locked
