"""The retention rule, as plain date arithmetic (no queries).

Each authority keeps a young person's record until the later of (a) their birthday at the
authority's age (25 by default) and (b) that many years (6 by default) after their last case
closed. A record with an open case is kept. A borough lead may keep it longer, with a reason.
The same rule is computed in SQL by selectors.retention_on() for the review queue; the tests
check that the two agree.
"""

from __future__ import annotations

from datetime import date

#: Records whose retention date falls within this many days appear in the review queue early.
REVIEW_WINDOW_DAYS = 90


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February, as in PostgreSQL. Never
    past the last date there is (as selectors.AddYears)."""
    if day.year + years > date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retention_date(
    *,
    date_of_birth: date,
    last_closed_on: date | None,
    until_age: int,
    years_after_closure: int,
    kept_until: date | None = None,
) -> date | None:
    """When the record may be anonymised; None while a case is open (it is kept)."""
    if last_closed_on is None:
        return None
    candidates = [
        add_years(date_of_birth, until_age),
        add_years(last_closed_on, years_after_closure),
    ]
    if kept_until is not None:
        candidates.append(kept_until)
    return max(candidates)


def coarse_date_of_birth(date_of_birth: date, referral_dates: list[date]) -> date:
    """Month and year of birth only, stored as the earliest day of that month that gives every
    referral the same age in whole years as before, so that every age figure in reports and
    extracts is unchanged. That is the 1st unless a referral fell in the birth month before the
    birthday; then it is the day after that referral (so at most it says the birthday is no
    earlier than that day)."""
    latest_before_birthday = 0
    for day in referral_dates:
        if day.month == date_of_birth.month and day.day < date_of_birth.day:
            latest_before_birthday = max(latest_before_birthday, day.day)
    return date_of_birth.replace(day=latest_before_birthday + 1)
