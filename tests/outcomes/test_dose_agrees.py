"""A case's weeks of active work and its dose are counted once (cases/programme.py): the
report's SQL, the case's page and its caseload row agree."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from cases import programme
from cases.programme import DAYS_PER_WEEK, active_weeks, active_weeks_sql
from sessions import dose

pytestmark = pytest.mark.django_db

days = st.dates(min_value=date(2022, 1, 1), max_value=date(2027, 12, 31))


@settings(max_examples=60, deadline=None)
@given(first=days, length=st.integers(min_value=0, max_value=400))
def test_the_reports_sql_counts_the_weeks_the_pages_count(first, length):
    last = first + timedelta(days=length)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + active_weeks_sql("%(first)s::date", "%(last)s::date"),
            {"first": first, "last": last},
        )
        (in_sql,) = cursor.fetchone()
    assert float(in_sql) == pytest.approx(active_weeks(first, last), abs=1e-9)
    # The page counts a part week as a whole one: the same weeks, rounded up.
    assert dose.weeks_active(first, last, today=last) == math.ceil(active_weeks(first, last))


def test_a_week_of_work_is_seven_days_both_ends_included():
    monday = date(2026, 11, 2)
    assert active_weeks(monday, monday + timedelta(days=DAYS_PER_WEEK - 1)) == 1
    assert dose.weeks_active(monday, None, today=monday) == 1
    assert dose.weeks_active(monday, None, today=monday + timedelta(days=7)) == 2
    assert dose.weeks_active(None, None, today=monday) == 0


@settings(max_examples=80, deadline=None)
@given(
    first=days,
    length=st.integers(min_value=0, max_value=200),
    attended=st.integers(min_value=0, max_value=80),
    started=st.booleans(),
)
def test_the_reports_sql_judges_the_dose_target_as_the_rule_does(first, length, attended, started):
    """Weeks of work against 12 to 18, 3 a week, and both: SQL and Python agree everywhere,
    the edges (84 and 126 days, exactly 3 a week) included."""
    last = first + timedelta(days=length)
    begun = first if started else None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + programme.weeks_of_work_sql("%(first)s::date", "%(last)s::date")
            + ", "
            + programme.weekly_target_met_sql("%(n)s", "%(first)s::date", "%(last)s::date")
            + ", "
            + programme.dose_target_met_sql("%(n)s", "%(first)s::date", "%(last)s::date"),
            {"first": begun, "last": last, "n": attended},
        )
        weeks, weekly, met = cursor.fetchone()
    assert weeks == programme.weeks_of_work(begun, last)
    if started:
        assert weekly == programme.weekly_target_met(attended, first, last)
        assert met == programme.dose_target_met(attended, first, last)


def test_the_dose_target_edges():
    monday = date(2026, 1, 5)
    twelve_weeks = monday + timedelta(days=12 * 7 - 1)
    assert programme.weeks_of_work(None, monday) == programme.WEEKS_NO_SESSION
    assert (
        programme.weeks_of_work(monday, twelve_weeks - timedelta(days=1)) == programme.WEEKS_UNDER
    )
    assert programme.weeks_of_work(monday, twelve_weeks) == programme.WEEKS_WITHIN
    eighteen_weeks = monday + timedelta(days=18 * 7 - 1)
    assert programme.weeks_of_work(monday, eighteen_weeks) == programme.WEEKS_WITHIN
    assert (
        programme.weeks_of_work(monday, eighteen_weeks + timedelta(days=1)) == programme.WEEKS_OVER
    )
    # 36 sessions in 12 weeks is exactly 3 a week; 35 is not.
    assert programme.dose_target_met(36, monday, twelve_weeks)
    assert not programme.dose_target_met(35, monday, twelve_weeks)
    # 3 a week for 11 weeks is not the dose: too short.
    assert not programme.dose_target_met(33, monday, twelve_weeks - timedelta(days=7))
