"""A case's weeks of active work are counted once (cases/programme.py): the report's SQL, the
case's page and its caseload row agree."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

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
