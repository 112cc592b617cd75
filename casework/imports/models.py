"""An import of a spreadsheet, and the borough's old ids of what it created (C11)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases.models import YoungPersonRecordQuerySet
from yourchoice.scoping import CaseManager


class ImportStatus(models.TextChoices):
    CHECKING = "checking", "Checking"
    CHECKED = "checked", "Checked"
    QUEUED = "queued", "Waiting to be saved"
    SAVING = "saving", "Saving"
    SAVED = "saved", "Saved"
    FAILED = "failed", "Not saved"


class Sheet(models.TextChoices):
    """The template's sheets, one per kind of record, in the order they are read."""

    YOUNG_PEOPLE = "young_people", "Young people"
    CASES = "cases", "Cases"
    SESSIONS = "sessions", "Sessions"
    GOALS = "goals", "Goals"
    GOAL_RATINGS = "goal_ratings", "Goal ratings"
    SDQS = "sdqs", "SDQs"


class ImportBatch(models.Model):
    """One uploaded file: who uploaded it, into which authority, what the check found, and
    how far checking and saving it have got. The file itself is kept only until it is saved or
    refused: as uploaded while it is checked, then as the rows the check read (services.py)."""

    authority = models.ForeignKey(
        "accounts.Authority", on_delete=models.PROTECT, related_name="import_batches"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    size_bytes = models.PositiveBigIntegerField()
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    #: What the file will create, by sheet: {"young_people": 80, ...}; and rows already
    #: imported from an earlier file, left as they are.
    counts = models.JSONField(default=dict, blank=True)
    already_imported = models.JSONField(default=dict, blank=True)
    #: Problems, row by row: [{"sheet": "sessions", "row": 214, "message": "..."}].
    problems = models.JSONField(default=list, blank=True)
    #: Rows that may be young people already recorded: [{"row", "old_id", "candidates": [ids]}].
    duplicates = models.JSONField(default=list, blank=True)
    #: The lead's answers: {old id: young person id, or 0 for "a different young person"}.
    decisions = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    #: When a worker began saving it (the last time, if a save was tried again).
    started_at = models.DateTimeField(null=True, blank=True)
    #: When a job last said it was working on it (starting, or how far it had got): a batch
    #: checking or saving that no job has spoken of for IMPORT_STUCK_MINUTES has lost its job
    #: (`services.imports_sweep`).
    heard_at = models.DateTimeField(null=True, blank=True)
    #: How many times a job has started checking or saving it: a file whose job dies each time
    #: (the worker killed, and the job delivered again) is given up after JOB_STARTS.
    job_starts = models.PositiveSmallIntegerField(default=0)
    saved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            # The same file is saved once in an authority, however often it is uploaded.
            models.UniqueConstraint(
                fields=["authority", "sha256"],
                condition=Q(status__in=["queued", "saving", "saved"]),
                name="import_file_saved_once",
            ),
            models.CheckConstraint(
                name="import_failed_has_reason",
                condition=~Q(status="failed") | ~Q(failure_reason=""),
            ),
            models.CheckConstraint(
                name="import_saved_has_time",
                condition=~Q(status="saved") | Q(saved_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk}"

    @property
    def is_saved(self) -> bool:
        return self.status == ImportStatus.SAVED

    @property
    def has_failed(self) -> bool:
        return self.status == ImportStatus.FAILED

    @property
    def is_checking(self) -> bool:
        return self.status == ImportStatus.CHECKING

    @property
    def in_progress(self) -> bool:
        """Being saved (or waiting to be)."""
        return self.status in (ImportStatus.QUEUED, ImportStatus.SAVING)

    @property
    def is_working(self) -> bool:
        """A job has it: the page shows how far it has got and asks again until it ends."""
        return self.is_checking or self.in_progress

    @property
    def progress_sentence(self) -> str:
        if self.is_checking:
            if not self.progress_total:
                return "Reading the file."
            return (
                f"Checking: {self.progress_done:,} of {self.progress_total:,} rows checked "
                f"({self.percent_done}%)."
            )
        total = self.progress_total or sum(self.counts.values())
        return (
            f"{self.get_status_display()}: {self.progress_done:,} of {total:,} records saved "
            f"({self.percent_done}%)."
        )

    @property
    def can_confirm(self) -> bool:
        return self.status == ImportStatus.CHECKED and not self.problems

    @property
    def problem_lines(self) -> list[dict[str, str]]:
        """The problems, row by row, with a run of rows on one sheet that share a problem on
        one line ("Sessions, rows 27 to 52"): one case with a problem of its own makes every
        session of it a problem, and 26 lines saying so would hide the one to fix."""
        lines: list[dict[str, Any]] = []
        for problem in self.problems:
            last = lines[-1] if lines else None
            if (
                last is not None
                and last["sheet"] == problem["sheet"]
                and last["message"] == problem["message"]
                and last["to"] == problem["row"] - 1
            ):
                last["to"] = problem["row"]
                continue
            lines.append({**problem, "from": problem["row"], "to": problem["row"]})
        return [
            {
                "where": f"{line['sheet']}, row {line['from']}"
                if line["from"] == line["to"]
                else f"{line['sheet']}, rows {line['from']} to {line['to']}",
                "message": line["message"],
            }
            for line in lines
        ]

    @property
    def percent_done(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)


class ImportedRecordQuerySet(YoungPersonRecordQuerySet):
    pass


class ImportedRecord(models.Model):
    """One row the borough had under its own id, and what it became here: the mapping from
    old ids to our references, and what makes a second load of a row create nothing."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="records")
    authority = models.ForeignKey("accounts.Authority", on_delete=models.PROTECT, related_name="+")
    sheet = models.CharField(max_length=20, choices=Sheet.choices)
    old_id = models.CharField(max_length=100)
    young_person = models.ForeignKey(
        "cases.YoungPerson", on_delete=models.PROTECT, related_name="imported_records"
    )
    #: The record made ("cases.episode", 1234); for a young person matched to one already
    #: recorded, that young person.
    object_type = models.CharField(max_length=50)
    object_id = models.BigIntegerField()

    objects = CaseManager.from_queryset(ImportedRecordQuerySet)()

    class Meta:
        ordering = ["batch", "sheet", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "sheet", "old_id"], name="imported_record_once"
            ),
        ]
