"""Load: many people at once, over real HTTP, against gunicorn with a real Celery worker.

Two runs, each against a fresh gunicorn:

- `logging`: coaches posting the log-a-session form as fast as the server answers, for a set
  time, against the same clients posting to a baseline view that inserts one row. Reports
  sessions per second, p95 latency, errors, and whether every session the server acknowledged
  (a redirect back to the young person's page) is in the database afterwards.
- `mixed`: a working day compressed: coaches reading their caseload and a young person's page
  and logging sessions; supervisors on their review, drilling into a coach and a case; borough
  leads on their list, asking for a report, waiting for it and downloading the CSV. Every
  simulated person pauses between steps as a person would. Any 5xx, failed connection or
  unexpected answer is an error.

Each simulated person is a real account signed in through both steps (a session made the way
the sign-in pages make it), with its own connection and CSRF token.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from accounts import access
from accounts.models import User
from bench.common import answer, signed_in
from cases.models import Episode
from outcomes.models import Goal
from outcomes.reports.forms import month_choices
from sessions.models import SessionLog, Technique

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn (and, for the mixed run, the job relay and a Celery worker) for the length of a
    `with` block."""

    def __init__(self, *, worker: bool, env: dict[str, str] | None = None) -> None:
        self.port = _free_port()
        self.env = env or {}
        self.workers = 2 * (os.cpu_count() or 1) + 1  # gunicorn's own rule of thumb
        self.with_worker = worker
        self.children: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Server:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", **self.env}
        self.children.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "bench.wsgi",
                    "--bind",
                    f"{HOST}:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--timeout",
                    "120",
                    "--log-level",
                    "warning",
                ],
                env=env,
            )  # fmt: skip
        )
        if self.with_worker:
            self.children.append(
                subprocess.Popen(
                    [sys.executable, str(settings.BASE_DIR / "manage.py"), "relay_jobs"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                )
            )
            self.children.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "yourchoice",
                        "worker",
                        "-l",
                        "warning",
                        "--concurrency",
                        "2",
                        "--without-heartbeat",
                        "--without-mingle",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                )  # fmt: skip
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                conn.request("GET", "/health/")
                if conn.getresponse().status in (200, 503):
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        for child in self.children:
            child.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()


@dataclass
class Record:
    """Every request made, by every simulated person, and the sessions acknowledged."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[tuple[str, int, float, bool]] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, status: int, seconds: float, ok: bool) -> None:
        with self.lock:
            self.requests.append((kind, status, seconds, ok))
            if not ok:
                key = f"{kind}: {status or 'no answer'}"
                self.errors[key] = self.errors.get(key, 0) + 1


class Browser:
    """One person's connection: their session cookie and CSRF token on every request."""

    def __init__(self, port: int, user: User, record: Record) -> None:
        self.port = port
        self.record = record
        self.session = signed_in(user).cookies[settings.SESSION_COOKIE_NAME].value
        self.csrf = secrets.token_hex(16)  # a CSRF secret of 32 characters, as Django makes
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)

    def request(
        self, kind: str, method: str, path: str, form: list[tuple[str, str]] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
        headers = {
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session}; "
            f"{settings.CSRF_COOKIE_NAME}={self.csrf}",
        }
        body = None
        if form is not None:
            body = urllib.parse.urlencode([("csrfmiddlewaretoken", self.csrf), *form])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
            status, answer_headers = response.status, dict(response.getheaders())
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
            status, answer_headers, content = 0, {}, b""
        self.record.add(kind, status, time.perf_counter() - started, status in expect)
        return status, answer_headers, content


@dataclass
class Case:
    episode_id: int
    young_person_id: int
    goal_ids: list[int]


def _cases_by_coach(coach_ids: list[int]) -> dict[int, list[Case]]:
    episodes = Episode.objects.filter(coach_id__in=coach_ids, status="active")
    goals: dict[int, list[int]] = {}
    for goal_id, episode_id in Goal.objects.filter(episode__in=episodes, status="live").values_list(
        "pk", "episode_id"
    ):
        goals.setdefault(episode_id, []).append(goal_id)
    found: dict[int, list[Case]] = {}
    for pk, yp, coach in episodes.values_list("pk", "young_person_id", "coach_id"):
        found.setdefault(coach, []).append(Case(pk, yp, goals.get(pk, [])))
    return found


