"""Importing existing cases from a spreadsheet (C11): the template, the check and its preview,
the save (all or nothing), a second load of the same rows, and the files refused whole."""

from __future__ import annotations

import csv
import html
import io
import zipfile
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import Episode, EpisodeStatus, YoungPerson
from casework.imports import reading, rules, services
from casework.imports.models import ImportBatch, ImportedRecord, ImportStatus
from devtools import import_workbook
from outcomes.models import Goal, GoalRating, MeasureResponse
from sessions.models import SessionLog
from tests.cases.imports import checked, saved_import, sheets, uploaded, workbook
from tests.conftest import referral
from tests.outcomes.summaries import kept_equals_rebuilt
from yourchoice.audit.actions import AuditAction
from yourchoice.data import bulk
from yourchoice.data.errors import DomainError
from yourchoice.models import AuditEvent, OutboxJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _records() -> tuple[int, ...]:
    return (
        YoungPerson.objects.count(),
        Episode.objects.count(),
        SessionLog.objects.count(),
        Goal.objects.count(),
        GoalRating.objects.count(),
        MeasureResponse.objects.count(),
        ImportedRecord.objects.count(),
    )


def _refused(cast, files, *, at: str = "check") -> str:
    """The file's refusal, and that nothing was saved: at the upload, for what needs nothing
    read (the answer is the upload page again); otherwise at the check's job, on the page."""
    before = (_records(), ImportBatch.objects.count())
    if at == "upload":
        with pytest.raises(DomainError) as refusal:
            services.import_upload(
                actor=cast.hackney.lead, authority=cast.hackney.authority, files=files
            )
        assert (_records(), ImportBatch.objects.count()) == before, "a refused file saved something"
        return str(refusal.value)
    batch = services.import_upload(
        actor=cast.hackney.lead, authority=cast.hackney.authority, files=files
    )
    assert batch.status == ImportStatus.CHECKING
    batch = checked(batch)
    assert batch.status == ImportStatus.FAILED and not batch.file, "a refused file is not kept"
    assert batch.counts == {} and not batch.can_confirm
    assert _records() == before[0], "a refused file saved something"
    return batch.failure_reason


def _clash_at_the_sdqs(monkeypatch) -> None:
    """The SDQs, written last of the records, meet a clash: everything written before them
    must go too."""
    copy_rows = bulk.copy_rows

    def clash(model, *args, **kwargs):
        if model is MeasureResponse:
            raise IntegrityError("a clash")
        return copy_rows(model, *args, **kwargs)

    monkeypatch.setattr(bulk, "copy_rows", clash)


# --- The template ----------------------------------------------------------------------------


