"""Importing existing cases (C11): a borough's history and the whole programme's, each
generated as a workbook (devtools/import_workbook.py) and imported into Hackney as its borough
lead would: uploaded in this process (what the upload page does), then checked and saved by a
real Celery worker (solo pool, so both jobs run in the process whose memory is measured), and
the same file uploaded again, which must create nothing.

Run on a copy of the seeded database (bench/run.py makes it and drops it after), so the
imported records never reach the other steps' figures.
"""

from __future__ import annotations

import time

from accounts import access
from accounts.models import Authority
from bench.common import answer, person
from bench.reports import _relay, _stop, _worker
from cases.models import Episode, YoungPerson
from casework.imports import services
from casework.imports.models import ImportBatch, ImportStatus
from devtools import import_workbook
from sessions.models import SessionLog
from yourchoice.celery import app
from yourchoice.data.errors import DomainError

TIMEOUT = 900

SIZES = [
    ("A borough (80 young people)", 80, "BORO-"),
    ("The programme (2,600 young people)", 2600, "PROG-"),
]


def _counts() -> dict[str, int]:
    return {
        "young_people": YoungPerson.objects.count(),
        "episodes": Episode.objects.count(),
        "sessions": SessionLog.objects.count(),
    }


def _one(label: str, young_people: int, prefix: str) -> dict:
    lead = person("lead")
    authority = Authority.objects.get(pk=access.led_authority_ids(lead)[0])
    coaches = sorted(
        {m.user.email for m in access.allocatable_coaches(authority.pk).select_related("user")}
    )
    started = time.perf_counter()
    sheets = import_workbook.rows(coaches=coaches, young_people=young_people, prefix=prefix)
    data = import_workbook.xlsx_bytes(sheets)
    generate_s = time.perf_counter() - started
    sessions = len(sheets["Sessions"]) - 1

    worker, relay = _worker(), _relay()
    try:
        _ready()  # so the check's figure is the check's, not the worker starting
        # The upload's request: it keeps the file and queues its check.
        started = time.perf_counter()
        batch = services.import_upload(
            actor=lead, authority=authority, files=[(f"{prefix}history.xlsx", data)]
        )
        upload_s = time.perf_counter() - started
        # The check's job, from the upload until the page shows what it found (the relay's
        # hand-over to the worker included).
        _wait(batch, {ImportStatus.CHECKED, ImportStatus.FAILED})
        check_s = time.perf_counter() - started
        assert batch.status == ImportStatus.CHECKED, batch.failure_reason
        assert not batch.problems, batch.problems[:5]
        before = _counts()
        started = time.perf_counter()
        services.import_confirm(
            actor=lead, batch=batch, decisions={d["old_id"]: 0 for d in batch.duplicates}
        )
        _wait(batch, {ImportStatus.SAVED, ImportStatus.FAILED})
        save_s = time.perf_counter() - started
    finally:
        peak_mb = _stop(worker)
        relay.terminate()
        relay.wait()
    assert batch.status == ImportStatus.SAVED, batch.failure_reason
    assert batch.started_at is not None and batch.saved_at is not None
    # The save's own time, from a worker taking it to its commit; the rest was the relay
    # handing the job over.
    job_s = (batch.saved_at - batch.started_at).total_seconds()
    after = _counts()
    again_refused = False
    try:
        services.import_upload(
            actor=lead, authority=authority, files=[(f"{prefix}history.xlsx", data)]
        )
    except DomainError:
        again_refused = True
    records = sum(batch.counts.values())
    return {
        "import": label,
        "young_people": young_people,
        "sessions": sessions,
        "records": records,
        "file_mb": round(len(data) / 1024 / 1024, 1),
        "generate_seconds": round(generate_s, 2),
        "upload_seconds": round(upload_s, 2),
        "check_seconds": round(check_s, 2),
        "save_seconds": round(job_s, 2),
        "confirm_to_saved_seconds": round(save_s, 2),
        "total_seconds": round(check_s + job_s, 2),
        "worker_peak_mb": peak_mb,
        "created_sessions": after["sessions"] - before["sessions"],
        "second_upload_refused": again_refused,
        "second_upload_created": _counts() != after,
        "batches": ImportBatch.objects.count(),
    }


def _ready() -> None:
    """Wait until the worker answers a ping."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1.0):
            return
    raise RuntimeError("The worker did not start.")


def _wait(batch: ImportBatch, statuses: set[str]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in statuses:
            return
        time.sleep(0.1)


def main() -> None:
    answer({"imports": [_one(*size) for size in SIZES]})


if __name__ == "__main__":
    main()
