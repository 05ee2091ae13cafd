"""Deadlines are moved forward to the next full hour of the readers' clock."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from tierslien.lib.deadlines import on_the_hour

PARIS = ZoneInfo("Europe/Paris")
KOLKATA = ZoneInfo("Asia/Kolkata")  # UTC+05:30: a full hour there is not one in UTC


def test_the_odd_minute_goes_up_to_the_next_hour() -> None:
    moment = datetime.datetime(2027, 1, 14, 9, 9, 41, tzinfo=PARIS)
    assert on_the_hour(moment, PARIS) == datetime.datetime(2027, 1, 14, 10, 0, tzinfo=PARIS)


def test_a_full_hour_stays() -> None:
    moment = datetime.datetime(2027, 1, 14, 9, 0, tzinfo=PARIS)
    assert on_the_hour(moment, PARIS) == moment


def test_the_hour_is_the_readers_one() -> None:
    moment = datetime.datetime(2027, 1, 14, 9, 9, tzinfo=datetime.UTC)  # 14:39 in Kolkata
    rounded = on_the_hour(moment, KOLKATA)
    assert (rounded.hour, rounded.minute) == (15, 0)


def test_across_the_change_to_summer_time() -> None:
    moment = datetime.datetime(2027, 3, 28, 1, 30, tzinfo=PARIS)  # 02:00 becomes 03:00
    assert on_the_hour(moment, PARIS) == datetime.datetime(2027, 3, 28, 3, 0, tzinfo=PARIS)


@given(
    st.datetimes(
        min_value=datetime.datetime(2000, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime.datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.just(datetime.UTC),
    )
)
def test_never_earlier_nor_an_hour_later_and_always_on_the_hour(
    moment: datetime.datetime,
) -> None:
    rounded = on_the_hour(moment, PARIS)
    assert datetime.timedelta(0) <= rounded - moment < datetime.timedelta(hours=1)
    assert (rounded.minute, rounded.second, rounded.microsecond) == (0, 0, 0)
