"""Reads for goal and measure pages."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.http import Http404
from django.utils import timezone

from accounts import access
from accounts.models import Authority
from cases.models import Episode
from outcomes.models import (
    SDQ_CODE,
    Goal,
    GoalStatus,
    MeasureDefinition,
    Report,
    ReportFile,
    ReportScope,
    ReportStatus,
)
from outcomes.reports import indicators
from outcomes.reports.periods import Period
from outcomes.reports.services import may_have
from yourchoice import audit
from yourchoice.data.selectors import get_or_404

if TYPE_CHECKING:
    from accounts.models import User


def get_goal_for_user(user: User, pk: int) -> Goal:
    goal = get_or_404(Goal.objects.visible_to(user).select_related("episode__young_person"), pk=pk)
    audit.note_young_person_read(goal.episode.young_person, goal)
    return goal


@dataclass(frozen=True)
class TurnPage:
    """What the young person's own screen needs (S7): their name, to speak to them, and their
    live goals in their own words. Nothing else of the record is fetched, so none can show."""

    episode: Episode
    called: str
    goals: list[Goal]


def turn_page(user: User, episode_id: int) -> TurnPage:
    """The case whose young person has the phone, if the user still reaches it; 404 if not."""
    episode = get_or_404(
        Episode.objects.visible_to(user).select_related("young_person"), pk=episode_id
    )
    goals = list(
        Goal.objects.visible_to(user)
        .filter(episode=episode, status=GoalStatus.LIVE)
        .order_by("slot", "pk")
    )
    audit.note_young_person_read(episode.young_person, episode)
    return TurnPage(episode=episode, called=episode.young_person.called, goals=goals)


_definition_cache: dict[str, tuple[float, MeasureDefinition]] = {}


def sdq_definition() -> MeasureDefinition:
    """The SDQ's definition. Read by every caseload and case page, changed perhaps once a year
    by an administrator, so each process keeps it for a minute rather than asking every time."""
    now = time.monotonic()
    cached = _definition_cache.get(SDQ_CODE)
    if cached is None or now - cached[0] >= settings.MEASURE_DEFINITION_CACHE_SECONDS:
        cached = (now, MeasureDefinition.objects.get(code=SDQ_CODE, active=True))
        _definition_cache[SDQ_CODE] = cached
    return cached[1]


def forget_definitions(**_: object) -> None:
    """Called when an administrator changes a definition (outcomes/apps.py)."""
    _definition_cache.clear()


def reports_for_user(user: User, *, authorities: list[Any], london: bool) -> list[Report]:
    """Reports the user may have: their authorities' and, for programme leads, London's."""
    allowed = Q(authority__in=authorities)
    if london:
        allowed |= Q(scope=ReportScope.LONDON)
    return list(
        Report.objects.filter(allowed)
        .select_related("authority", "requested_by")
        .prefetch_related("files")
        .order_by("-requested_at")[:50]
    )


def get_report_file_for_user(user: User, pk: int, fmt: str) -> ReportFile:
    """A ready, unexpired report file the user may have; 404 for anything else."""

    report_file = (
        ReportFile.objects.select_related("report__authority")
        .filter(report_id=pk, format=fmt, report__status=ReportStatus.READY)
        .first()
    )
    if report_file is None or not may_have(user, report_file.report.authority_id):
        raise Http404
    expires = report_file.report.expires_at
    if expires is not None and expires < timezone.now():
        raise Http404
    return report_file


KEY_INDICATORS = [
    (indicators.REFERRALS_RECEIVED, "All"),
    (indicators.EPISODES_STARTED, "All"),
    (indicators.EPISODES_ACTIVE, "All"),
    (indicators.ATTENDANCE_RATE, "All"),
    (indicators.DOSE_PER_WEEK, "All"),
    (indicators.GOAL_IMPROVED_EPISODES, "All"),
    (indicators.SDQ_BAND_LOWER, "All"),
]


def last_whole_month(today: date) -> Period:
    """The month the monthly schedule makes reports for on the 1st."""
    return Period.month(today.replace(day=1) - timedelta(days=1))


@dataclass(frozen=True)
class LondonRow:
    authority: str
    report: Report | None  # a ready report for the view's period, or None
    values: list[Any]
    being_made: bool = False  # queued or running for the period, none ready yet


@dataclass(frozen=True)
class LondonView:
    period: Period
    headings: list[str]
    rows: list[LondonRow]
    london: LondonRow  # the London-wide report for the same period
    sort: str
    descending: bool
    other_periods: list[Period]

    @property
    def made(self) -> int:
        return sum(1 for row in self.rows if row.report)


#: Periods offered as links under the table.
OTHER_PERIODS = 12


def london_table(sort: str, descending: bool, period: Period | None = None) -> LondonView:
    """Every active authority's key figures for one period, side by side, and London's (O5).

    One period for every row: figures of different periods side by side would compare nothing.
    By default it is the latest whole month that has a ready authority report (the monthly
    schedule makes them on the 1st), else the latest period that has one, else last month. An
    authority without a ready report for that period says so, and never shows another
    period's figures. Figures come from the stored, already suppressed results: no raw count
    is read. Three queries however many authorities and reports.
    """
    ready = Report.objects.filter(scope=ReportScope.AUTHORITY, status=ReportStatus.READY)
    periods = [
        Period(start, end)
        for start, end in ready.values_list("period_start", "period_end")
        .order_by("-period_end", "-period_start")
        .distinct()[:100]
    ]
    if period is None:
        period = next((p for p in periods if p.whole_month), None) or (
            periods[0] if periods else last_whole_month(timezone.localdate())
        )
    # The newest ready report of each place for the period, else one being made (DISTINCT ON).
    found = (
        Report.objects.filter(
            period_start=period.start,
            period_end=period.end,
            status__in=[ReportStatus.READY, ReportStatus.QUEUED, ReportStatus.RUNNING],
        )
        .annotate(not_ready=Case(When(status=ReportStatus.READY, then=Value(0)), default=Value(1)))
        .order_by("scope", "authority_id", "not_ready", F("finished_at").desc(nulls_last=True))
        .distinct("scope", "authority_id")
        .only("pk", "scope", "authority_id", "status", "finished_at", "results")
    )
    by_place = {(r.scope, r.authority_id): r for r in found}

    def row(name: str, report: Report | None) -> LondonRow:
        if report is None or report.status != ReportStatus.READY:
            return LondonRow(name, None, [None] * len(KEY_INDICATORS), report is not None)
        values = {(r["indicator"], r["breakdown"]): r["value"] for r in report.results}
        return LondonRow(name, report, [values.get(key) for key in KEY_INDICATORS])

    rows = [
        row(a.name, by_place.get((ReportScope.AUTHORITY, a.pk)))
        for a in Authority.objects.filter(active=True).only("pk", "name")
    ]
    headings = [name for name, _ in KEY_INDICATORS]
    if sort in headings:
        index = headings.index(sort)
        # Rows without the figure (not made yet, or hidden) come last whichever way.
        known = [r for r in rows if isinstance(r.values[index], int | float)]
        known.sort(key=lambda r: float(r.values[index]), reverse=descending)
        rows = known + [r for r in rows if r not in known]
    else:
        sort = "authority"
        rows.sort(key=lambda r: r.authority, reverse=descending)
    return LondonView(
        period=period,
        headings=headings,
        rows=rows,
        london=row("All of London", by_place.get((ReportScope.LONDON, None))),
        sort=sort,
        descending=descending,
        other_periods=[p for p in periods if p != period][:OTHER_PERIODS],
    )


def report_authorities(user: User) -> tuple[list[Authority], bool]:
    """The authorities whose reports the user may have, and whether London's too."""

    if access.sees_all_authorities(user):
        return list(Authority.objects.filter(active=True)), True
    ids = access.led_authority_ids(user)
    return list(Authority.objects.filter(pk__in=ids)), False
