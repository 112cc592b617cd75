"""Uploading, checking, confirming and saving an import (C11, docs/import.md).

`import_upload` keeps the file on a batch and queues its check, through the outbox;
`import_check` (the job) reads and checks it and keeps what the check found; nothing of the
file's records is saved. `import_confirm` takes the lead's answers about
possible duplicates and queues the save, through the outbox. `import_save` (the job) reads and
checks the file again, against the records as they are now, and writes every record in one
transaction, in bulk, with each record's audit event marked as imported: all of it or, if
anything is wrong, none of it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from cases.models import (
    Allocation,
    AllocationKind,
    Episode,
    EpisodeStatus,
    EpisodeStatusChange,
    Referral,
    YoungPerson,
)
from cases.notifications.models import NotificationKind
from cases.notifications.services import notify
from cases.services import YoungPersonDetails, reserve_references
from casework.imports import reading, rules
from casework.imports.models import ImportBatch, ImportedRecord, ImportStatus, Sheet
from outcomes import summary as outcome_summary
from outcomes.models import (
    SDQ_CODE,
    EntryMode,
    Goal,
    GoalRating,
    GoalStatus,
    MeasureDefinition,
    MeasureResponse,
)
from sessions.models import SessionLog
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data import bulk, dates
from yourchoice.data.errors import DomainError
from yourchoice.jobs import queue
from yourchoice.jobs.steps import given_up

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import Authority, User

logger = logging.getLogger(__name__)

#: Rows written at a time (each table's, then their events and mapping): large enough to be
#: quick, small enough to keep memory flat.
CHUNK = 10_000

#: Mapping labels for the records an import makes.
LABELS = {
    Sheet.YOUNG_PEOPLE: "cases.youngperson",
    Sheet.CASES: "cases.episode",
    Sheet.SESSIONS: "coaching.sessionlog",
    Sheet.GOALS: "outcomes.goal",
    Sheet.GOAL_RATINGS: "outcomes.goalrating",
    Sheet.SDQS: "outcomes.measureresponse",
}


class ImportRefused(DomainError):
    """The file has problems: every one, row by row, and nothing saved."""

    def __init__(self, problems: list[rules.Problem]) -> None:
        self.problems = problems
        super().__init__(
            f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}: nothing "
            "has been saved."
        )


def _require_lead(actor: User, authority: Authority) -> None:
    access.require(actor, Perm.IMPORT)
    if authority.pk not in access.led_authority_ids(actor):
        raise PermissionDenied


def _fingerprint(files: list[tuple[str, bytes]]) -> str:
    """The SHA-256 of the file; of several CSV files, of their own SHA-256s in name order, so
    the same files make the same fingerprint whatever order they were chosen in."""
    if len(files) == 1:
        return hashlib.sha256(files[0][1]).hexdigest()
    each = sorted(f"{name}:{hashlib.sha256(data).hexdigest()}" for name, data in files)
    return hashlib.sha256("\n".join(each).encode()).hexdigest()


def read_uploads(uploads: list[UploadedFile]) -> list[tuple[str, bytes]]:
    """The uploaded files' names and contents, refusing what is too large before reading it."""
    if not uploads:
        raise DomainError({"upload": ["Choose the file to import."]})
    total = sum(u.size or 0 for u in uploads)
    if total > reading.MAX_BYTES:
        raise DomainError(
            {
                "upload": [
                    f"The file is {total / 1024 / 1024:.0f} MB: the most that can be imported at "
                    f"once is {reading.MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
                ]
            }
        )
    found = []
    for upload in uploads:
        name = (upload.name or "upload").rsplit("/", 1)[-1][:200]
        found.append((name, upload.read()))
    return found


