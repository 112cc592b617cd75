"""The programme's rules for a case that every layer counts by (docs/programme.md S4).

Here, in the lowest case layer, so that the report (outcomes/) and the pages (sessions/, caseload/)
read the same numbers without the report importing the sessions app. Each rule the report's SQL
needs has its SQL twin beside it, tested to agree (tests/outcomes/test_dose_agrees.py).
"""

from __future__ import annotations

from datetime import date

#: Ages at referral the programme takes (docs/programme.md: 11 to 17).
MIN_AGE = 11
MAX_AGE = 17

#: The programme's target: three sessions a week for 12 to 18 weeks.
TARGET_SESSIONS_PER_WEEK = 3
TARGET_WEEKS_MIN = 12
TARGET_WEEKS_MAX = 18
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
    return f"{active_days_sql(first, last)} / {DAYS_PER_WEEK:d}.0"


def active_days_sql(first: str, last: str) -> str:
    """`active_days` as SQL over two date expressions: a whole number, so a report can add
    days up and divide once, exactly."""
    return f"(({last}) - ({first}) + 1)"


# How long a case's work lasted against the 12 to 18 weeks of the target: the length of the work
# from the first attended session to closure. Compared in whole days (12 weeks is 84 days), so
# no fraction of a week is ever rounded.
WEEKS_NO_SESSION = "no_session"
WEEKS_UNDER = "under"
WEEKS_WITHIN = "within"
WEEKS_OVER = "over"
WEEKS_OF_WORK = {
    WEEKS_NO_SESSION: "No attended session",
    WEEKS_UNDER: f"Under {TARGET_WEEKS_MIN} weeks",
    WEEKS_WITHIN: f"{TARGET_WEEKS_MIN} to {TARGET_WEEKS_MAX} weeks",
    WEEKS_OVER: f"Over {TARGET_WEEKS_MAX} weeks",
}


def weeks_of_work(first: date | None, last: date) -> str:
    """Where the length of a case's work falls against the target's 12 to 18 weeks."""
    if first is None:
        return WEEKS_NO_SESSION
    days = active_days(first, last)
    if days < TARGET_WEEKS_MIN * DAYS_PER_WEEK:
        return WEEKS_UNDER
    if days <= TARGET_WEEKS_MAX * DAYS_PER_WEEK:
        return WEEKS_WITHIN
    return WEEKS_OVER


def weeks_of_work_sql(first: str, last: str) -> str:
    """`weeks_of_work` as SQL over two date expressions."""
    days = active_days_sql(first, last)
    return (
        f"CASE WHEN ({first}) IS NULL THEN '{WEEKS_NO_SESSION}' "
        f"WHEN {days} < {TARGET_WEEKS_MIN * DAYS_PER_WEEK:d} THEN '{WEEKS_UNDER}' "
        f"WHEN {days} <= {TARGET_WEEKS_MAX * DAYS_PER_WEEK:d} THEN '{WEEKS_WITHIN}' "
        f"ELSE '{WEEKS_OVER}' END"
    )


def weekly_target_met(attended: int, first: date, last: date) -> bool:
    """Attended sessions averaged 3 or more a week of active work from `first` to `last`.

    Compared in whole numbers (sessions × 7 against 3 × days), so it never rests on a rounded
    fraction."""
    return attended * DAYS_PER_WEEK >= TARGET_SESSIONS_PER_WEEK * active_days(first, last)


def weekly_target_met_sql(attended: str, first: str, last: str) -> str:
    """`weekly_target_met` as SQL."""
    return (
        f"(({attended}) * {DAYS_PER_WEEK:d} >= "
        f"{TARGET_SESSIONS_PER_WEEK:d} * {active_days_sql(first, last)})"
    )


def dose_target_met(attended: int, first: date, last: date) -> bool:
    """The programme's dose: 12 weeks or more of work, averaging 3 attended sessions a week."""
    return weeks_of_work(first, last) in (WEEKS_WITHIN, WEEKS_OVER) and weekly_target_met(
        attended, first, last
    )


def dose_target_met_sql(attended: str, first: str, last: str) -> str:
    """`dose_target_met` as SQL."""
    return (
        f"(({weeks_of_work_sql(first, last)}) IN ('{WEEKS_WITHIN}', '{WEEKS_OVER}') "
        f"AND {weekly_target_met_sql(attended, first, last)})"
    )
