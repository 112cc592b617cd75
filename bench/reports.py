"""Reports: time to make one, the worker's peak memory, and the same SQL run bare.

A real Celery worker (solo pool, so the report runs in the process whose memory is measured)
makes each report; its peak resident memory comes from the kernel when it exits. The bare figure
is PostgreSQL running the report's own aggregate queries, captured from `indicators.compute_each`
(London's grouped by authority too, as its report runs them), on a plain connection with
nothing else around them: what no report could beat.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Authority
from bench.common import answer, median_ms, person
from devtools import databases
from outcomes.models import Rater, Report, ReportFile, ReportFormat, ReportStatus
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


def _made(authority: Authority | None, start, end) -> tuple[float, dict]:
    """The seconds the job took to make the report, and its disclosure check's record."""
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
    took = (report.finished_at - report.started_at).total_seconds()  # type: ignore[operator]  # READY: both set
    return took, report.disclosure_check


def _bare_sql(authority_ids: list[int], start, end, *, london: bool) -> float:
    """The report's aggregate queries, captured once, then timed on a raw connection."""
    scope = indicators.Scope(authority_ids, start, end, apart=london)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        indicators.compute_each(scope)
    statements = [q["sql"] for q in captured.captured_queries]
    raw = _raw()
    timings = []
    with raw.cursor() as cursor:
        for _ in range(RUNS):
            started = time.perf_counter()
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            for sql in statements:
                cursor.execute(sql)
                if cursor.description is not None:  # not a SET or a savepoint
                    cursor.fetchall()
            cursor.execute("COMMIT")
            timings.append(time.perf_counter() - started)
    raw.close()
    return median_ms(timings) / 1000


def _raw():
    """A plain connection beside Django's, to the same database."""
    return databases.connect(os.environ["DATABASE_URL"])


#: The floor of reading: every row the report aggregates, read once by PostgreSQL and reduced
#: to a count and a sum, with nothing else around it. The rows are the scope's episodes with
#: their young people and referrals; their sessions in the period; the coach's ratings, up to
#: the period's end, of goals on those episodes; and their measure responses. No report can
#: read less than this without keeping figures ahead of time.
BARE_SCAN = """
    WITH ep AS (
        SELECT e.id FROM cases_episode e
        JOIN cases_youngperson yp ON yp.id = e.young_person_id
        LEFT JOIN cases_referral r ON r.episode_id = e.id
        WHERE e.authority_id = ANY(%(authorities)s)
    )
    SELECT
        (SELECT count(*) FROM ep),
        (SELECT count(*) || ':' || sum(s.duration_minutes) FROM coaching_sessionlog s
         JOIN ep ON ep.id = s.episode_id
         WHERE (s.occurred_at AT TIME ZONE 'Europe/London')::date BETWEEN %(start)s AND %(end)s),
        (SELECT count(*) || ':' || sum(gr.score) FROM outcomes_goalrating gr
         JOIN outcomes_goal g ON g.id = gr.goal_id JOIN ep ON ep.id = g.episode_id
         WHERE gr.rated_on <= %(end)s AND gr.rater = 'coach'),
        (SELECT count(*) || ':' || sum(m.total_score) FROM outcomes_measureresponse m
         JOIN ep ON ep.id = m.episode_id)
"""


def _bare_scan(authority_ids: list[int], start, end) -> float:
    timings = []
    raw = _raw()
    with raw.cursor() as cursor:
        for _ in range(RUNS):
            started = time.perf_counter()
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SET LOCAL jit = off")  # as the report runs: reading, not compiling
            cursor.execute(BARE_SCAN, {"authorities": authority_ids, "start": start, "end": end})
            cursor.fetchall()
            cursor.execute("COMMIT")
            timings.append(time.perf_counter() - started)
    raw.close()
    return median_ms(timings) / 1000


#: What an analyst would export: the raw tables, only the columns the figures need, whole.
EXPORTS = {
    "episodes": "SELECT id, young_person_id, authority_id, status, referred_on, started_on, "
    "closed_on FROM cases_episode",
    "people": "SELECT id, date_of_birth, COALESCE(gender, '') AS gender FROM cases_youngperson",
    "sessions": "SELECT episode_id, attendance, occurred_at, created_at FROM coaching_sessionlog",
    "goals": "SELECT id, episode_id FROM outcomes_goal",
    "ratings": "SELECT id, goal_id, score, rated_on, rater FROM outcomes_goalrating",
    "measures": "SELECT m.episode_id, m.occasion, m.total_score, d.code "
    "FROM outcomes_measureresponse m JOIN outcomes_measuredefinition d ON d.id = m.definition_id",
}