@transaction.atomic
def import_upload(
    *, actor: User, authority: Authority, files: list[tuple[str, bytes]]
) -> ImportBatch:
    """Take a file to import (C11) and queue its check (`import_check`), so the request
    answers at once however large the file. What needs nothing read is refused here
    (DomainError), with nothing kept: a file over 50 MB, the wrong kind of file, a file already
    imported. The file is kept on a new batch, "Checking", for the job; the same file sent
    again while it is being checked (a second press of the button) is the same batch."""
    _require_lead(actor, authority)
    size = sum(len(data) for _, data in files)
    if size > reading.MAX_BYTES:
        raise DomainError(
            {"upload": ["The file is larger than 50 MB. Split it into smaller files."]}
        )
    sha256 = _fingerprint(files)
    earlier = (
        ImportBatch.objects.filter(authority=authority, sha256=sha256, status=ImportStatus.SAVED)
        .order_by("saved_at")
        .first()
    )
    if earlier is not None:
        assert earlier.saved_at is not None
        raise DomainError(
            {
                "upload": [
                    "This file was imported on "
                    f"{dates.long_form(timezone.localdate(earlier.saved_at))} (import "
                    f"{earlier.pk}): nothing in it is imported twice."
                ]
            }
        )
    try:
        reading.refuse_kinds(files)
    except reading.FileRefused as refusal:
        raise DomainError({"upload": [f"{refusal} Nothing has been imported."]}) from None
    checking = ImportBatch.objects.filter(
        authority=authority, uploaded_by=actor, sha256=sha256, status=ImportStatus.CHECKING
    ).first()
    if checking is not None:
        return checking
    file_name = ", ".join(name for name, _ in files)[:200]
    batch = ImportBatch(
        authority=authority,
        uploaded_by=actor,
        file_name=file_name,
        sha256=sha256,
        size_bytes=size,
        status=ImportStatus.CHECKING,
    )
    batch.file.save("uploaded.zip", ContentFile(reading.uploaded_bytes(files)), save=False)
    batch.save()
    from casework.imports.tasks import check_import  # the task calls this module: on use

    queue.send_after_commit(
        check_import,
        batch.pk,
        delayed="The file is uploaded, but checking it is delayed: it will start when the "
        "service catches up.",
    )
    return batch


def import_check(batch_id: int) -> ImportBatch | None:
    """The job: read and check an uploaded file, and keep what the check found on its batch:
    what would be created, every problem row by row, and the possible duplicates; and, only
    when there is no problem, the rows as read, for the save. A file that cannot be read as the
    template is refused whole, with its reason ("Not saved"). Nothing of the file's records is
    saved either way. A batch no longer being checked is left alone."""
    batch = _started(batch_id, [ImportStatus.CHECKING], "Checking the file")
    if batch is None:
        return None
    actor = batch.uploaded_by
    authority = batch.authority
    if not actor.is_active or authority.pk not in access.led_authority_ids(actor):
        import_fail(batch_id, "The person who uploaded the file no longer leads this authority.")
        return None
    progress = _Progress(batch_id, 0)  # no total yet: "Reading the file."
    try:
        batch.file.open("rb")
        try:
            files = reading.read_uploaded(batch.file.read())
        finally:
            batch.file.close()
        try:
            tables = reading.read_files(files)
        except reading.FileRefused as refusal:
            import_fail(batch_id, f"{refusal} Nothing has been imported.")
            return None
        del files
        progress.total = sum(len(t.rows) for t in tables)
        progress.step(0)
        plan = rules.check(tables, authority=authority, actor=actor, progress=progress.step)
        kept = None if plan.problems else reading.kept_bytes(tables)
        del tables
    finally:
        progress.close()
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != ImportStatus.CHECKING:
            return None
        uploaded = str(batch.file.name)
        batch.status = ImportStatus.CHECKED
        batch.counts = plan.counts
        batch.already_imported = plan.already_imported
        batch.problems = [p.as_dict() for p in plan.problems]
        batch.duplicates = [d.as_dict() for d in plan.duplicates]
        batch.progress_done = batch.progress_total = 0
        if kept is not None:
            # Kept as the rows read (reading.kept_bytes), for the save's job to check again
            # without reading the workbook again.
            batch.file.save("checked.zip", ContentFile(kept), save=False)
        else:
            batch.file = ""  # an empty FieldFile is stored as ""
        batch.save()
        audit.record(
            actor=actor,
            action=AuditAction.IMPORT_CHECK,
            obj=batch,
            authority_id=authority.pk,
            file_name=batch.file_name,
            sha256=batch.sha256,
            counts=plan.counts,
            problems=len(plan.problems),
            possible_duplicates=len(plan.duplicates),
        )
        storage = batch.file.storage
        transaction.on_commit(lambda: storage.delete(uploaded))
    return batch


