"""Importing existing cases: the template, the upload and its preview, the save's progress and
the mapping of old ids (C11). Borough leads, into the authorities they lead."""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

from accounts import access
from accounts.access import Perm
from accounts.http import AuthenticatedHttpRequest
from casework.imports import selectors, services, template
from casework.imports.forms import ConfirmForm, UploadForm
from casework.imports.models import ImportBatch, ImportStatus, Sheet
from casework.imports.sheets import BY_SLUG, SPECS
from outcomes.reports.disclosure import safe_cell
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data import dates
from yourchoice.web.forms import form_page

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _born(iso: str) -> str:
    return dates.long_form(date.fromisoformat(iso))


@login_required
@access.requires(Perm.IMPORT)
def imports(request: AuthenticatedHttpRequest) -> HttpResponse:
    authorities = selectors.led_authorities(request.user)
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        authorities=authorities,
    )

    def save(data: dict[str, Any]) -> ImportBatch:
        files = services.read_uploads(data["upload"])
        return services.import_upload(actor=request.user, authority=data["authority"], files=files)

    return form_page(
        request,
        form,
        "cases/imports/imports.html",
        {
            "batches": selectors.batches_for_user(request.user),
            "sheets": SPECS,
        },
        save=save,
        done=lambda batch: redirect("cases:import", pk=batch.pk),
    )


@login_required
@access.requires(Perm.IMPORT)
def import_template(request: AuthenticatedHttpRequest, part: str) -> HttpResponse:
    if part == "xlsx":
        response = HttpResponse(template.workbook_bytes(), content_type=XLSX)
        name = "your-choice-import-template.xlsx"
    elif part in BY_SLUG:
        response = HttpResponse(
            template.csv_bytes(BY_SLUG[part]), content_type="text/csv; charset=utf-8"
        )
        name = f"your-choice-import-{part}.csv"
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    add_never_cache_headers(response)
    return response


@login_required
@access.requires(Perm.IMPORT)
def import_batch(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_for_user(request.user, pk)
    duplicates = [
        {
            **d,
            "born": _born(d["date_of_birth"]),
            "candidates": [{**c, "born": _born(c["date_of_birth"])} for c in d["candidates"]],
        }
        for d in selectors.candidates_still_visible(request.user, batch)
    ]
    form = ConfirmForm(request.POST if request.method == "POST" else None, duplicates=duplicates)
    labels = dict(Sheet.choices)
    context = {
        "batch": batch,
        "counts": [(labels[k], n) for k, n in batch.counts.items()],
        "already": [(labels[k], n) for k, n in batch.already_imported.items() if n],
        "total": sum(batch.counts.values()),
    }
    if request.method == "POST" and batch.status != ImportStatus.CHECKED:
        return redirect("cases:import", pk=batch.pk)  # sent twice: the save is under way

    def done(_: ImportBatch) -> HttpResponse:
        messages.success(request, "The file is being saved. This page shows how far it has got.")
        return redirect("cases:import", pk=batch.pk)

    response = form_page(
        request,
        form,
        "cases/imports/batch.html",
        context,
        save=lambda data: services.import_confirm(
            actor=request.user, batch=batch, decisions=form.decisions()
        ),
        done=done,
    )
    add_never_cache_headers(response)
    return response


@login_required
@access.requires(Perm.IMPORT)
def import_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """How far a check or a save has got, for the page to show without reloading."""
    batch = selectors.batch_for_user(request.user, pk)
    response = JsonResponse(
        {
            "status": batch.status,
            "label": batch.get_status_display(),
            "done": batch.progress_done,
            "total": batch.progress_total,
            "percent": batch.percent_done,
            "sentence": batch.progress_sentence,
            # The job has ended (the check, or the save): the page shows what it found.
            "finished": not batch.is_working,
        }
    )
    add_never_cache_headers(response)
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@access.requires(Perm.IMPORT)
def import_mapping(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The borough's old ids and what each became here, as CSV. Every cell is made inert for
    spreadsheets (no cell can start a formula), as the reports' files are."""
    batch = selectors.batch_for_user(request.user, pk)
    if not batch.is_saved:
        raise Http404
    audit.record(
        actor=request.user,
        action=AuditAction.IMPORT_MAPPING_DOWNLOAD,
        obj=batch,
        authority_id=batch.authority_id,
    )
    writer = csv.writer(_Echo())
    rows = (
        writer.writerow([safe_cell(cell) for cell in row]) for row in services.mapping_rows(batch)
    )
    response = HttpResponse(_with_bom(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-old-ids.csv"'
    add_never_cache_headers(response)
    return response


def _with_bom(rows: Any) -> Any:
    yield "\ufeff"
    yield from rows