def _export() -> dict[str, io.BytesIO]:
    raw = _raw()
    out = {}
    with raw.cursor() as cursor:
        for name, sql in EXPORTS.items():
            buffer = io.BytesIO()
            cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)", buffer)
            buffer.seek(0)
            out[name] = buffer
    raw.close()
    return out


def _pandas_figures(csvs: dict[str, io.BytesIO], authority_ids: list[int], start, end) -> dict:
    """The report's main figures the way an analyst computes them from the exports: referrals
    by gender and age band, sessions by attendance with the attendance rate and completeness,
    goal change per goal and episode, and the SDQ pairs of closed episodes."""
    import pandas as pd  # imported here: only this measurement uses it (a development tool)

    first, last = pd.Timestamp(start), pd.Timestamp(end)
    dates = ["referred_on", "started_on", "closed_on"]
    episodes = pd.read_csv(csvs["episodes"], parse_dates=dates)
    people = pd.read_csv(csvs["people"], parse_dates=["date_of_birth"], keep_default_na=False)
    ep = episodes[episodes.authority_id.isin(authority_ids)].merge(
        people, left_on="young_person_id", right_on="id", suffixes=("", "_yp")
    )
    referred = ep[ep.referred_on.between(first, last)].copy()
    ref, dob = referred.referred_on, referred.date_of_birth
    before_birthday = (ref.dt.month < dob.dt.month) | (
        (ref.dt.month == dob.dt.month) & (ref.dt.day < dob.dt.day)
    )
    referred["age"] = ref.dt.year - dob.dt.year - before_birthday.astype(int)
    referred["age_band"] = pd.cut(referred.age, [-1, 10, 13, 15, 17, 200]).astype(str)
    by_gender = referred.groupby("gender").agg(
        episodes=("id", "size"), young_people=("young_person_id", "nunique")
    )
    by_age = referred.groupby("age_band").agg(
        episodes=("id", "size"), young_people=("young_person_id", "nunique")
    )

    sessions = pd.read_csv(csvs["sessions"])
    occurred = pd.to_datetime(sessions.occurred_at, utc=True, format="ISO8601")
    created = pd.to_datetime(sessions.created_at, utc=True, format="ISO8601")
    day = occurred.dt.tz_convert("Europe/London").dt.tz_localize(None).dt.normalize()
    inside = day.between(first, last) & sessions.episode_id.isin(ep.id)
    s = sessions[inside].merge(ep[["id", "young_person_id"]], left_on="episode_id", right_on="id")
    attendance = s.attendance.value_counts()
    offered = sum(attendance.get(a, 0) for a in ("attended", "did_not_attend",
                                                   "cancelled_young_person"))  # fmt: skip
    on_time = ((created[inside] - occurred[inside]) <= pd.Timedelta(days=7)).sum()

    worked = ep[(ep.started_on <= last) & (ep.closed_on.isna() | (ep.closed_on >= first))
                & (ep.status != "not_taken_on")]  # fmt: skip
    goals = pd.read_csv(csvs["goals"])
    ratings = pd.read_csv(csvs["ratings"], parse_dates=["rated_on"])
    by_coach = ratings.rater == Rater.COACH.value  # the coach's own ratings, as the report reads
    rated = ratings[by_coach & (ratings.rated_on <= last)].merge(
        goals[goals.episode_id.isin(worked.id)], left_on="goal_id", right_on="id",
        suffixes=("", "_goal"),
    )  # fmt: skip
    rated = rated.sort_values(["goal_id", "rated_on", "id"])
    per_goal = rated.groupby("goal_id").agg(
        episode_id=("episode_id", "first"), first=("score", "first"), last=("score", "last"),
        ratings=("score", "size"),
    )  # fmt: skip
    per_goal = per_goal[per_goal.ratings >= 2]
    change = per_goal["last"] - per_goal["first"]
    best = change.groupby(per_goal.episode_id).max()

    closed = ep[(ep.status == "closed") & ep.closed_on.between(first, last)]
    measures = pd.read_csv(csvs["measures"])
    sdq = measures[(measures.code == "sdq-self-report") & measures.total_score.notna()]
    pairs = (
        closed[["id"]]
        .merge(sdq[sdq.occasion == "baseline"], left_on="id", right_on="episode_id")
        .merge(sdq[sdq.occasion == "end"], on="episode_id", suffixes=("_b", "_e"))
    )
    return {
        "referrals": len(referred),
        "by_gender": len(by_gender),
        "by_age": len(by_age),
        "sessions_attended": int(attendance.get("attended", 0)),
        "attendance_rate": attendance.get("attended", 0) / offered if offered else None,
        "on_time": int(on_time),
        "goals_rated_twice": len(per_goal),
        "episodes_with_goal_rated_twice": len(best),
        "mean_goal_change": float(change.mean()) if len(change) else None,
        "sdq_pairs": len(pairs),
        "sdq_mean_change": float((pairs.total_score_e - pairs.total_score_b).mean())
        if len(pairs)
        else None,
    }