@transaction.atomic
def import_confirm(*, actor: User, batch: ImportBatch, decisions: dict[str, int]) -> ImportBatch:
    """The lead confirms a checked file with no problems, answering for each possible
    duplicate whether it is the young person already recorded (their id) or not (0); the
    save is queued. Confirming twice queues one save."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _require_lead(actor, batch.authority)
    if batch.status != ImportStatus.CHECKED:
        if batch.in_progress or batch.is_saved:
            return batch  # a second press of the button: the save is already under way
        raise DomainError("This file cannot be saved now. Upload it again.")
    if batch.problems:
        raise DomainError("Fix the problems in the file and upload it again.")
    errors: dict[str, list[str]] = {}
    answers: dict[str, int] = {}
    for n, duplicate in enumerate(batch.duplicates):
        allowed = {0} | {c["id"] for c in duplicate["candidates"]}
        chosen = decisions.get(duplicate["old_id"])
        if chosen is None or chosen not in allowed:
            errors[f"duplicate_{n}"] = [
                f"Say whether young person “{duplicate['old_id']}” (Young people, row "
                f"{duplicate['row']}) is someone already recorded."
            ]
        else:
            answers[duplicate["old_id"]] = chosen
    if errors:
        raise DomainError(errors)
    batch.decisions = answers
    batch.status = ImportStatus.QUEUED
    batch.progress_done = batch.progress_total = 0
    try:
        with transaction.atomic():
            batch.save(update_fields=["decisions", "status", "progress_done", "progress_total"])
    except IntegrityError:
        raise DomainError(
            "This file is already being imported, or has been: nothing in it is imported twice."
        ) from None
    audit.record(
        actor=actor,
        action=AuditAction.IMPORT_CONFIRM,
        obj=batch,
        authority_id=batch.authority_id,
        file_name=batch.file_name,
        sha256=batch.sha256,
        matched=sum(1 for v in answers.values() if v),
    )
    from casework.imports.tasks import save_import  # the task calls this module: on use

    queue.send_after_commit(
        save_import,
        batch.pk,
        delayed="The file is saved for importing, but the import is delayed: it will start "
        "when the service catches up.",
    )
    return batch


def _started(
    batch_id: int, statuses: list[ImportStatus], step: str, **changes: Any
) -> ImportBatch | None:
    """Claim the batch for a job's start, if it is in one of `statuses`, counting the start
    and hearing from the job (`changes`: more fields to set). None if it is not: another job
    took it, or it was given up. A batch whose jobs have started JOB_STARTS times before
    (each one's worker died, and the job was delivered again) is given up, with its reason."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status__in=statuses).update(
        job_starts=F("job_starts") + 1, heard_at=timezone.now(), **changes
    )
    if not claimed:
        return None
    batch = ImportBatch.objects.select_related("authority", "uploaded_by").get(pk=batch_id)
    if batch.job_starts > settings.JOB_STARTS:
        import_fail(
            batch_id,
            given_up(
                step,
                settings.JOB_STARTS,
                "Nothing was saved: split it into smaller files and upload them.",
            ),
        )
        return None
    return batch


#: Why a batch whose job was lost failed, by what it was doing.
_LOST = {
    ImportStatus.CHECKING: "Checking the file stopped and did not finish. Nothing was saved: "
    "upload it again.",
    ImportStatus.SAVING: "Saving the file stopped and did not finish. Nothing was saved: "
    "upload it again.",
}


def imports_sweep() -> int:
    """Mark as failed each batch being checked or saved whose job has said nothing for
    IMPORT_STUCK_MINUTES (its job was lost for good: a worker killed has its job delivered
    again well before then), so that the lead is told and can upload the file again. Returns
    how many. Each is checked again under its lock, so a job starting on it at that moment
    keeps it."""
    limit = timezone.now() - timedelta(minutes=settings.IMPORT_STUCK_MINUTES)
    silent = ImportBatch.objects.filter(status__in=list(_LOST), heard_at__lt=limit)
    failed = 0
    for pk in silent.values_list("pk", flat=True):
        with transaction.atomic():
            batch = silent.select_for_update().filter(pk=pk).first()
            if batch is not None:
                import_fail(pk, _LOST[ImportStatus(batch.status)])
                failed += 1
    return failed


