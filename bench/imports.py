"""Importing existing cases (C11): a borough's history and the whole programme's, each
generated as a workbook (devtools/import_workbook.py) and imported into Hackney as its borough
lead would: uploaded and checked in this process (what the upload page does), then saved by a
real Celery worker (solo pool, so the save runs in the process whose memory is measured), and
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

    started = time.perf_counter()
    batch = services.import_upload(
        actor=lead, authority=authority, files=[(f"{prefix}history.xlsx", data)]
    )
    check_s = time.perf_counter() - started
    assert not batch.problems, batch.problems[:5]
    before = _counts()
    worker, relay = _worker(), _relay()
    try:
        started = time.perf_counter()
        services.import_confirm(
            actor=lead, batch=batch, decisions={d["old_id"]: 0 for d in batch.duplicates}
        )
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            batch.refresh_from_db()
            if batch.status in (ImportStatus.SAVED, ImportStatus.FAILED):
                break
            time.sleep(0.2)
        save_s = time.perf_counter() - started
    finally:
        peak_mb = _stop(worker)
        relay.terminate()
        relay.wait()
    assert batch.status == ImportStatus.SAVED, batch.failure_reason
    assert batch.started_at is not None and batch.saved_at is not None
    # The job's own time, from a worker taking it to its commit; the rest was the worker
    # starting and the relay handing the job over.
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


def main() -> None:
    answer({"imports": [_one(*size) for size in SIZES]})


if __name__ == "__main__":
    main()
