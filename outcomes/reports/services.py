"""Asking for a report, and making it (O4). outcomes/tasks.py calls `report_generate`."""

from __future__ import annotations

import dataclasses
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts import access
from accounts.access import Perm
from accounts.models import Authority
from outcomes import jobs
from outcomes.models import (
    Extract,
    Report,
    ReportFile,
    ReportFormat,
    ReportScope,
    ReportStatus,
)
from outcomes.reports import files, indicators, linked, periods, publish, rounding
from outcomes.reports.periods import Period
from yourchoice import audit, build
from yourchoice.audit.actions import AuditAction
from yourchoice.data import db
from yourchoice.data.errors import DomainError
from yourchoice.jobs import queue

if TYPE_CHECKING:
    from accounts.models import User


def may_have(user: User, authority_id: int | None) -> bool:
    """The report scope (access.may_have_report): programme leads every authority and London,
    borough leads their own authority."""
    return access.may_have_report(user, authority_id)


def report_request(
    *, actor: User | None, authority: Authority | None, start: date, end: date
) -> tuple[Report, bool]:
    """Queue a report; the same request while one is queued or running returns that one."""
    if actor is not None:
        access.require(actor, Perm.REPORT_DOWNLOAD)
        if not may_have(actor, authority.pk if authority else None):
            raise PermissionDenied
    errors = periods.problems(Period(start, end), today=timezone.localdate())
    if errors:
        raise DomainError(errors)
    scope = ReportScope.AUTHORITY if authority else ReportScope.LONDON
    in_progress = Report.objects.filter(
        scope=scope,
        authority=authority,
        period_start=start,
        period_end=end,
        status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING],
    ).first()
    if in_progress is not None:
        return in_progress, False
    try:
        with transaction.atomic():
            report = Report.objects.create(
                scope=scope,
                authority=authority,
                period_start=start,
                period_end=end,
                requested_by=actor,
                suppression_threshold=settings.DISCLOSURE_THRESHOLD,
                parameters={"start": start.isoformat(), "end": end.isoformat()},
            )
            audit.record(
                actor=actor,
                action=AuditAction.REPORT_REQUEST,
                obj=report,
                authority_id=authority.pk if authority else None,
            )
            # The task calls these services: imported on use, so neither module needs the
            # other to finish loading first.
            from outcomes.tasks import generate_report

            queue.send_after_commit(
                generate_report,
                report.pk,
                delayed="The report is saved in the list, but it will not start until the "
                "service catches up. You do not need to ask for it again.",
            )
    except IntegrityError:  # a simultaneous identical request won the race
        return Report.objects.get(
            scope=scope,
            authority=authority,
            period_start=start,
            period_end=end,
            status__in=[ReportStatus.QUEUED, ReportStatus.RUNNING],
        ), False
    return report, True


def _provenance(report: Report, cutoff: datetime, database: str) -> dict[str, str]:
    return {
        "Scope": report.authority.name if report.authority else "All of London",
        "Authority code": report.authority.gss_code if report.authority else "E12000007 (London)",
        "Period": report.period.label,
        "Data cut-off": timezone.localtime(cutoff).strftime("%-d %B %Y at %H:%M:%S %Z"),
        # The exact code and database that made it, not a version number that never changes.
        "Software": build.current().label,
        "Database": database,
        "Requested by": report.requested_by.full_name
        if report.requested_by
        else "Monthly schedule",
        "Threshold": str(report.suppression_threshold),
        "Cells suppressed": "",
        "Rounding": rounding.RULE,
        "Report number": str(report.pk),
    }


def file_stem(report: Report) -> str:
    """The name of a report's files, without the extension: the place (its name and GSS
    code) and the period, never who asked: "your-choice-hackney-E09000012-2026-04-01-to-
    2027-03-31-financial-year"."""
    authority = report.authority
    place = f"{slugify(authority.name)}-{authority.gss_code}" if authority else "london"
    return f"your-choice-{place}-{report.period.file_part}"


