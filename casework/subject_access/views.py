"""Answering a subject access request: the borough lead downloads the whole record (X6)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from accounts.http import AuthenticatedHttpRequest
from casework.subject_access import files, selectors
from yourchoice import audit
from yourchoice.audit.actions import AuditAction


@login_required
def subject_access(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    episode = selectors.get_young_person_for_export(request.user, pk)
    response = render(request, "cases/subject_access.html", {"young_person": episode.young_person})
    add_never_cache_headers(response)
    return response


@login_required
def subject_access_download(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The file, built fresh each time and never kept: not on disk, not in any cache."""
    if fmt not in files.FORMATS:
        raise Http404
    episode = selectors.get_young_person_for_export(request.user, pk)
    record = selectors.subject_access_export(request.user, episode)
    body = files.json_bytes(record) if fmt == "json" else files.pdf_bytes(record)
    audit.record_for_young_person(
        actor=request.user,
        action=AuditAction.YOUNG_PERSON_EXPORT,
        young_person=episode.young_person,
        format=fmt,
    )
    response = HttpResponse(body, content_type=files.FORMATS[fmt])
    response["Content-Disposition"] = (
        f'attachment; filename="{files.file_name(episode.young_person.reference, fmt)}"'
    )
    add_never_cache_headers(response)
    return response
