"""The analysis of a season's mixing potential: one row per season and kind, carrying its
background job (`lib/jobs.py`) and its result.

`result` is `mixing.potential.Analysis.to_dict()` (kind "season") or one evaluated
`Change` (kind "point"), with every group's member ids taken out (data minimisation:
the page shows figures, never who would sit with whom). Every figure in it was computed
from `Built.shown`, the problem without the sensitive questions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tierslien.circles.models import JobState, Season


class AnalysisKind(models.TextChoices):
    SEASON = "season", _("What limits the mix")
    POINT = "point", _("A venue at a chosen place")


class SeasonAnalysis(models.Model):
    """The current analysis of one kind for a season (started again: the same row)."""

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="analyses")
    kind = models.CharField(_("what was analysed"), max_length=10, choices=AnalysisKind.choices)
    params = models.JSONField(default=dict, blank=True)  # kind "point": lat, lon, label
    # Who asked: the analysis goes with their account (it can be run again).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    result = models.JSONField(default=dict, blank=True)
    # The lever applied from this analysis, with the figures it predicted (kind "season").
    applied = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("asked on"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)

    # The job (lib/jobs.py, JobFields.prefixed("job_")).
    job_state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.IDLE)
    job_progress = models.FloatField(default=0.0)
    job_error = models.TextField(blank=True)
    job_attempt = models.PositiveIntegerField(default=0)
    job_retries = models.PositiveSmallIntegerField(default=0)
    job_heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["season", "kind"], name="one_analysis_per_kind")
        ]
        verbose_name = _("analysis of a season's mixing")
        verbose_name_plural = _("analyses of a season's mixing")

    def __str__(self) -> str:
        return f"{self.season_id}:{self.kind}"

    @property
    def done(self) -> bool:
        return self.job_state == JobState.DONE and bool(self.result)

    @property
    def alive(self) -> bool:
        return self.job_state in (JobState.QUEUED, JobState.RUNNING)
