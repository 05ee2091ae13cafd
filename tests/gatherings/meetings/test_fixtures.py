from __future__ import annotations

import pytest

from tests.gatherings.meetings.conftest import Applicants
from tierslien.gatherings.models import Meeting


@pytest.mark.django_db
def test_applicants_answer_only_the_meetings_criteria(
    meeting: Meeting, applicants: Applicants
) -> None:
    made = applicants(meeting, 20)
    keys = set(meeting.criteria.values_list("key", flat=True))
    assert len(made) == 20
    assert all(set(a.answers) <= keys for a in made)
    assert any(len(a.answers) == len(keys) for a in made)