class _Progress:
    """How far a save has got, written on a connection of its own so the page can show it
    while the save's own transaction is still open (nothing of it is visible until it commits)."""

    def __init__(self, batch_id: int, total: int) -> None:
        self.batch_id = batch_id
        self.total = total
        self.done = 0
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self._write()

    def step(self, n: int) -> None:
        self.done += n
        self._write()

    def _write(self) -> None:
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE casework_importbatch SET progress_done = %s, progress_total = %s, "
                    "heard_at = now() WHERE id = %s",
                    [self.done, self.total, self.batch_id],
                )
        except Exception:  # noqa: BLE001 - progress is a courtesy: the save goes on without it
            logger.warning("Could not record an import's progress", exc_info=True)

    def close(self) -> None:
        self.connection.close()


def import_save(batch_id: int) -> ImportBatch | None:
    """The job: read and check the file again and, with no problems, write it all in one
    transaction. With problems (records changed since the check), nothing is written and the
    batch says why. A batch already saved or failed is left alone."""
    batch = _started(
        batch_id,
        [ImportStatus.QUEUED, ImportStatus.SAVING],
        "Saving the file",
        status=ImportStatus.SAVING,
        started_at=timezone.now(),
    )
    if batch is None:
        return None
    actor = batch.uploaded_by
    authority = batch.authority
    if not actor.is_active or authority.pk not in access.led_authority_ids(actor):
        import_fail(batch_id, "The person who uploaded the file no longer leads this authority.")
        return None
    batch.file.open("rb")
    try:
        data = batch.file.read()
    finally:
        batch.file.close()
    tables = reading.read_kept(data)
    del data
    plan = rules.check(tables, authority=authority, actor=actor, decisions=batch.decisions)
    del tables
    if plan.undecided:
        import_fail(
            batch_id,
            "Someone already recorded may be the same as a young person in the file, and was "
            "not found when it was checked. Nothing was saved: upload the file again.",
        )
        return None
    if plan.problems:
        import_fail(
            batch_id,
            "The file now has problems it did not have when it was checked (something was "
            "recorded in the meantime). Nothing was saved: fix them and upload it again.",
            problems=plan.problems,
        )
        return None
    progress = _Progress(batch_id, sum(plan.counts.values()))
    try:
        with transaction.atomic():
            _write(plan, batch=batch, actor=actor, authority=authority, progress=progress)
            batch.status = ImportStatus.SAVED
            batch.saved_at = timezone.now()
            batch.progress_done = batch.progress_total = progress.total
            batch.save(update_fields=["status", "saved_at", "progress_done", "progress_total"])
            audit.record(
                actor=actor,
                action=AuditAction.IMPORT_SAVE,
                obj=batch,
                authority_id=authority.pk,
                file_name=batch.file_name,
                sha256=batch.sha256,
                counts=plan.counts,
            )
            _tell_uploader(batch)
    except IntegrityError:
        logger.warning("Import %s met a record saved at the same time", batch_id, exc_info=True)
        import_fail(
            batch_id,
            "Some of these rows were imported by another file at the same moment. Nothing was "
            "saved from this one: upload it again to import what is left.",
        )
        return None
    finally:
        progress.close()
    batch.file.delete(save=False)
    ImportBatch.objects.filter(pk=batch_id).update(file="")
    return batch


def _tell_uploader(batch: ImportBatch) -> None:
    """The lead who uploaded the file is told the save finished, saved or not (X10): the
    notification leads to the import's page, which says which."""
    notify(
        recipients=[batch.uploaded_by_id],
        kind=NotificationKind.IMPORT_FINISHED,
        object_id=batch.pk,
        link=reverse("cases:import", args=[batch.pk]),
    )