def _coaches(count: int) -> tuple[list[User], dict[int, list[Case]]]:
    """Coaches with active cases, the generated ones (not the demo's named few)."""
    candidates: list[User] = list(
        User.objects.filter(memberships__in=access.coach_memberships())
        .annotate(active=Count("episodes", filter=Q(episodes__status="active")))
        .filter(active__gte=2)
        .order_by("pk")[:count]
    )
    return candidates, _cases_by_coach([c.pk for c in candidates])


def _session_form(case: Case, technique: int) -> list[tuple[str, str]]:
    now = timezone.localtime()
    form = [
        ("idempotency_key", str(uuid.uuid4())),
        ("occurred_on", now.date().isoformat()),
        ("occurred_time", now.strftime("%H:%M")),
        ("attendance", "attended"),
        ("duration_minutes", "60"),
        ("place", "community"),
        ("techniques", str(technique)),
        ("feeling_start", "4"),
        ("feeling_end", "6"),
        ("notes", "Talked through the week."),
    ]
    form += [(f"goal_{goal}", str(random.randint(3, 8))) for goal in case.goal_ids]
    return form


def _log_session(browser: Browser, case: Case, technique: int) -> None:
    form = _session_form(case, technique)
    status, headers, _ = browser.request(
        "log a session", "POST", f"/young-people/{case.young_person_id}/sessions/new/", form,
        expect=(302,),
    )  # fmt: skip
    if status == 302 and f"/young-people/{case.young_person_id}/" in headers.get("Location", ""):
        with browser.record.lock:
            browser.record.acknowledged.append(form[0][1])


def _summary(record: Record, seconds: float, people: int) -> dict:
    times = sorted(t for _, _, t, _ in record.requests)
    p95 = times[int(len(times) * 0.95) - 1] if times else 0.0
    return {
        "people": people,
        "seconds": round(seconds, 1),
        "requests": len(record.requests),
        "per_second": round(len(record.requests) / seconds, 1),
        "p95_ms": round(p95 * 1000, 1),
        "errors": sum(record.errors.values()),
        "error_kinds": record.errors,
    }


def _stored(keys: list[str]) -> int:
    stored = 0
    for i in range(0, len(keys), 5000):
        stored += SessionLog.objects.filter(idempotency_key__in=keys[i : i + 5000]).count()
    return stored


def _until(deadline: float, step) -> None:
    while time.monotonic() < deadline:
        step()


def logging_run(seconds: float, clients: int) -> dict:
    """Sessions posted flat out, against a one-row insert under the same load."""
    coaches, cases = _coaches(clients)
    technique = Technique.objects.filter(active=True).values_list("pk", flat=True).first()
    assert technique is not None, "the demo data has active techniques"
    results = {}
    for label in ("baseline", "sessions"):
        record = Record()
        with Server(worker=False) as server:
            browsers = [(Browser(server.port, c, record), cases[c.pk]) for c in coaches]

            def work(browser: Browser, own: list[Case], label: str = label) -> None:
                deadline = time.monotonic() + seconds
                if label == "baseline":
                    _until(deadline, lambda: browser.request(
                        "baseline insert", "POST", "/bench/baseline-insert/",
                        [("idempotency_key", str(uuid.uuid4()))], expect=(204,)))  # fmt: skip
                else:
                    _until(deadline, lambda: _log_session(browser, random.choice(own), technique))

            started = time.monotonic()
            threads = [threading.Thread(target=work, args=b) for b in browsers]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
        results[label] = _summary(record, elapsed, len(browsers))
        if label == "sessions":
            results[label]["acknowledged"] = len(record.acknowledged)
            results[label]["stored"] = _stored(record.acknowledged)
    results["ratio"] = round(
        results["sessions"]["per_second"] / results["baseline"]["per_second"], 2
    )
    return results


# --- The mixed day --------------------------------------------------------------------------------


