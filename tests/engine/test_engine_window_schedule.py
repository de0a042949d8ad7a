"""Schedules and initial windows: the text a person types, and what it means."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from recontui.engine.window import Window, WindowError, in_window, parse_window
from recontui.schedule import ScheduleError, is_due, next_run, parse_schedule

UTC = dt.UTC


@pytest.fixture
def new_york(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("off", "off"),
        ("", "off"),
        ("every 15 minutes", "every 15 minutes"),
        ("Every 90m", "every 90 minutes"),
        ("every 2h", "every 2 hours"),
        ("hourly", "hourly"),
        ("daily 2:30", "daily 02:30"),
        ("daily at 02:30", "daily 02:30"),
        ("weekdays 18:00", "weekdays 18:00"),
    ],
)
def test_schedules_read_back_in_one_spelling(text, shown):
    assert str(parse_schedule(text)) == shown


@pytest.mark.parametrize("text", ["sometimes", "every 2 minutes", "daily 25:00", "every h"])
def test_bad_schedules_say_what_is_accepted(text):
    with pytest.raises(ScheduleError, match=r"off|5 minutes|00:00"):
        parse_schedule(text)


def test_an_interval_counts_from_the_latest_run():
    s = parse_schedule("every 30 minutes")
    last = dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert next_run(s, last, last) == last + dt.timedelta(minutes=30)
    assert not is_due(s, last, last + dt.timedelta(minutes=29))
    assert is_due(s, last, last + dt.timedelta(minutes=30))
    assert is_due(s, None, last)  # never ran: due now
    assert next_run(parse_schedule("off"), last, last) is None


def test_a_daily_time_stays_local_across_daylight_saving(new_york):
    s = parse_schedule("daily 02:30")
    # 2026-03-08 is the spring-forward day in New York; 02:30 does not exist that night.
    before = dt.datetime(2026, 3, 6, 8, 0, tzinfo=UTC)  # 03:00 EST on the 6th
    due = next_run(s, before, before)
    assert due == dt.datetime(2026, 3, 7, 7, 30, tzinfo=UTC)  # 02:30 EST on the 7th
    after = dt.datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 03:00 EDT on the 10th
    assert next_run(s, after, after) == dt.datetime(2026, 3, 11, 6, 30, tzinfo=UTC)  # 02:30 EDT
    # Due once after each run: a run at 01:00 local leaves the 02:30 run due that night.
    one_am = dt.datetime(2026, 3, 11, 5, 0, tzinfo=UTC)
    assert next_run(s, one_am, one_am) == dt.datetime(2026, 3, 11, 6, 30, tzinfo=UTC)


def test_weekdays_skip_the_weekend(new_york):
    s = parse_schedule("weekdays 18:00")
    friday_night = dt.datetime(2026, 3, 13, 23, 0, tzinfo=UTC)  # Fri 19:00 EDT
    assert next_run(s, friday_night, friday_night) == dt.datetime(2026, 3, 16, 22, 0, tzinfo=UTC)
    assert os.environ["TZ"] == "America/New_York"


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("all", Window()),
        ("", Window()),
        ("90 days", Window(days=90)),
        ("30", Window(days=30)),
        ("from 2026-01-01", Window(start=dt.date(2026, 1, 1))),
        ("2026-01-01", Window(start=dt.date(2026, 1, 1))),
    ],
)
def test_windows(text, window):
    assert parse_window(text) == window
    assert parse_window(str(window)) == window


@pytest.mark.parametrize("text", ["0 days", "last spring", "from 2026-02-30"])
def test_bad_windows(text):
    with pytest.raises(WindowError):
        parse_window(text)


def test_a_window_in_days_counts_back_from_the_first_run():
    w = parse_window("90 days")
    assert w.first_date(dt.date(2026, 4, 1)) == dt.date(2026, 1, 1)
    assert parse_window("all").first_date(dt.date(2026, 4, 1)) is None
    first = dt.date(2026, 1, 1)
    assert in_window(dt.date(2026, 1, 1), first)
    assert not in_window(dt.date(2025, 12, 31), first)
    assert in_window(None, first)
    assert in_window(dt.date(1999, 1, 1), None)