@transaction.atomic
def import_fail(batch_id: int, reason: str, *, problems: list[rules.Problem] | None = None) -> None:
    """Nothing was saved: say why, keep the problems to show, and let the file go."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.is_saved:
        return
    batch.status = ImportStatus.FAILED
    batch.failure_reason = reason
    fields = ["status", "failure_reason", "file"]
    if problems is not None:
        batch.problems = [p.as_dict() for p in problems]
        fields.append("problems")
    if batch.file:
        batch.file.delete(save=False)
    batch.file = ""  # an empty FieldFile is stored as ""
    batch.save(update_fields=fields)
    audit.record(
        actor=None,
        action=AuditAction.IMPORT_FAIL,
        obj=batch,
        authority_id=batch.authority_id,
        file_name=batch.file_name,
        sha256=batch.sha256,
    )
    _tell_uploader(batch)


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _write(
    plan: rules.Plan,
    *,
    batch: ImportBatch,
    actor: User,
    authority: Authority,
    progress: _Progress,
) -> None:
    """Every record of a checked plan, with its audit events and old-id mapping, written with
    COPY (yourchoice/data/bulk.py): each table's ids are taken from its sequence first, so the
    records that refer to one another, their events and the mapping are written with them."""
    now = timezone.now()
    marked = {
        "imported": True,
        "import_batch": batch.pk,
        "file_name": batch.file_name,
        "sha256": batch.sha256,
    }
    events: list[tuple[Any, ...]] = []
    mapping: list[tuple[Any, ...]] = []
    a = authority.pk

    def mapped(sheet: Sheet, old_id: str, young_person_id: int, object_id: int) -> None:
        mapping.append(
            (batch.pk, a, sheet.value, old_id, young_person_id, LABELS[sheet], object_id)
        )

    def flush() -> None:
        """The events and mapping so far, written as it goes so memory stays flat."""
        audit.record_many(actor=actor, events=events)
        events.clear()
        bulk.copy_rows(
            ImportedRecord,
            [
                "batch_id",
                "authority_id",
                "sheet",
                "old_id",
                "young_person_id",
                "object_type",
                "object_id",
            ],  # fmt: skip
            mapping,
        )
        mapping.clear()

    # Young people: new ones with references issued as usual; matched ones as they are.
    new_people = [row for row in plan.young_people if row.existing_id is None]
    references = reserve_references(authority, len(new_people))
    people: dict[str, int] = {}
    details = [f.name for f in fields(YoungPersonDetails)]
    for chunk, refs in zip(_chunks(new_people), _chunks(references), strict=True):
        ids = bulk.reserve_ids(YoungPerson, len(chunk))
        bulk.copy_rows(
            YoungPerson,
            ["id", "reference", "authority_id", "created_at", "updated_at", *details],
            (
                (pk, ref, a, now, now, *(getattr(row.details, name) for name in details))
                for row, ref, pk in zip(chunk, refs, ids, strict=True)
            ),
        )
        for row, pk in zip(chunk, ids, strict=True):
            people[row.old_id] = pk
            mapped(Sheet.YOUNG_PEOPLE, row.old_id, pk, pk)
        progress.step(len(chunk))
    for row in plan.young_people:
        if row.existing_id is not None:
            people[row.old_id] = row.existing_id
            mapped(Sheet.YOUNG_PEOPLE, row.old_id, row.existing_id, row.existing_id)

    # Cases, with their referral, status history and allocation, as the services record them.
    if plan.superseded_current:
        Episode.objects.filter(young_person_id__in=plan.superseded_current, is_current=True).update(
            is_current=False
        )
    cases: dict[str, tuple[int, int]] = {}  # old id -> (episode id, young person id)
    budget = settings.ACTIVITY_BUDGET_PENCE
    for chunk in _chunks(plan.cases):
        ids = bulk.reserve_ids(Episode, len(chunk))
        bulk.copy_rows(
            Episode,
            [
                "id",
                "young_person_id",
                "authority_id",
                "team_id",
                "coach_id",
                "status",
                "referred_on",
                "allocated_on",
                "started_on",
                "closed_on",
                "ending_reason",
                "activity_budget_pence",
                "is_current",
                "created_at",
                "updated_at",
            ],  # fmt: skip
            (
                (
                    pk,
                    people[c.young_person],
                    a,
                    c.team_id,
                    c.coach_id,
                    c.status,
                    c.referred_on,
                    c.allocated_on,
                    c.started_on,
                    c.closed_on,
                    c.ending_reason,
                    budget,
                    c.is_current,
                    now,
                    now,
                )  # fmt: skip
                for c, pk in zip(chunk, ids, strict=True)
            ),
        )
        referrals: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        allocations: list[tuple[Any, ...]] = []
        for c, episode_id in zip(chunk, ids, strict=True):
            yp = people[c.young_person]
            cases[c.old_id] = (episode_id, yp)
            mapped(Sheet.CASES, c.old_id, yp, episode_id)
            referrals.append(
                (episode_id, "Not recorded (imported)", c.referrer_organisation, c.referred_on,
                 c.referred_on, c.risk_level, c.harms, True, True, [], actor.pk, now)
            )  # fmt: skip
            steps = [("", EpisodeStatus.REFERRED, c.referred_on)]
            if c.coach_id is not None and c.allocated_on is not None:
                steps.append((EpisodeStatus.REFERRED, EpisodeStatus.ALLOCATED, c.allocated_on))
                if c.started_on is not None:
                    steps.append((EpisodeStatus.ALLOCATED, EpisodeStatus.ACTIVE, c.started_on))
                allocations.append(
                    (episode_id, AllocationKind.ALLOCATED, a, c.team_id, c.coach_id,
                     rules.local_midnight(c.allocated_on),
                     rules.local_midnight(c.closed_on) if c.closed_on else None, actor.pk)
                )  # fmt: skip
                events.append(
                    (AuditAction.EPISODE_ALLOCATED, ("cases.episode", episode_id), yp, a,
                     {**marked, "coach_id": c.coach_id})
                )  # fmt: skip
            if c.closed_on is not None:
                steps.append((steps[-1][1], EpisodeStatus.CLOSED, c.closed_on))
            changes += [
                (episode_id, before, after, actor.pk, rules.local_midnight(day))
                for before, after, day in steps
            ]
            events.append(
                (AuditAction.REFERRAL_CREATE, ("cases.episode", episode_id), yp, a,
                 {**marked, "eligible": True})
            )  # fmt: skip
        bulk.copy_rows(
            Referral,
            [
                "episode_id",
                "referrer_name",
                "referrer_organisation",
                "received_on",
                "panel_date",
                "risk_level",
                "harms",
                "consent_given",
                "eligible",
                "ineligible_reasons",
                "recorded_by_id",
                "created_at",
            ],  # fmt: skip
            referrals,
        )
        bulk.copy_rows(
            EpisodeStatusChange,
            ["episode_id", "from_status", "to_status", "changed_by_id", "changed_at"],
            changes,
        )
        bulk.copy_rows(
            Allocation,
            [
                "episode_id",
                "kind",
                "authority_id",
                "team_id",
                "coach_id",
                "starts_at",
                "ends_at",
                "made_by_id",
            ],  # fmt: skip
            allocations,
        )
        flush()
        progress.step(len(chunk))

    # Sessions, keeping their own dates and coaches.
    sessions: dict[str, int] = {}
    for chunk in _chunks(plan.sessions):
        ids = bulk.reserve_ids(SessionLog, len(chunk))
        bulk.copy_rows(
            SessionLog,
            [
                "id",
                "episode_id",
                "coach_id",
                "occurred_at",
                "duration_minutes",
                "attendance",
                "place",
                "feeling_start",
                "feeling_end",
                "notes",
                "idempotency_key",
                "recorded_by_id",
                "created_at",
                "updated_at",
            ],  # fmt: skip
            (
                (
                    pk,
                    cases[s.case][0],
                    s.coach_id,
                    s.occurred_at,
                    s.duration_minutes,
                    s.attendance,
                    s.place,
                    s.feeling_start,
                    s.feeling_end,
                    s.notes,
                    rules.session_key(authority, s.old_id),
                    actor.pk,
                    now,
                    now,
                )  # fmt: skip
                for s, pk in zip(chunk, ids, strict=True)
            ),
        )
        for s, pk in zip(chunk, ids, strict=True):
            yp = cases[s.case][1]
            sessions[s.old_id] = pk
            mapped(Sheet.SESSIONS, s.old_id, yp, pk)
            events.append(
                (AuditAction.SESSION_LOG, ("coaching.sessionlog", pk), yp, a,
                 {**marked, "attendance": s.attendance})
            )  # fmt: skip
        flush()
        progress.step(len(chunk))

    # Goals and their ratings.
    goals: dict[str, tuple[int, int]] = {}
    ended = {
        GoalStatus.ACHIEVED: AuditAction.GOAL_ACHIEVED,
        GoalStatus.DROPPED: AuditAction.GOAL_DROPPED,
    }
    for chunk in _chunks(plan.goals):
        ids = bulk.reserve_ids(Goal, len(chunk))
        bulk.copy_rows(
            Goal,
            [
                "id",
                "episode_id",
                "slot",
                "description",
                "status",
                "agreed_on",
                "ended_on",
                "created_by_id",
                "created_at",
            ],  # fmt: skip
            (
                (
                    pk,
                    cases[g.case][0],
                    g.slot,
                    g.description,
                    g.status,
                    g.agreed_on,
                    g.ended_on,
                    actor.pk,
                    now,
                )  # fmt: skip
                for g, pk in zip(chunk, ids, strict=True)
            ),
        )
        for g, pk in zip(chunk, ids, strict=True):
            yp = cases[g.case][1]
            goals[g.old_id] = (pk, yp)
            mapped(Sheet.GOALS, g.old_id, yp, pk)
            events.append((AuditAction.GOAL_SET, ("outcomes.goal", pk), yp, a, marked))
            if g.status in ended:
                events.append((ended[g.status], ("outcomes.goal", pk), yp, a, marked))
        flush()
        progress.step(len(chunk))
    for chunk in _chunks(plan.ratings):
        ids = bulk.reserve_ids(GoalRating, len(chunk))
        bulk.copy_rows(
            GoalRating,
            ["id", "goal_id", "score", "rated_on", "session_log_id", "rated_by_id", "created_at"],
            (
                (
                    pk,
                    goals[r.goal][0],
                    r.score,
                    r.rated_on,
                    sessions[r.session] if r.session else None,
                    actor.pk,
                    now,
                )  # fmt: skip
                for r, pk in zip(chunk, ids, strict=True)
            ),
        )
        for r, pk in zip(chunk, ids, strict=True):
            yp = goals[r.goal][1]
            mapped(Sheet.GOAL_RATINGS, r.old_id, yp, pk)
            if r.session is None:  # a session's ratings are part of its own event, as in service
                events.append((AuditAction.GOAL_RATE, ("outcomes.goalrating", pk), yp, a, marked))
        flush()
        progress.step(len(chunk))

    # SDQs, scored from their scale scores as the measure form scores them.
    if plan.sdqs:
        definition = (
            MeasureDefinition.objects.filter(code=SDQ_CODE, active=True)
            .order_by("-version")
            .first()
        )
        if definition is None:
            raise DomainError("The SDQ is not set up in this service, so SDQs cannot be imported.")
        for chunk in _chunks(plan.sdqs):
            ids = bulk.reserve_ids(MeasureResponse, len(chunk))
            bulk.copy_rows(
                MeasureResponse,
                [
                    "id",
                    "episode_id",
                    "definition_id",
                    "occasion",
                    "completed_on",
                    "entry_mode",
                    "item_answers",
                    "scores",
                    "total_score",
                    "recorded_by_id",
                    "created_at",
                ],  # fmt: skip
                (
                    (
                        pk,
                        cases[m.case][0],
                        definition.pk,
                        m.occasion,
                        m.completed_on,
                        EntryMode.SCALES,
                        {},
                        m.scores,
                        m.total,
                        actor.pk,
                        now,
                    )  # fmt: skip
                    for m, pk in zip(chunk, ids, strict=True)
                ),
            )
            for m, pk in zip(chunk, ids, strict=True):
                yp = cases[m.case][1]
                mapped(Sheet.SDQS, m.old_id, yp, pk)
                events.append(
                    (AuditAction.MEASURE_RECORD, ("outcomes.measureresponse", pk), yp, a,
                     {**marked, "occasion": m.occasion})
                )  # fmt: skip
            flush()
            progress.step(len(chunk))
    flush()
    # Imported cases are new, so their whole summary is written here, in the same transaction.
    outcome_summary.refresh(episode_id for episode_id, _ in cases.values())


def mapping_rows(batch: ImportBatch) -> Iterator[list[str]]:
    """The old ids of what a saved import created, with the young person's reference and
    the record each became, for the mapping download."""
    yield ["Sheet", "Old id", "Young person reference", "Record", "Record id"]
    labels = {value: label for value, label in Sheet.choices}
    kinds = {
        "cases.youngperson": "Young person",
        "cases.episode": "Case",
        "coaching.sessionlog": "Session",
        "outcomes.goal": "Goal",
        "outcomes.goalrating": "Goal rating",
        "outcomes.measureresponse": "SDQ",
    }
    rows = (
        ImportedRecord.objects.filter(batch=batch)
        .order_by("pk")
        .values_list("sheet", "old_id", "young_person__reference", "object_type", "object_id")
        .iterator(chunk_size=5000)
    )
    for sheet, old_id, reference, object_type, object_id in rows:
        yield [
            str(labels.get(sheet, sheet)),
            old_id,
            reference,
            kinds.get(object_type, object_type),
            str(object_id),
        ]


def when(batch: ImportBatch) -> datetime:
    return batch.saved_at or batch.uploaded_at
