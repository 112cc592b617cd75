"""What a date someone enters may be, by what it means: the one place these limits live.

A form only knows that a value is a real calendar date; 1 January 0001 and 31 December 9999
are both real. Services check every date a person enters against these rules, so a page, the
API and any future import refuse the same impossible dates with the same message, attached to
the field. Each function returns the plain-English problem, or None when the date is fine.

The limits, and why:

- Nothing the programme records happened before EARLIEST_EVENT: Your Choice began in London's
  authorities in 2022 (docs/programme.md), so no referral, panel, session, goal, rating, measure,
  spending or supervision can be older.
- Something that has happened cannot be in the future (today, in London, is allowed).
- A date of birth is before the referral, and no one is older than OLDEST_AT_REFERRAL when
  referred. The programme takes ages 11 to 17; an older age is not impossible (it is a referral
  that is not eligible), but one past 25 is a mistyped date, and a record kept "until the age of
  25" would otherwise be kept for thousands of years.
- A date to look ahead to (a flag's review, an action's due date) is at most
  LONGEST_LOOK_AHEAD_DAYS away: a year is longer than any review or action the programme sets.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from yourchoice.data.errors import DomainError

#: The first day anything in the programme can have happened (Your Choice began in 2022).
EARLIEST_EVENT = date(2022, 1, 1)
#: The oldest a young person can be at referral before the date of birth must be a mistake.
OLDEST_AT_REFERRAL = 25
#: How far ahead a review or due date may be set.
LONGEST_LOOK_AHEAD_DAYS = 366


def long_form(day: date) -> str:
    """A day as the service writes it in a sentence: "1 April 2026"."""
    return f"{day.day} {day:%B %Y}"


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on `day`."""
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


def day_of(moment: datetime) -> date:
    """The day a moment falls on in London. The calendar's first and last days have no day
    before or after them to move to, so there the moment's own date stands."""
    try:
        return timezone.localdate(moment)
    except OverflowError:
        return moment.date()


def happened(
    day: date,
    *,
    what: str,
    not_before: date | None = None,
    not_before_what: str = "",
    today: date | None = None,
) -> str | None:
    """A date something happened on: not in the future, not before the programme began, and
    not before `not_before` (the referral, say), named by `not_before_what`."""
    if day > (today or timezone.localdate()):
        return f"{what} cannot be in the future."
    if day < EARLIEST_EVENT:
        return f"{what} cannot be before {long_form(EARLIEST_EVENT)}, when Your Choice began."
    if not_before is not None and day < not_before:
        return f"{what} cannot be before {not_before_what}."
    return None


def date_of_birth(
    day: date, *, referred_on: date, referral_what: str = "the referral", today: date | None = None
) -> str | None:
    """A date of birth: not in the future, before the referral, and not so long before it that
    the young person would be older than OLDEST_AT_REFERRAL when referred."""
    if day > (today or timezone.localdate()):
        return "The date of birth cannot be in the future."
    if day >= referred_on:
        return f"The date of birth must be before {referral_what}."
    age = age_on(day, referred_on)
    if age > OLDEST_AT_REFERRAL:
        return (
            f"That date of birth makes the young person {age} when referred. Check it: nobody "
            f"older than {OLDEST_AT_REFERRAL} can have been referred."
        )
    return None


def ahead(
    day: date, *, what: str, not_before: date | None = None, not_before_what: str = "today"
) -> str | None:
    """A date to look ahead to: not before `not_before` (today unless given) and within
    LONGEST_LOOK_AHEAD_DAYS of it."""
    start = not_before or timezone.localdate()
    if day < start:
        return f"{what} must be {not_before_what} or later."
    if day > start + timedelta(days=LONGEST_LOOK_AHEAD_DAYS):
        return f"{what} must be within a year of {not_before_what}."
    return None


def add(errors: dict[str, list[str]], field: str, problem: str | None) -> None:
    """Put a rule's problem, if any, against its field."""
    if problem:
        errors.setdefault(field, []).append(problem)


def refuse(field: str, problem: str | None) -> None:
    """Refuse at once, with the rule's problem against its field, when there is one."""
    if problem:
        raise DomainError({field: [problem]})