def _pandas_route(authority_ids: list[int], start, end) -> tuple[float, float, dict]:
    """Median export seconds and compute seconds of an analyst's route, and its figures."""
    exports, computes, figures = [], [], {}
    for _ in range(RUNS):
        started = time.perf_counter()
        csvs = _export()
        exported = time.perf_counter()
        figures = _pandas_figures(csvs, authority_ids, start, end)
        exports.append(exported - started)
        computes.append(time.perf_counter() - exported)
    return median_ms(exports) / 1000, median_ms(computes) / 1000, figures


def _agrees(figures: dict, authority_ids: list[int], start, end) -> bool:
    """The analyst's figures are the report's: the route is timed doing the same work."""
    with transaction.atomic():
        made = {
            f.indicator: f.value
            for f in indicators.compute(indicators.Scope(authority_ids, start, end))
            if f.breakdown == "All"
        }
    return (
        made[indicators.REFERRALS_RECEIVED] == figures["referrals"]
        and made["Sessions attended"] == figures["sessions_attended"]
        and made["Goals rated twice"] == figures["goals_rated_twice"]
        and made["Episodes with a goal rated twice"] == figures["episodes_with_goal_rated_twice"]
        and made["Closed episodes with a baseline and end SDQ"] == figures["sdq_pairs"]
    )


def _first_pdf(authority: Authority | None) -> float:
    """Seconds to make the PDF of the latest of these reports, as its first download does."""
    report = Report.objects.filter(authority=authority, status=ReportStatus.READY).latest(
        "finished_at"
    )
    ReportFile.objects.filter(report=report, format=ReportFormat.PDF).delete()
    started = time.perf_counter()
    services.report_pdf(report.files.get(format=ReportFormat.HTML))
    return time.perf_counter() - started


def main() -> None:
    start, end = _period()
    hackney = Authority.objects.get(gss_code="E09000012")
    everyone = list(Authority.objects.filter(active=True).values_list("pk", flat=True))
    # Each run starts where a fresh database does: no report for the period but those this
    # step makes (Hackney's, ready when London's are made), whatever an earlier run left.
    Report.objects.filter(period_start=start, period_end=end).delete()
    results = []
    for label, authority, ids in [
        ("One authority (Hackney)", hackney, [hackney.pk]),
        ("All of London", None, everyone),
    ]:
        Report.objects.filter(authority=authority).delete()
        worker, relay = _worker(), _relay()
        try:
            made = sorted((_made(authority, start, end) for _ in range(RUNS)), key=lambda m: m[0])
        finally:
            peak_mb = _stop(worker)
            relay.terminate()
            relay.wait()
        bare = _bare_sql(ids, start, end, london=authority is None)
        report_s, check = made[len(made) // 2]
        result = {
            "report": label,
            "period": f"{start} to {end}",
            "seconds": round(report_s, 3),
            "bare_sql_seconds": round(bare, 3),
            "ratio": round(report_s / bare, 2),
            "worker_peak_mb": peak_mb,
            "first_pdf_seconds": round(_first_pdf(authority), 3),
        }
        if authority is None:
            # London's floors: reading its rows once, and an analyst's route to its figures.
            scan = _bare_scan(ids, start, end)
            export_s, compute_s, figures = _pandas_route(ids, start, end)
            # Where the time goes: the disclosure check (London's own, and the boroughs'
            # reports it plans for) costs by the cells published, not by the rows read.
            checking = check["seconds"] + check["planning_seconds"]
            rest = report_s - checking
            result |= {
                "check_seconds": round(check["seconds"], 3),
                "planning_seconds": round(check["planning_seconds"], 3),
                "planned": check["planned"],
                "rest_seconds": round(rest, 3),
                "rest_scan_ratio": round(rest / scan, 2),
                "rest_pandas_speedup": round((export_s + compute_s) / rest, 2),
                "bare_scan_seconds": round(scan, 3),
                "scan_ratio": round(report_s / scan, 2),
                "pandas_export_seconds": round(export_s, 3),
                "pandas_compute_seconds": round(compute_s, 3),
                "pandas_speedup": round((export_s + compute_s) / report_s, 2),
                "pandas_agrees": _agrees(figures, ids, start, end),
            }
        results.append(result)
    answer({"reports": results})


if __name__ == "__main__":
    main()
