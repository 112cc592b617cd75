"""Dose: one definition of each measure of how much work a case has had (docs/programme.md S4).

Every page and report uses these expressions, so "sessions this week" means the same thing
everywhere. They are ORM expressions over an Episode queryset, computed in PostgreSQL.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from cases.programme import NO_CONTACT_DAYS, active_weeks
from sessions.models import Attendance, SessionLog


def week_start(day: date) -> date:
    """Weeks run Monday to Sunday."""
    return day - timedelta(days=day.weekday())


def last_contact() -> Subquery:
    """The time of the latest attended session."""
    return Subquery(
        SessionLog.objects.filter(episode=OuterRef("pk"), attendance=Attendance.ATTENDED)
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
    )


def sessions_attended_between(start: date, end: date) -> Coalesce:
    """Attended sessions on days start..end inclusive (Europe/London dates)."""
    return Coalesce(
        Subquery(
            SessionLog.objects.filter(
                episode=OuterRef("pk"),
                attendance=Attendance.ATTENDED,
                occurred_at__date__gte=start,
                occurred_at__date__lte=end,
            )
            .values("episode")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def sessions_attended_total() -> Coalesce:
    return Coalesce(
        Subquery(
            SessionLog.objects.filter(episode=OuterRef("pk"), attendance=Attendance.ATTENDED)
            .values("episode")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def weeks_active(started_on: date | None, closed_on: date | None, today: date) -> int:
    """Whole or part weeks of active work from the first attended session to closure (or
    today): the programme's weeks (cases/programme.py), a part week counted whole."""
    if started_on is None:
        return 0
    end = min(closed_on or today, today)
    return max(1, math.ceil(active_weeks(started_on, end)))


def sessions_per_week(attended: int, weeks: int) -> float | None:
    return round(attended / weeks, 1) if weeks else None


def no_contact(last: date | None, allocated_on: date | None, today: date) -> bool:
    """No attended session for 14 days or more; a case never seen counts from allocation."""
    reference = last or allocated_on
    return reference is not None and (today - reference).days >= NO_CONTACT_DAYS
