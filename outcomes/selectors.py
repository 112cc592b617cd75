"""Reads for goal and measure pages."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.models import Authority
from outcomes.models import Goal, MeasureDefinition, Report, ReportFile, ReportScope, ReportStatus
from yourchoice import audit

if TYPE_CHECKING:
    from accounts.models import User


def get_goal_for_user(user: User, pk: int) -> Goal:
    goal = (
        Goal.objects.visible_to(user).select_related("episode__young_person").filter(pk=pk).first()
    )
    if goal is None:
        raise Http404
    audit.note_young_person_read(goal.episode.young_person, goal)
    return goal


SDQ_CODE = "sdq-self-report"


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
    from outcomes.reports.services import may_have

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
    ("Referrals received", "All"),
    ("Episodes started", "All"),
    ("Active at period end", "All"),
    ("Attendance rate", "All"),
    ("Dose: sessions a week", "All"),
    ("Meaningful improvement", "All"),
    ("Improved by a band", "All"),
]


@dataclass(frozen=True)
class LondonRow:
    authority: str
    report: Report | None
    values: list[Any]


@dataclass(frozen=True)
class LondonView:
    headings: list[str]
    rows: list[LondonRow]
    sort: str
    descending: bool


def london_table(sort: str, descending: bool) -> LondonView:
    """The latest ready report of each active authority, its key (published) figures side by
    side. Figures come from the stored, already suppressed results: no raw count is read."""
    latest = (
        Report.objects.filter(
            scope=ReportScope.AUTHORITY, status=ReportStatus.READY, authority=OuterRef("pk")
        )
        .order_by("-period_end", "-finished_at")
        .values("pk")[:1]
    )
    authorities = list(Authority.objects.filter(active=True).annotate(latest_id=Subquery(latest)))
    reports = {
        r.pk: r
        for r in Report.objects.filter(pk__in=[a.latest_id for a in authorities if a.latest_id])
    }
    rows = []
    for authority in authorities:
        report = reports.get(authority.latest_id)
        found = {
            (r["indicator"], r["breakdown"]): r["value"] for r in (report.results if report else [])
        }
        rows.append(LondonRow(authority.name, report, [found.get(key) for key in KEY_INDICATORS]))
    headings = [name for name, _ in KEY_INDICATORS]
    if sort in headings:
        index = headings.index(sort)

        def key(row: LondonRow) -> tuple[int, float]:
            value = row.values[index]
            return (0, float(value)) if isinstance(value, int | float) else (1, 0.0)

        rows.sort(key=key, reverse=descending)
    else:
        sort = "authority"
        rows.sort(key=lambda r: r.authority, reverse=descending)
    return LondonView(headings=headings, rows=rows, sort=sort, descending=descending)


def report_authorities(user: User) -> tuple[list[Authority], bool]:
    """The authorities whose reports the user may have, and whether London's too."""
    from accounts.models import Role
    from yourchoice import access

    if Role.PROGRAMME_LEAD in access.roles(user):
        return list(Authority.objects.filter(active=True)), True
    ids = access.authority_ids(user, Role.BOROUGH_LEAD)
    return list(Authority.objects.filter(pk__in=ids)), False