def test_the_lead_downloads_the_template_as_a_workbook_and_as_csv_files(cast, client_for):
    client = client_for(cast.hackney.lead)
    response = client.get(reverse("cases:import-template", args=["xlsx"]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == [
        "About this template",
        "Young people",
        "Cases",
        "Sessions",
        "Goals",
        "Goal ratings",
        "SDQs",
    ]
    first = next(book["Sessions"].iter_rows(values_only=True))
    assert first[:4] == ("Old id", "Case old id", "Date", "Time")
    response = client.get(reverse("cases:import-template", args=["sessions"]))
    assert response.content.decode("utf-8-sig").startswith("Old id,Case old id,Date")
    assert client.get(reverse("cases:import-template", args=["nothing"])).status_code == 404


def test_an_empty_template_filled_in_by_hand_imports(cast):
    """The downloaded template itself, with one row on each sheet, is a file the check reads."""
    from casework.imports import template

    book = load_workbook(io.BytesIO(template.workbook_bytes()))
    day = timezone.localdate() - timedelta(days=100)
    book["Young people"].append(["A1", "Sam", "Rivers", "", "03/04/2011"])
    book["Cases"].append(
        ["K1", "A1", day, "School", "High", "Carrying weapons", cast.hackney.coach.email]
    )
    book["Sessions"].append(
        ["S1", "K1", day + timedelta(days=3), "10:15", "", "Attended", 45, "School", 4, 6]
    )
    out = io.BytesIO()
    book.save(out)
    batch = uploaded(cast.hackney, out.getvalue())
    assert batch.problems == []
    assert batch.counts["young_people"] == 1 and batch.counts["sessions"] == 1


# --- A whole history imports -----------------------------------------------------------------


def test_a_generated_history_imports_through_the_services_rules_and_audit(cast):
    data = workbook(cast.hackney, young_people=12, sessions=10)
    batch = uploaded(cast.hackney, data)
    assert batch.problems == [] and batch.file
    assert _records()[0] == 0, "the check saves nothing"
    services.import_confirm(actor=cast.hackney.lead, batch=batch, decisions={})
    assert OutboxJob.objects.filter(task="casework.imports.tasks.save_import").exists()

    saved = services.import_save(batch.pk)
    assert saved is not None and saved.status == ImportStatus.SAVED
    assert not saved.file, "the file is not kept once it is saved"
    rows = sheets(cast.hackney, young_people=12, sessions=10)
    assert YoungPerson.objects.count() == 12
    assert Episode.objects.count() == 12
    assert SessionLog.objects.count() == len(rows["Sessions"]) - 1
    assert GoalRating.objects.count() == len(rows["Goal ratings"]) - 1
    assert MeasureResponse.objects.count() == len(rows["SDQs"]) - 1
    # References are issued as usual, one counter, no gaps.
    references = sorted(YoungPerson.objects.values_list("reference", flat=True))
    assert references == [f"YC-E09000012-{n:06d}" for n in range(1, 13)]
    # Sessions keep their own dates and coaches.
    first = next(r for r in rows["Sessions"][1:] if r[5] == "Attended")
    log = SessionLog.objects.get(
        pk=ImportedRecord.objects.get(sheet="sessions", old_id=first[0]).object_id
    )
    assert timezone.localtime(log.occurred_at).date().isoformat() == first[2]
    assert timezone.localtime(log.occurred_at).strftime("%H:%M") == "16:00"
    case_row = next(r for r in rows["Cases"][1:] if r[0] == first[1])
    assert log.coach.email == case_row[6]
    # Each value is stored as the services store it: a referral's harms, an SDQ's scores, the
    # session a goal was rated at.
    case_row = rows["Cases"][1]
    episode = Episode.objects.get(
        pk=ImportedRecord.objects.get(sheet="cases", old_id=case_row[0]).object_id
    )
    assert episode.referral.harms == [
        rules.HARMS[h.strip().lower()] for h in case_row[5].split(";")
    ]
    baseline = MeasureResponse.objects.get(
        pk=ImportedRecord.objects.get(sheet="sdqs", old_id=rows["SDQs"][1][0]).object_id
    )
    assert baseline.total_score == 5 + 4 + 6 + 3 and baseline.scores["prosocial"] == 6
    assert (
        GoalRating.objects.filter(session_log__isnull=False).count() == GoalRating.objects.count()
    )
    # Closed cases are closed, open ones active with their coach, as the services leave them.
    for episode in Episode.objects.all():
        assert episode.is_current
        if episode.closed_on:
            assert episode.status == EpisodeStatus.CLOSED and episode.ending_reason == "planned"
        else:
            assert episode.status in (EpisodeStatus.ACTIVE, EpisodeStatus.ALLOCATED)
            assert episode.coach is not None and episode.team == cast.hackney.team
    # Every record has its event, marked as imported, with the file's name and SHA-256.
    events = AuditEvent.objects.filter(action=AuditAction.SESSION_LOG)
    assert events.count() == SessionLog.objects.count()
    detail = events.order_by("pk")[0].detail
    assert detail["imported"] is True
    assert detail["file_name"] == "history.xlsx" and len(detail["sha256"]) == 64
    assert AuditEvent.objects.filter(action=AuditAction.REFERRAL_CREATE).count() == 12
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT_SAVE).count() == 1
    # The reports' summary of the imported cases is written with them.
    assert kept_equals_rebuilt()["outcomes_episodesessions"]


def test_the_old_ids_download_maps_each_row_to_its_reference_in_safe_cells(cast, client_for):
    rows = sheets(cast.hackney, young_people=2, sessions=2)
    rows["Young people"][1][0] = "@SUM(A1)"  # an old id a spreadsheet would read as a formula
    rows["Cases"][1][1] = "@SUM(A1)"
    batch = saved_import(cast.hackney, import_workbook.xlsx_bytes(rows))
    response = client_for(cast.hackney.lead).get(reverse("cases:import-mapping", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    text = response.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Sheet", "Old id", "Young person reference", "Record", "Record id"]
    person = YoungPerson.objects.get(
        pk=ImportedRecord.objects.get(sheet="young_people", old_id="@SUM(A1)").young_person_id
    )
    assert ["Young people", "'@SUM(A1)", person.reference, "Young person", str(person.pk)] in table
    assert len(table) - 1 == ImportedRecord.objects.filter(batch=batch).count()


# --- The check, as a job ---------------------------------------------------------------------


def test_the_upload_answers_at_once_and_the_check_runs_as_a_job_with_its_progress(cast, client_for):
    """However large the file, the upload only keeps it and queues its check: the page says it
    is being checked, asks how far it has got, and shows what the check found when it ends."""
    client = client_for(cast.hackney.lead)
    upload = SimpleUploadedFile("history.xlsx", workbook(cast.hackney, young_people=4))
    response = client.post(
        reverse("cases:imports"), {"authority": cast.hackney.authority.pk, "upload": upload}
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.CHECKING and batch.file and batch.counts == {}
    assert OutboxJob.objects.filter(
        task="casework.imports.tasks.check_import", args=[batch.pk]
    ).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Checking the file" in page and "Reading the file." in page
    assert "Save these records" not in page
    progress = reverse("cases:import-progress", args=[batch.pk])
    assert client.get(progress).json()["finished"] is False
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT_CHECK).exists()

    checked(batch)
    answer = client.get(progress).json()
    assert answer["finished"] is True and answer["status"] == "checked"
    page = client.get(response["Location"]).content.decode()
    assert "Check and confirm the import" in page and "Save these records" in page
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT_CHECK).count() == 1
    assert _records() == (0,) * 7, "the check saves nothing"


def test_the_same_file_sent_twice_while_it_is_checked_is_one_batch_and_one_check(cast):
    data = workbook(cast.hackney, young_people=2)
    files = [("history.xlsx", data)]
    lead, authority = cast.hackney.lead, cast.hackney.authority
    first = services.import_upload(actor=lead, authority=authority, files=files)
    second = services.import_upload(actor=lead, authority=authority, files=files)
    assert first.pk == second.pk
    assert OutboxJob.objects.filter(task="casework.imports.tasks.check_import").count() == 1
    checked(first)
    assert services.import_check(first.pk) is None, "a check delivered twice runs once"


def test_a_check_whose_job_was_lost_is_failed_by_the_sweeper_and_the_file_can_go_again(
    cast, client_for, settings
):
    """A batch "Checking" whose job said nothing for IMPORT_STUCK_MINUTES lost it: the lead is
    told, and the same file uploaded again is a new batch, checked (not the lost one)."""
    from cases.notifications.models import Notification, NotificationKind

    data = workbook(cast.hackney, young_people=2)
    lead, authority = cast.hackney.lead, cast.hackney.authority
    lost = services.import_upload(actor=lead, authority=authority, files=[("h.xlsx", data)])
    busy = services.import_upload(
        actor=lead, authority=authority, files=[("b.xlsx", workbook(cast.hackney, prefix="B"))]
    )
    silent = timezone.now() - timedelta(minutes=settings.IMPORT_STUCK_MINUTES + 1)
    ImportBatch.objects.filter(pk=lost.pk).update(heard_at=silent, progress_total=40)
    ImportBatch.objects.filter(pk=busy.pk).update(heard_at=timezone.now() - timedelta(minutes=2))
    assert services.imports_sweep() == 1
    lost.refresh_from_db()
    assert lost.status == ImportStatus.FAILED and not lost.file
    assert lost.failure_reason.startswith("Checking the file stopped and did not finish.")
    assert ImportBatch.objects.get(pk=busy.pk).status == ImportStatus.CHECKING
    [told] = Notification.objects.filter(kind=NotificationKind.IMPORT_FINISHED)
    assert told.recipient == lead and told.object_id == lost.pk
    page = html.unescape(client_for(lead).get(reverse("cases:import", args=[lost.pk])).text)
    assert "Import not saved" in page and "upload it again" in page

    assert services.import_check(lost.pk) is None, "the lost job, delivered at last, does nothing"
    again = services.import_upload(actor=lead, authority=authority, files=[("h.xlsx", data)])
    assert again.pk != lost.pk
    assert checked(again).status == ImportStatus.CHECKED
    assert services.imports_sweep() == 0


def test_a_save_whose_job_was_lost_is_failed_and_frees_the_file_to_import(cast, settings):
    data = workbook(cast.hackney)
    batch = uploaded(cast.hackney, data)
    services.import_confirm(actor=cast.hackney.lead, batch=batch, decisions={})
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.SAVING,
        heard_at=timezone.now() - timedelta(minutes=settings.IMPORT_STUCK_MINUTES + 1),
    )
    assert services.imports_sweep() == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "Saving the file stopped" in batch.failure_reason
    assert services.import_save(batch.pk) is None
    assert _records() == (0,) * 7
    assert saved_import(cast.hackney, data).is_saved  # the same file, uploaded again


def test_a_job_started_too_often_is_given_up_with_its_reason(cast, settings):
    """A file whose job kills its worker each time (and each death delivers it again) is not
    started for ever: after JOB_STARTS starts it fails, saying why."""
    batch = services.import_upload(
        actor=cast.hackney.lead,
        authority=cast.hackney.authority,
        files=[("history.xlsx", workbook(cast.hackney))],
    )
    ImportBatch.objects.filter(pk=batch.pk).update(job_starts=settings.JOB_STARTS)
    assert services.import_check(batch.pk) is None
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and batch.job_starts == settings.JOB_STARTS + 1
    assert batch.failure_reason == (
        f"Checking the file stopped part way {settings.JOB_STARTS} times, so it was not tried "
        "again. Nothing was saved: split it into smaller files and upload them."
    )
    assert batch.counts == {} and not batch.file

    saving = uploaded(cast.hackney, workbook(cast.hackney, prefix="S"))
    assert saving.job_starts == 1 and saving.heard_at is not None  # the check's one start
    services.import_confirm(actor=cast.hackney.lead, batch=saving, decisions={})
    ImportBatch.objects.filter(pk=saving.pk).update(job_starts=settings.JOB_STARTS)
    assert services.import_save(saving.pk) is None
    saving.refresh_from_db()
    assert saving.status == ImportStatus.FAILED
    assert saving.failure_reason.startswith("Saving the file stopped part way")
    assert _records() == (0,) * 7


def test_the_sweeper_of_imports_runs_on_a_schedule(settings):
    from celery import current_app

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-stuck-imports"]
    assert entry["task"] in current_app.tasks
    assert current_app.tasks[entry["task"]].apply().get() == 0


def test_a_file_refused_at_the_check_says_why_on_its_page(cast, client_for):
    rows = sheets(cast.hackney)
    rows["Sessions"][0][2] = "When"
    batch = checked(
        services.import_upload(
            actor=cast.hackney.lead,
            authority=cast.hackney.authority,
            files=[("history.xlsx", import_workbook.xlsx_bytes(rows))],
        )
    )
    page = client_for(cast.hackney.lead).get(reverse("cases:import", args=[batch.pk]))
    text = html.unescape(page.content.decode())
    assert "Import not saved" in text
    assert "does not have the template's columns" in text and "Nothing has been imported." in text


def _run_jobs() -> None:
    """The outbox's jobs, each through its Celery task, as a worker runs them."""
    from celery import current_app

    for job in OutboxJob.objects.order_by("pk"):
        current_app.tasks[job.task].apply(args=job.args)
        job.delete()


def test_the_check_and_the_save_run_as_their_celery_tasks(cast):
    data = workbook(cast.hackney, young_people=3)
    batch = services.import_upload(
        actor=cast.hackney.lead, authority=cast.hackney.authority, files=[("history.xlsx", data)]
    )
    _run_jobs()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CHECKED and batch.counts["young_people"] == 3
    services.import_confirm(actor=cast.hackney.lead, batch=batch, decisions={})
    _run_jobs()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.SAVED and YoungPerson.objects.count() == 3


def test_a_check_that_goes_wrong_says_so_and_keeps_nothing(cast, monkeypatch):
    batch = services.import_upload(
        actor=cast.hackney.lead,
        authority=cast.hackney.authority,
        files=[("history.xlsx", workbook(cast.hackney, young_people=2))],
    )

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(rules, "check", broken)
    _run_jobs()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and not batch.file
    assert batch.failure_reason.startswith("Something went wrong checking the file")


def test_the_check_of_a_lead_who_no_longer_leads_the_authority_keeps_nothing(cast):
    batch = services.import_upload(
        actor=cast.hackney.lead,
        authority=cast.hackney.authority,
        files=[("history.xlsx", workbook(cast.hackney, young_people=2))],
    )
    cast.hackney.lead.is_active = False
    cast.hackney.lead.save(update_fields=["is_active"])
    assert services.import_check(batch.pk) is None
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and not batch.file and batch.counts == {}


# --- Loading it twice -------------------------------------------------------------------------


def test_the_same_file_again_creates_nothing(cast):
    data = workbook(cast.hackney, young_people=4)
    saved_import(cast.hackney, data)
    before = _records()
    message = _refused(cast, [("history.xlsx", data)], at="upload")
    assert "already" in message or "was imported" in message
    assert _records() == before


def test_a_whole_programmes_history_imports_once(cast):
    """The programme's size (2,600 young people, about 64,000 sessions), generated, through the
    check and the save as their jobs run them; the same file again creates nothing."""
    rows = sheets(cast.hackney, young_people=2600, sessions=25, prefix="P-")
    data = import_workbook.xlsx_bytes(rows)
    saved = saved_import(cast.hackney, data)
    assert saved.status == ImportStatus.SAVED
    assert YoungPerson.objects.count() == 2600
    assert SessionLog.objects.count() == len(rows["Sessions"]) - 1 > 60_000
    before = _records()
    _refused(cast, [("history.xlsx", data)], at="upload")
    assert _records() == before


def test_a_file_saved_again_with_new_rows_creates_only_the_new_ones(cast):
    """Another file (another hash) with rows an earlier file imported: those rows are left as
    they are, by their old ids, and only the new young person and their case are created."""
    saved_import(cast.hackney, workbook(cast.hackney, young_people=3, sessions=3))
    before = _records()
    grown = sheets(cast.hackney, young_people=3, sessions=3)
    extra = sheets(cast.hackney, young_people=1, sessions=3, prefix="NEW-", seed=7)
    for title, table in extra.items():
        grown[title] += table[1:]
    batch = uploaded(cast.hackney, import_workbook.xlsx_bytes(grown))
    assert batch.problems == []
    assert batch.already_imported["young_people"] == 3 and batch.counts["young_people"] == 1
    services.import_confirm(actor=cast.hackney.lead, batch=batch, decisions={})
    services.import_save(batch.pk)
    assert YoungPerson.objects.count() == before[0] + 1
    assert Episode.objects.count() == before[1] + 1


def test_confirming_twice_saves_once(cast):
    batch = uploaded(cast.hackney)
    services.import_confirm(actor=cast.hackney.lead, batch=batch, decisions={})
    services.import_confirm(actor=cast.hackney.lead, batch=batch, decisions={})
    assert OutboxJob.objects.filter(task="casework.imports.tasks.save_import").count() == 1
    services.import_save(batch.pk)
    before = _records()
    assert services.import_save(batch.pk) is None
    assert _records() == before


# --- Files refused whole ----------------------------------------------------------------------


def test_a_workbook_without_the_templates_columns_is_refused(cast):
    rows = sheets(cast.hackney)
    rows["Sessions"][0][2] = "When"  # "Date" renamed
    message = _refused(cast, [("history.xlsx", import_workbook.xlsx_bytes(rows))])
    assert "“Sessions” sheet does not have the template's columns" in message
    assert "no column “Date”" in message and "“When”" in message


def test_a_file_over_50_mb_is_refused_before_it_is_read(cast):
    big = SimpleUploadedFile("history.xlsx", b"x")
    big.size = reading.MAX_BYTES + 1
    with pytest.raises(DomainError, match="most that can be imported at once is 50 MB"):
        services.read_uploads([big])
    _refused(cast, [("history.xlsx", b"x" * (reading.MAX_BYTES + 1))], at="upload")


def test_a_formula_in_a_cell_is_refused(cast):
    rows = sheets(cast.hackney)
    rows["Sessions"][3][6] = "=30+30"
    message = _refused(cast, [("history.xlsx", import_workbook.xlsx_bytes(rows))])
    assert "“Sessions” sheet, row 4: the “Minutes” cell holds a formula" in message


def test_a_formula_in_a_csv_cell_is_refused(cast):
    files = dict(import_workbook.csv_files(sheets(cast.hackney)))
    files["cases.csv"] = files["cases.csv"].replace(b"Youth offending service", b"=HYPERLINK(1)", 1)
    message = _refused(cast, list(files.items()))
    assert "cases.csv, row 2: the “Referred by” cell holds a formula" in message


def test_a_csv_in_the_windows_encoding_is_refused(cast):
    rows = sheets(cast.hackney)
    rows["Young people"][1][2] = "Zoë"
    files = dict(import_workbook.csv_files(rows))
    files["young-people.csv"] = files["young-people.csv"].decode().encode("cp1252")
    message = _refused(cast, list(files.items()))
    assert "young-people.csv is saved in the Windows encoding (Windows-1252), not UTF-8" in message
    assert "CSV UTF-8" in message


def test_an_xlsx_that_is_not_a_zip_is_refused(cast):
    message = _refused(cast, [("history.xlsx", b"\xd0\xcf\x11\xe0 an old .xls file")], at="upload")
    assert "not an Excel workbook (.xlsx)" in message


def test_csv_files_import_like_the_workbook(cast):
    batch = uploaded(cast.hackney, None)
    files = list(import_workbook.csv_files(sheets(cast.hackney)))
    from_csv = checked(
        services.import_upload(
            actor=cast.hackney.lead, authority=cast.hackney.authority, files=files
        )
    )
    assert from_csv.problems == [] and from_csv.counts == batch.counts
    assert zipfile.is_zipfile(from_csv.file.path)


# --- Problems row by row; nothing saved -------------------------------------------------------


def test_dates_in_us_order_are_found_impossible_or_in_doubt(cast):
    rows = sheets(cast.hackney)
    rows["Young people"][1][4] = "04/23/2011"  # can only be month first
    rows["Young people"][2][4] = "03/04/2011"  # either way: in doubt, given the first
    batch = uploaded(cast.hackney, import_workbook.xlsx_bytes(rows))
    messages = {(p["sheet"], p["row"]): p["message"] for p in batch.problems}
    assert "written month first (US order)" in messages[("Young people", 2)]
    assert "could be 3 April 2011 or 4 March 2011" in messages[("Young people", 3)]
    assert not batch.can_confirm and not batch.file


def test_the_same_young_person_twice_in_the_file_is_a_problem_on_the_later_row(cast):
    """Two rows with the same name and date of birth (case and spacing aside) under two old
    ids would be two records of one young person."""
    rows = sheets(cast.hackney, young_people=3)
    first = rows["Young people"][1]
    rows["Young people"][3][1:5] = [f" {first[1].upper()} ", first[2].lower(), "", first[4]]
    batch = uploaded(cast.hackney, import_workbook.xlsx_bytes(rows))
    problems = [(p["sheet"], p["row"]) for p in batch.problems]
    assert ("Young people", 4) in problems and ("Young people", 2) not in problems
    message = next(p["message"] for p in batch.problems if p["row"] == 4)
    assert "is also on row 2" in message and "one row" in message
    # Their case names a row with a problem of its own; nothing can be saved.
    assert ("Cases", 4) in problems and not batch.can_confirm


def test_a_date_after_the_case_closed_is_a_problem_on_its_row(cast):
    rows = sheets(cast.hackney, young_people=20, sessions=8)
    today = timezone.localdate()
    closed_on = {
        c[0]: date.fromisoformat(c[8])
        for c in rows["Cases"][1:]
        if c[8] and date.fromisoformat(c[8]) < today - timedelta(days=5)
    }
    number, row = next(
        (n, r)
        for n, r in enumerate(rows["Sessions"][1:], start=2)
        if r[1] in closed_on and r[5] == "Did not attend"
    )
    row[2] = (closed_on[row[1]] + timedelta(days=2)).isoformat()
    batch = uploaded(cast.hackney, import_workbook.xlsx_bytes(rows))
    assert len(batch.problems) == 1
    problem = batch.problems[0]
    assert (problem["sheet"], problem["row"]) == ("Sessions", number)
    assert problem["message"].startswith("The date is after the case was closed")


def test_one_bad_row_among_many_saves_nothing(cast):
    rows = sheets(cast.hackney, young_people=30, sessions=6)
    rows["SDQs"][5][4] = 14  # a scale score out of range
    batch = uploaded(cast.hackney, import_workbook.xlsx_bytes(rows))
    assert [p["row"] for p in batch.problems] == [6]
    with pytest.raises(DomainError):
        services.import_confirm(actor=cast.hackney.lead, batch=batch, decisions={})
    assert _records() == (0,) * 7


def test_a_failure_while_writing_saves_nothing(cast, monkeypatch):
    batch = uploaded(cast.hackney, workbook(cast.hackney, young_people=6))
    services.import_confirm(actor=cast.hackney.lead, batch=batch, decisions={})

    _clash_at_the_sdqs(monkeypatch)
    assert services.import_save(batch.pk) is None
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "Nothing was saved" in batch.failure_reason
    assert _records() == (0,) * 7
    assert not AuditEvent.objects.filter(action=AuditAction.SESSION_LOG).exists()


def test_the_preview_page_lists_every_problem_row_by_row(cast, client_for):
    rows = sheets(cast.hackney)
    rows["Cases"][1][6] = "nobody@elsewhere.test"
    rows["Goal ratings"][1][3] = 11
    client = client_for(cast.hackney.lead)
    upload = SimpleUploadedFile("history.xlsx", import_workbook.xlsx_bytes(rows))
    response = client.post(
        reverse("cases:imports"), {"authority": cast.hackney.authority.pk, "upload": upload}
    )
    assert response.status_code == 302
    checked(ImportBatch.objects.latest("pk"))
    page = client.get(response["Location"]).content.decode()
    assert "Problems in the file" in page
    assert "Cases, row 2" in page and "nobody@elsewhere.test is not a coach" in page
    assert "Goal ratings, row 2" in page and "The rating must be from 0 to 10" in page
    assert "Save these records" not in page


def test_a_refused_file_answers_400_on_the_upload_page_with_the_reason(cast, client_for):
    upload = SimpleUploadedFile("history.xlsx", b"not a zip")
    response = client_for(cast.hackney.lead).post(
        reverse("cases:imports"), {"authority": cast.hackney.authority.pk, "upload": upload}
    )
    assert response.status_code == 400
    assert "not an Excel workbook" in response.content.decode()


# --- Young people already recorded ------------------------------------------------------------


def test_likely_duplicates_are_matched_for_the_lead_to_confirm(cast, client_for):
    rows = sheets(cast.hackney, young_people=2)
    received = date.fromisoformat(rows["Cases"][1][2])
    existing = referral(
        cast.hackney, given="Sam", family="Okafor", received_on=received - timedelta(days=100)
    )
    existing.closed_on = received - timedelta(days=50)
    existing.status = EpisodeStatus.CLOSED
    existing.ending_reason = "planned"
    existing.save()
    person = existing.young_person
    rows["Young people"][1][1:5] = ["Sam", "Okafor", "", person.date_of_birth.strftime("%d/%m/%Y")]
    batch = uploaded(cast.hackney, import_workbook.xlsx_bytes(rows))
    assert batch.problems == []
    assert [c["reference"] for c in batch.duplicates[0]["candidates"]] == [person.reference]

    client = client_for(cast.hackney.lead)
    url = reverse("cases:import", args=[batch.pk])
    page = client.get(url).content.decode()
    assert f"the same young person as {person.reference}" in page
    # Showing who they may be is a read of their record, in the audit trail.
    assert AuditEvent.objects.filter(
        action=AuditAction.YOUNG_PERSON_READ,
        young_person_id=person.pk,
        actor_id=cast.hackney.lead.pk,
    ).exists()
    assert client.post(url, {}).status_code == 400  # an answer is needed
    response = client.post(url, {"duplicate_0": str(person.pk)})
    assert response.status_code == 302
    services.import_save(batch.pk)
    assert YoungPerson.objects.count() == 2  # the one recorded, and one new
    assert person.episodes.count() == 2
    assert person.episodes.get(is_current=True).referred_on == received


def test_another_borough_lead_cannot_see_or_confirm_the_import(cast, client_for):
    batch = uploaded(cast.hackney)
    client = client_for(cast.southwark.lead)
    assert client.get(reverse("cases:import", args=[batch.pk])).status_code == 404
    assert client.post(reverse("cases:import", args=[batch.pk]), {}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.import_confirm(actor=cast.southwark.lead, batch=batch, decisions={})


def test_the_progress_answer_says_how_far_the_save_has_got(cast, client_for):
    batch = uploaded(cast.hackney)
    services.import_confirm(actor=cast.hackney.lead, batch=batch, decisions={})
    answer = client_for(cast.hackney.lead).get(reverse("cases:import-progress", args=[batch.pk]))
    assert answer.json()["status"] == "queued" and answer.json()["finished"] is False
    services.import_save(batch.pk)
    answer = client_for(cast.hackney.lead).get(reverse("cases:import-progress", args=[batch.pk]))
    assert answer.json()["finished"] is True and answer.json()["percent"] == 100


def test_the_lead_is_told_when_the_save_finishes_saved_or_not(cast, client_for, monkeypatch):
    """X10: the uploader's notification leads to the import's page, which says how it went."""
    from cases.notifications.models import Notification, NotificationKind

    saved = saved_import(cast.hackney)
    [told] = Notification.objects.filter(kind=NotificationKind.IMPORT_FINISHED)
    assert told.recipient == cast.hackney.lead and told.young_person_id is None
    assert told.link == reverse("cases:import", args=[saved.pk])
    assert client_for(cast.hackney.lead).get(told.link).status_code == 200

    batch = uploaded(cast.hackney, workbook(cast.hackney, young_people=3, prefix="B", seed=2))
    services.import_confirm(actor=cast.hackney.lead, batch=batch, decisions={})

    _clash_at_the_sdqs(monkeypatch)
    assert services.import_save(batch.pk) is None
    failed = Notification.objects.filter(kind=NotificationKind.IMPORT_FINISHED, object_id=batch.pk)
    assert [n.recipient for n in failed] == [cast.hackney.lead]  # the uploader alone


# --- Reading a workbook -----------------------------------------------------------------------


def _openpyxl_rows(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    found = {}
    for sheet in book.worksheets:
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        # openpyxl pads each row to the sheet's width; the reader stops at a row's last value.
        rows = [row[: max((i + 1 for i, v in enumerate(row) if v is not None), default=0)]
                for row in rows]  # fmt: skip
        while rows and not rows[-1]:
            rows.pop()
        found[sheet.title] = rows
    book.close()
    return found


def test_the_workbook_reader_reads_every_kind_of_cell_as_openpyxl_does():
    """casework/imports/xlsx.py reads what openpyxl's read-only mode reads, several times
    faster: numbers, dates and times in date styles, shared strings, booleans, formulas as
    formulas, gaps between rows and cells."""
    from datetime import datetime, time

    from openpyxl import Workbook

    from casework.imports import template, xlsx

    book = Workbook()
    sheet = book.active
    sheet.title = "Young people"
    sheet.append(["Old id", 3, 2.5, True, False, date(2020, 3, 4), datetime(2021, 5, 6, 7, 8)])
    sheet.append([])
    sheet.append([None, "=1+2", time(16, 30), "  spaced  ", "Zoë £", -3, 1e20])
    book.create_sheet("Sessions")["C4"] = "alone"
    out = io.BytesIO()
    book.save(out)
    for data in (out.getvalue(), template.workbook_bytes()):
        read = xlsx.Workbook(io.BytesIO(data))
        ours = {title: list(read.rows(part)) for title, part in read.sheets}
        read.close()
        assert ours == _openpyxl_rows(data)
    assert ours["About this template"]


def _part_changed(data: bytes, name: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one of its parts changed, as a damaged or hostile file would be."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            part = source.read(item.filename)
            target.writestr(item, change(part) if item.filename == name else part)
    return out.getvalue()


def test_a_workbook_with_a_document_type_declaration_is_refused(cast):
    """No workbook Excel writes has one; one that does may be an entity-expansion attack."""
    data = _part_changed(
        workbook(cast.hackney),
        "xl/workbook.xml",
        lambda xml: b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + xml,
    )
    with pytest.raises(reading.FileRefused, match="could not be opened"):
        reading.read_files([("history.xlsx", data)])


def test_a_damaged_cell_refuses_the_workbook_as_damaged(cast):
    data = _part_changed(
        workbook(cast.hackney),
        "xl/worksheets/sheet3.xml",  # Sessions
        lambda xml: xml.replace(b"<v>60</v>", b"<v>sixty</v>", 1),
    )
    with pytest.raises(reading.FileRefused, match="could not be opened"):
        reading.read_files([("history.xlsx", data)])


def test_a_run_of_rows_with_one_problem_is_one_line_and_each_other_problem_its_own():
    batch = ImportBatch(
        problems=[
            {"sheet": "Cases", "row": 3, "message": "No such coach."},
            *({"sheet": "Sessions", "row": n, "message": "No case HK-C2."} for n in range(27, 53)),
            {"sheet": "Sessions", "row": 54, "message": "No case HK-C2."},
            {"sheet": "Sessions", "row": 55, "message": "Not an attendance."},
        ]
    )
    assert batch.problem_lines == [
        {"where": "Cases, row 3", "message": "No such coach."},
        {"where": "Sessions, rows 27 to 52", "message": "No case HK-C2."},
        {"where": "Sessions, row 54", "message": "No case HK-C2."},
        {"where": "Sessions, row 55", "message": "Not an attendance."},
    ]
