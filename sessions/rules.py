"""Rules for a session that the form and the service both apply (one definition each)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from yourchoice.data import dates

#: A phone's clock may run a little ahead of the server's.
CLOCK_GRACE = timedelta(minutes=5)


def session_moment_problem(occurred_at: datetime, *, referred_on: date | None) -> str | None:
    """What is wrong with when a session took place, in plain English, or None: not in the
    future (beyond a phone clock's grace), and a day that could have happened for this case."""
    latest = timezone.now() + CLOCK_GRACE
    if occurred_at > latest:
        return "The session date cannot be in the future."
    return dates.happened(
        dates.day_of(occurred_at),
        what="The session date",
        not_before=referred_on,
        not_before_what="the referral",
        today=dates.day_of(latest),
    )
