"""The retention periods the code applies are the ones the privacy notice promises."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings

from tierslien.privacy import retention

NOTICE = settings.BASE_DIR / "tierslien" / "templates" / "legal"

# Each period, and the words that introduce it in the notice's item, per language.
PROMISES = {
    "KEEP_CIRCLES_CONTENT": {
        "fr": r"(\d+) jours après la dernière séance de la saison",
        "en": r"(\d+) days after the season's last session",
    },
    "KEEP_EVENING_ATTENDEES": {
        "fr": r"(\d+) jours après la soirée",
        "en": r"(\d+) days after the evening",
    },
    "KEEP_MEETING_APPLICATIONS": {
        "fr": r"(\d+) jours après la rencontre",
        "en": r"(\d+) days after the meeting",
    },
}


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("name", sorted(PROMISES))
def test_the_notice_promises_the_period_the_code_applies(name: str, language: str) -> None:
    period: datetime.timedelta = getattr(retention, name)
    notice = (NOTICE / f"privacy.{language}.html").read_text(encoding="utf-8")
    promised = {int(days) for days in re.findall(PROMISES[name][language], notice)}
    assert promised == {period.days}


def test_every_period_is_checked_against_the_notice() -> None:
    periods = {name for name in vars(retention) if name.startswith("KEEP_")}
    assert periods == set(PROMISES)
