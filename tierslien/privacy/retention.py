"""How long personal data outlives the gathering that needed it: the periods the privacy
notice promises (`templates/legal/privacy.<language>.html`, "How long"), in one place.

Each period counts from the moment its name says. A change here is a change of the notice:
edit both languages of it too (`tests/privacy/test_retention.py` compares them). What an
email said is kept `settings.OUTBOX_KEEP_DAYS` days (docs/outbox.md).
"""

from __future__ import annotations

import datetime
from typing import Final

# After a season's last session: what its circles wrote (pact, introductions, attendance,
# board, mutual aid), its registrations, the reports about them, "keep in touch" wishes
# (`feedback.purge`).
KEEP_CIRCLES_CONTENT: Final = datetime.timedelta(days=30)

# After a discovery evening starts: its attendees, their companions and tables
# (`gatherings` `purge_evenings`).
KEEP_EVENING_ATTENDEES: Final = datetime.timedelta(days=30)

# After a themed meeting starts (held or not): its applications, table plan, the draw's
# published lists and contributors' emails (`gatherings.meetings` `archive_meetings`).
KEEP_MEETING_APPLICATIONS: Final = datetime.timedelta(days=30)
