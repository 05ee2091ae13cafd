"""The facilitator's season report: figures, charts and CSV, nothing below 11 people.

Every count of people below `THRESHOLD` becomes None ("fewer than 11"); season-wide
mixing indicators are shown only when at least `THRESHOLD` people were placed.
The report costs a constant number of queries whatever the size of the season.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tierslien.circles.models import (
    Circle,
    Membership,
    Registration,
    Season,
    SeasonState,
    Unplaced,
)
from tierslien.feedback import funnel
from tierslien.feedback.funnel import Funnel
from tierslien.feedback.models import Again, Felt, Met, SeasonTally
from tierslien.feedback.services import (
    attendance_counts,
    feedback_published,
    form_closes_at,
    season_feedback,
)
from tierslien.lib.small_cells import THRESHOLD, suppress
from tierslien.portraits.models import Criterion

CHART_WIDTH = 400  # pixels for the longest bar
ROW_HEIGHT = 44  # a label line, then its bar
BAR_HEIGHT = 16


def shown(value: int | None) -> int | None:
    """A count of people, or None below THRESHOLD."""
    if value is None or value < THRESHOLD:
        return None
    return value


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | float | None  # None: fewer than THRESHOLD people
    unit: str = ""  # "%" or "×" for indicators; counts of people have none


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None
    text_y: int  # baseline of "label: value"
    bar_y: int
    width: int


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    note: str = ""
    chart: bool = True

    @property
    def bars(self) -> list[Bar]:
        """Bar geometry for the SVG chart (suppressed figures have a label and no bar)."""
        values = [f.value for f in self.figures if isinstance(f.value, int)]
        top = max(values, default=0) or 1
        out = []
        for index, figure in enumerate(self.figures):
            value = figure.value if isinstance(figure.value, int) else None
            y = index * ROW_HEIGHT
            out.append(
                Bar(
                    label=figure.label,
                    value=value,
                    text_y=y + 15,
                    bar_y=y + 21,
                    width=round(CHART_WIDTH * value / top) if value else 0,
                )
            )
        return out

    @property
    def chart_width(self) -> int:
        return CHART_WIDTH

    @property
    def chart_height(self) -> int:
        return len(self.figures) * ROW_HEIGHT

    @property
    def has_chart(self) -> bool:
        return self.chart and any(isinstance(f.value, int) for f in self.figures)


CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "met_different": dict(Met.choices),
    "felt_safe": dict(Felt.choices),
    "come_again": dict(Again.choices),
}
QUESTION_TITLES: dict[str, Any] = {
    "met_different": gettext_lazy("Met people from worlds different from theirs"),
    "felt_safe": gettext_lazy("Felt safe and heard"),
    "come_again": gettext_lazy("Would come again"),
}


def _has_field(model: Any, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _people(season: Season) -> Section:
    """Registered, placed, not placed; after the purge, the first and last from its tally."""
    tally = (
        SeasonTally.objects.filter(season=season, registered__isnull=False).first()
        if season.state == SeasonState.PURGED
        else None
    )
    if tally is not None:
        registrations, unplaced = tally.registered or 0, tally.unplaced or 0
    else:
        registrations = Registration.objects.filter(season=season).count()
        unplaced = Unplaced.objects.filter(season=season).count()
    placed = Membership.objects.filter(circle__season=season).count()
    return Section(
        key="participation",
        title=_("Participation and placement"),
        figures=[
            Figure(_("Registered"), shown(registrations)),
            Figure(_("Placed in a circle"), shown(placed)),
            Figure(_("Not placed"), shown(unplaced)),
        ],
    )


def _confirmations(season: Season) -> Section | None:
    """Answers to the invitations, when the circles app records them."""
    if not _has_field(Membership, "status"):
        return None
    by_status = dict(
        Membership.objects.filter(circle__season=season)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    figures = [
        Figure(str(label), shown(by_status.get(value, 0)))
        for value, label in Membership._meta.get_field("status").choices
    ]
    if _has_field(Circle, "declined") and _has_field(Circle, "expired"):
        freed = Circle.objects.filter(season=season).aggregate(
            declined=Sum("declined"), expired=Sum("expired")
        )
        figures.append(Figure(_("Declined"), shown(freed["declined"] or 0)))
        figures.append(Figure(_("Did not answer in time"), shown(freed["expired"] or 0)))
    return Section(key="confirmations", title=_("Confirmations"), figures=figures)


def _attendance(season: Season) -> Section | None:
    """Members saying they would come, per session, when the spaces app records it."""
    coming = attendance_counts(season)
    if coming is None:
        return None
    figures = [
        Figure(_("Session %(number)d") % {"number": number}, shown(coming.get(number, 0)))
        for number in range(1, season.sessions + 1)
    ]
    return Section(
        key="attendance",
        title=_("Members who said they would come"),
        figures=figures,
        note=_("Counted before the circles' content is erased, 30 days after the end."),
    )


def _feedback(season: Season) -> tuple[list[Section], list[str], int | None]:
    aggregates, comments = season_feedback(season)
    sections = [
        Section(
            key=question.key,
            title=str(QUESTION_TITLES[question.key]),
            figures=[
                Figure(str(CHOICE_LABELS[question.key][choice]), count)
                for choice, count in question.counts
            ],
        )
        for question in aggregates.questions
    ]
    return sections, comments, aggregates.answers


def _mixing(season: Season, placed: int | None) -> Section:
    report = season.report or {}
    figures: list[Figure] = []
    enough = placed is not None

    def number(key: str) -> float | None:
        value = report.get(key)
        return float(value) if enough and isinstance(value, int | float) else None

    ratio = number("ratio_to_bound")
    figures.append(
        Figure(
            _("Share of the best possible mixing"),
            None if ratio is None else round(100 * ratio),
            "%",
        )
    )
    lift = number("lift")
    figures.append(
        Figure(
            _("Mixing compared with a random draw"), None if lift is None else round(lift, 2), "×"
        )
    )
    labels = {
        criterion.key: str(criterion.display_label)
        for criterion in Criterion.objects.filter(
            territory_id=season.territory_id, enabled=True, sensitive=False
        )
    }
    for item in report.get("criteria", []):
        if (
            isinstance(item, dict)
            and item.get("name") in labels
            and isinstance(item.get("entre_soi"), int | float)
        ):
            figures.append(
                Figure(
                    _("Entre-soi index: %(label)s") % {"label": labels[item["name"]]},
                    round(float(item["entre_soi"]), 2) if enough else None,
                )
            )
    return Section(
        key="mixing",
        title=_("Mixing"),
        figures=figures,
        note=_("Entre-soi: 1 is as mixed as possible, 2 is as mixed as a random draw."),
        chart=False,
    )


@dataclass(frozen=True)
class SeasonReport:
    sections: list[Section]
    feedback: list[Section]
    feedback_answers: int | None
    # Answers are shown only once the form has closed for the whole season (on this date).
    feedback_shown: bool
    form_closes_at: datetime.datetime
    comments: list[str]
    funnel: Funnel | None = None


def build_report(season: Season) -> SeasonReport:
    people = _people(season)
    sections = [people]
    for optional in (_confirmations(season), _attendance(season)):
        if optional is not None:
            sections.append(optional)
    sections.append(_mixing(season, people.figures[1].value))  # type: ignore[arg-type]
    feedback, comments, answers = _feedback(season)
    return SeasonReport(
        sections=sections,
        feedback=feedback,
        feedback_answers=answers,
        comments=comments,
        feedback_shown=feedback_published(season),
        form_closes_at=form_closes_at(season),
        funnel=funnel.build(season),
    )


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_csv(season: Season, report: SeasonReport) -> str:
    """The same figures, suppressed the same way, as CSV (no free comments)."""
    fewer = _("fewer than %(n)d") % {"n": THRESHOLD}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Season"), _("Section"), _("Figure"), _("Value")])
    name = _cell(season.name)
    answers: object = report.feedback_answers or fewer
    if not report.feedback_shown:
        answers = _("shown when the form closes")
    writer.writerow([name, _("Feedback"), _("Answers"), answers])
    for section in [*report.sections, *report.feedback]:
        for figure in section.figures:
            value = fewer if figure.value is None else f"{figure.value}{figure.unit}"
            writer.writerow([name, section.title, _cell(figure.label), value])
    if report.funnel is not None:
        _funnel_rows(writer, name, report.funnel, fewer)
    return out.getvalue()


def _funnel_rows(writer: Any, name: str, shown_funnel: Funnel, fewer: str) -> None:
    """One row per world and stage: "Turnout: <group>", "<world>: <stage>", count (%)."""
    title = _("Turnout")
    groups = [(title, [shown_funnel.overall])] + [
        (f"{title}: {group.title}", group.lines) for group in shown_funnel.groups
    ]
    for section, lines in groups:
        for line in lines:
            for stage, cell in zip(shown_funnel.stages, line.cells, strict=True):
                value = fewer if cell.count is None else str(cell.count)
                if cell.count is not None and cell.percent is not None:
                    value = f"{cell.count} ({cell.percent}%)"
                writer.writerow([name, _cell(section), _cell(f"{line.label}: {stage}"), value])


__all__ = ["THRESHOLD", "SeasonReport", "build_report", "report_csv", "suppress"]
