"""The programme's rules for a case that every layer counts by (docs/programme.md S4).

Here, in the lowest case layer, so that the report (outcomes/) and the pages (sessions/, caseload/)
read the same numbers without the report importing the sessions app.
"""

from __future__ import annotations

from datetime import date

#: The programme's target: three sessions a week for 12 to 18 weeks.
TARGET_SESSIONS_PER_WEEK = 3
#: No attended session for this many days or more is "no contact" (S4, V1).
NO_CONTACT_DAYS = 14

#: Active work is counted in weeks of seven days, from the first attended session (or the start
#: of a period) to closure (or its end), both days included: the dose is sessions per week of it.
DAYS_PER_WEEK = 7


def active_days(first: date, last: date) -> int:
    """Days of active work from `first` to `last`, both included."""
    return (last - first).days + 1


def active_weeks(first: date, last: date) -> float:
    """Weeks of active work, in fractions of a week: what the report adds up over a period."""
    return active_days(first, last) / DAYS_PER_WEEK


def active_weeks_sql(first: str, last: str) -> str:
    """`active_weeks` as SQL over two date expressions, for the report's queries: the same
    arithmetic, so a case's weeks are the same on its page and in the report
    (tests/outcomes/test_dose_agrees.py)."""
    return f"(({last}) - ({first}) + 1) / {DAYS_PER_WEEK:d}.0"