def _think(deadline: float, low: float, high: float) -> bool:
    time.sleep(min(random.uniform(low, high), max(0.0, deadline - time.monotonic())))
    return time.monotonic() < deadline


def _coach_day(browser: Browser, own: list[Case], technique: int, deadline: float) -> None:
    while _think(deadline, 2, 8):
        browser.request("coach: caseload", "GET", "/")
        case = random.choice(own)
        if not _think(deadline, 2, 6):
            break
        browser.request("coach: young person", "GET", f"/young-people/{case.young_person_id}/")
        if random.random() < 0.6 and _think(deadline, 3, 10):
            browser.request(
                "coach: session form", "GET", f"/young-people/{case.young_person_id}/sessions/new/"
            )
            _log_session(browser, case, technique)


def _supervisor_day(browser: Browser, deadline: float) -> None:
    while _think(deadline, 3, 10):
        _, _, body = browser.request("supervisor: review", "GET", "/supervision/review/")
        coaches = re.findall(rb"\?coach=(\d+)", body)
        if coaches and _think(deadline, 2, 6):
            coach = random.choice(coaches).decode()
            _, _, body = browser.request(
                "supervisor: coach", "GET", f"/supervision/review/?coach={coach}"
            )
            cases = re.findall(rb'href="/young-people/(\d+)/"', body)
            if cases and _think(deadline, 2, 6):
                browser.request(
                    "supervisor: case", "GET", f"/young-people/{random.choice(cases).decode()}/"
                )


def _lead_day(browser: Browser, authority_id: int, deadline: float) -> None:

    while _think(deadline, 3, 10):
        browser.request("lead: authority list", "GET", "/")
        if not _think(deadline, 2, 8):
            break
        month = random.choice(month_choices())[0]
        browser.request(
            "lead: ask for a report", "POST", "/reports/",
            [("place", str(authority_id)), ("period", "month"), ("month", month)],
            expect=(302,),
        )  # fmt: skip
        # Wait for it as a person would: look again every few seconds, then download.
        for _ in range(20):
            if not _think(deadline, 2, 4):
                return
            _, _, body = browser.request("lead: reports", "GET", "/reports/")
            links = re.findall(rb'href="(/reports/\d+/csv/)"', body)
            if links:
                browser.request("lead: download CSV", "GET", links[0].decode())
                break


def mixed_run(seconds: float, users: int) -> dict:
    coaches_n, supervisors_n = int(users * 0.7), int(users * 0.2)
    leads_n = users - coaches_n - supervisors_n
    coaches, cases = _coaches(coaches_n)
    supervisors = list(
        User.objects.filter(memberships__in=access.supervisor_memberships()).order_by("pk")[
            :supervisors_n
        ]
    )
    leads = list(access.lead_memberships().select_related("user").order_by("pk")[:leads_n])
    technique = Technique.objects.filter(active=True).values_list("pk", flat=True).first()
    record = Record()
    with Server(worker=True) as server:
        deadline = time.monotonic() + seconds
        jobs: list[tuple[Callable[..., None], tuple[Any, ...]]] = [
            (_coach_day, (Browser(server.port, c, record), cases[c.pk], technique, deadline))
            for c in coaches
        ]
        jobs += [
            (_supervisor_day, (Browser(server.port, s, record), deadline)) for s in supervisors
        ]
        jobs += [
            (_lead_day, (Browser(server.port, m.user, record), m.authority_id, deadline))
            for m in leads
        ]
        started = time.monotonic()
        threads = [threading.Thread(target=fn, args=args) for fn, args in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    result = _summary(record, elapsed, len(jobs))
    result["acknowledged"] = len(record.acknowledged)
    result["stored"] = _stored(record.acknowledged)
    result["by_kind"] = {
        kind: sum(1 for k, _, _, _ in record.requests if k == kind)
        for kind in sorted({k for k, _, _, _ in record.requests})
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", choices=["logging", "mixed"])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--people", type=int, default=16)
    args = parser.parse_args()
    if args.run == "logging":
        answer({"logging": logging_run(args.seconds, args.people)})
    else:
        answer({"mixed": mixed_run(args.seconds, args.people)})


if __name__ == "__main__":
    main()
