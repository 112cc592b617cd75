"""Reports: time to make one, the worker's peak memory, and the same SQL run bare.

A real Celery worker (solo pool, so the report runs in the process whose memory is measured)
makes each report; its peak resident memory comes from the kernel when it exits. The bare figure
is PostgreSQL running the report's own aggregate queries, captured from `indicators.compute`,
on a plain connection with nothing else around them: what no report could beat.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta

import psycopg2
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Authority
from bench.common import answer, median_ms, person
from outcomes.models import Report, ReportStatus
from outcomes.reports import indicators, services

RUNS = 3
TIMEOUT = 900


def _period():
    """The last twelve whole months: what a programme lead asks for at the year's end."""
    end = timezone.localdate().replace(day=1) - timedelta(days=1)
    month, year = end.month - 11, end.year
    if month < 1:
        month, year = month + 12, year - 1
    return date(year, month, 1), end


def _worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "yourchoice", "worker", "-P", "solo",
         "-Q", "reports", "-l", "warning", "--without-heartbeat", "--without-mingle"],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )  # fmt: skip


def _relay() -> subprocess.Popen[bytes]:
    """The job relay, which hands each requested report from the outbox to the worker."""
    return subprocess.Popen(
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "relay_jobs"],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )


def _stop(worker: subprocess.Popen[bytes]) -> int:
    """Stop the worker and return its peak resident memory in MB (from wait4's rusage)."""
    worker.send_signal(signal.SIGTERM)
    _, _, usage = os.wait4(worker.pid, 0)
    worker.returncode = 0
    return round(usage.ru_maxrss / 1024)  # kilobytes on Linux


def _made(authority: Authority | None, start, end) -> float:
    report, _ = services.report_request(
        actor=person("programme"), authority=authority, start=start, end=end
    )
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in (ReportStatus.READY, ReportStatus.FAILED):
            break
        time.sleep(0.2)
    assert report.status == ReportStatus.READY, f"report {report.pk}: {report.status}"
    return (report.finished_at - report.started_at).total_seconds()  # type: ignore[operator]  # READY: both set


def _bare_sql(authority_ids: list[int], start, end) -> float:
    """The report's aggregate queries, captured once, then timed on a raw connection."""
    scope = indicators.Scope(authority_ids, start, end)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        indicators.compute(scope)
    statements = [q["sql"] for q in captured.captured_queries]
    db = settings.DATABASES["default"]
    raw = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"],
        port=db["PORT"] or None,
    )  # fmt: skip
    timings = []
    with raw.cursor() as cursor:
        for _ in range(RUNS):
            started = time.perf_counter()
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            cursor.execute("COMMIT")
            timings.append(time.perf_counter() - started)
    raw.close()
    return median_ms(timings) / 1000


def main() -> None:
    start, end = _period()
    hackney = Authority.objects.get(gss_code="E09000012")
    everyone = list(Authority.objects.filter(active=True).values_list("pk", flat=True))
    results = []
    for label, authority, ids in [
        ("One authority (Hackney)", hackney, [hackney.pk]),
        ("All of London", None, everyone),
    ]:
        Report.objects.filter(authority=authority).delete()
        worker, relay = _worker(), _relay()
        try:
            times = [_made(authority, start, end) for _ in range(RUNS)]
        finally:
            peak_mb = _stop(worker)
            relay.terminate()
            relay.wait()
        bare = _bare_sql(ids, start, end)
        report_s = sorted(times)[len(times) // 2]
        results.append(
            {
                "report": label,
                "period": f"{start} to {end}",
                "seconds": round(report_s, 3),
                "bare_sql_seconds": round(bare, 3),
                "ratio": round(report_s / bare, 2),
                "worker_peak_mb": peak_mb,
            }
        )
    answer({"reports": results})


if __name__ == "__main__":
    main()