def report_generate(report_id: int) -> Report:
    """Compute, suppress and write the files; only then are they attached to the report. The
    PDF waits for its first download (`report_pdf`)."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("authority", "requested_by")
            .get(pk=report_id)
        )
        if report.status == ReportStatus.READY:
            return report  # a redelivered task after success: nothing to do
        if not jobs.started(report, again="Ask for it again, or for a shorter period."):
            return report
    cutoff = timezone.now()
    authority_ids = (
        [report.authority_id]
        if report.authority_id
        else list(Authority.objects.filter(active=True).values_list("pk", flat=True))
    )
    with db.reporting() as alias:
        reading = connections[alias]
        fresh = not reading.in_atomic_block  # tests wrap everything in one transaction
        with transaction.atomic(using=alias):
            if fresh:
                # One snapshot for every query: the figures agree with each other and the cut-off.
                with reading.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            # London's check needs the report each borough would have (`_planned`): its
            # figures come from the same queries, grouped by authority too.
            each = indicators.compute_each(
                indicators.Scope(
                    authority_ids,
                    report.period_start,
                    report.period_end,
                    apart=report.authority_id is None,
                )
            )
            figures = each.pop(None)
            database = build.migration_state(alias)
    threshold = report.suppression_threshold or settings.DISCLOSURE_THRESHOLD
    rows, suppressed = publish.publish(figures, threshold)
    directory = Path(settings.MEDIA_ROOT) / "reports" / str(report.pk)
    with transaction.atomic():
        # One report for a period is checked and published at a time: each is checked
        # against every report already published for the period, so two made at once must
        # not each miss the other.
        lock_period(report.period)
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("authority", "requested_by")
            .get(pk=report_id)
        )
        if report.status == ReportStatus.READY:
            return report  # made by another delivery of the task while this one waited
        check = disclosure_check(report, rows, figures, threshold, each)
        rows = publish.hide(rows, check.hidden)
        suppressed = sum(1 for r in rows if r.suppressed)
        provenance = _provenance(report, cutoff, database)
        provenance["Cells suppressed"] = str(suppressed)
        provenance["Disclosure check"] = check_note(check)
        written = files.write_all(directory, file_stem(report), rows, provenance)
        ReportFile.objects.filter(report=report).delete()
        for w in written:
            ReportFile.objects.create(
                report=report,
                format=w.format,
                file=str(w.path.relative_to(settings.MEDIA_ROOT)),
                size_bytes=w.size_bytes,
                sha256=w.sha256,
            )
        report.status = ReportStatus.READY
        report.finished_at = timezone.now()
        report.data_cutoff = cutoff
        report.software_version = build.current().commit
        report.cells_suppressed = suppressed
        report.results = [r.as_dict() for r in rows]
        report.disclosure_check = check.record()
        report.expires_at = timezone.now() + timedelta(days=settings.REPORT_FILE_DAYS)
        report.failure_reason = ""
        report.save()
    return report


def lock_period(period: Period) -> None:
    """Hold the period's lock until the transaction ends (a PostgreSQL advisory lock, keyed
    by the period's dates, so it needs no row and no table)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
            [PERIOD_LOCK, f"{period.start.isoformat()}/{period.end.isoformat()}"],
        )


#: The first key of the advisory locks on report periods (any fixed number of our own).
PERIOD_LOCK = 7161


def disclosure_check(
    report: Report,
    rows: list[publish.Published],
    figures: list[indicators.Figure],
    threshold: int,
    boroughs: indicators.Placed,
) -> linked.Check:
    """The check of a report's figures against every report already published for its period:
    each place's latest ready report, London's and every authority's (docs/disclosure.md).
    `boroughs`: for London's report, each authority's figures, from the same snapshot."""
    earlier = (
        Report.objects.filter(
            period_start=report.period_start,
            period_end=report.period_end,
            status=ReportStatus.READY,
        )
        .exclude(pk=report.pk)
        .exclude(scope=report.scope, authority=report.authority)
        .order_by("scope", "authority_id", F("finished_at").desc(nulls_last=True))
        .distinct("scope", "authority_id")
        .only("pk", "scope", "authority_id", "results", "disclosure_check")
    )
    sheets = [
        linked.sheet(
            _place(r.authority_id),
            r.results,
            protected=r.disclosure_check.get("protected", []),
            # London's check knows each borough's figures now: where its published report was
            # made from the same data, they are a solution for the check to start from.
            now=boroughs.get(r.authority_id) if r.authority_id is not None else None,
        )
        for r in earlier
    ]
    new = linked.sheet(_place(report.authority_id), [r.as_dict() for r in rows], figures)
    # London's authorities are those its figures were made of; a borough's report is checked
    # against every authority active now.
    active = (
        [pk for pk in boroughs if pk is not None]
        if report.authority_id is None
        else list(Authority.objects.filter(active=True).values_list("pk", flat=True))
    )
    authorities = [_place(pk) for pk in active]
    planning = time.perf_counter()
    if report.authority_id is None:
        # London comes before some of its boroughs: check it against the reports they will
        # have, so that a borough published after it is not given away by London minus the
        # others (a borough's report cannot hide what London has already published).
        published = {r.authority_id for r in earlier}
        for pk in active:
            if pk not in published:
                sheets.append(_planned(pk, boroughs[pk], authorities, threshold))
    planning = time.perf_counter() - planning
    return dataclasses.replace(
        linked.check(new, sheets, authorities, threshold), planning_seconds=planning
    )


def _planned(
    authority_id: int, figures: list[indicators.Figure], authorities: list[str], threshold: int
) -> linked.Sheet:
    """The report an authority would have for the period now (`figures`), checked on its own."""
    rows, _ = publish.publish(figures, threshold)
    place = _place(authority_id)
    alone = linked.check(
        linked.sheet(place, [r.as_dict() for r in rows], figures), [], authorities, threshold
    )
    rows = publish.hide(rows, alone.hidden)
    return linked.sheet(place, [r.as_dict() for r in rows], figures, planned=True)


def _place(authority_id: int | None) -> str:
    return linked.LONDON if authority_id is None else str(authority_id)


def check_note(check: linked.Check) -> str:
    """What the report prints about its disclosure check (one line with no comma: it is a
    line of the CSV file's provenance too)."""
    others = check.reports - 1
    against = (
        f" and the {others} other report{'s' if others != 1 else ''} already published for "
        "the period"
        if others
        else ""
    )
    if check.planned:
        against += (
            f" and the {check.planned} borough report{'s' if check.planned != 1 else ''} "
            "not yet published as they would be now"
        )
    added = len(check.hidden)
    note = (
        f"Made before publishing: {check.checked} hidden or implied counts checked against "
        f"this report's figures{against}. {added} more cell{'s' if added != 1 else ''} "
        "hidden by the check."
    )
    if check.unresolved:
        count = len(check.unresolved)
        note += (
            f" {count} count{'s' if count != 1 else ''} could be narrowed by earlier reports "
            "alone whatever this one hides."
        )
    return note


def report_pdf(page: ReportFile) -> ReportFile:
    """The report's PDF, made from its printable page (`page`, a file the caller has already
    checked the reader may have) the first time anyone asks, then kept with the other files
    and removed with them. It is drawn outside any transaction, holding no lock or database
    connection for the seconds that takes; two people asking at once draw the same file (each
    written under a hidden name, then renamed over it), and the first to record it is kept.
    Raises FileNotFoundError if the page is gone from storage."""
    made = ReportFile.objects.filter(report_id=page.report_id, format=ReportFormat.PDF).first()
    if made is not None:
        return made
    written = files.write_pdf(Path(settings.MEDIA_ROOT) / page.file.name)  # type: ignore[operator]  # a stored file has a name
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=page.report_id)
        made = ReportFile.objects.filter(report=report, format=ReportFormat.PDF).first()
        return made or ReportFile.objects.create(
            report=report,
            format=ReportFormat.PDF,
            file=str(written.path.relative_to(settings.MEDIA_ROOT)),
            size_bytes=written.size_bytes,
            sha256=written.sha256,
        )


def report_fail(report_id: int, reason: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=ReportStatus.READY).update(
        status=ReportStatus.FAILED, failure_reason=reason[:300], finished_at=timezone.now()
    )


def reports_sweep() -> int:
    """Mark reports and extracts stuck running (a worker lost for good) as failed, so they can
    be asked for again, and delete the files of reports past their expiry. Returns how many
    were stuck."""
    now = timezone.now()
    limit = now - timedelta(minutes=settings.REPORT_STUCK_MINUTES)
    stuck = 0
    for model in (Report, Extract):
        stuck += model.objects.filter(status=ReportStatus.RUNNING, started_at__lt=limit).update(
            status=ReportStatus.FAILED,
            failure_reason="It took too long and was stopped. Ask for it again.",
            finished_at=now,
        )
    for report_file in ReportFile.objects.filter(report__expires_at__lt=now):
        (Path(settings.MEDIA_ROOT) / report_file.file.name).unlink(missing_ok=True)  # type: ignore[operator]  # a stored file has a name
        report_file.delete()
    # Hidden folders of files left by workers killed mid-way (never shown to anyone).
    for kind in ("reports", "extracts"):
        files.remove_abandoned(Path(settings.MEDIA_ROOT) / kind, before=limit)
    return stuck


def monthly_reports(today: date | None = None) -> list[Report]:
    """Last month's report for every active authority and for London: on the 1st of each month,
    and when the demo service starts. A place with a ready report for the month keeps it, so
    running this again asks for nothing twice."""
    month = Period.month((today or timezone.localdate()).replace(day=1) - timedelta(days=1))
    start, end = month.start, month.end
    ready = {
        r.authority_id: r
        for r in Report.objects.filter(
            period_start=start, period_end=end, status=ReportStatus.READY
        ).order_by("finished_at")
    }
    places: list[Authority | None] = [*Authority.objects.filter(active=True), None]
    return [
        ready.get(place.pk if place else None)
        or report_request(actor=None, authority=place, start=start, end=end)[0]
        for place in places
    ]
