"""Shared API machinery: one error shape, and the scoped viewset every case endpoint uses.

Every case endpoint's queryset starts from `Model.objects.visible_to(request.user)`, as pages
do, and writes go through the same services, so validation and audit are the same.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from rest_framework import exceptions, status, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from yourchoice import audit
from yourchoice.data.errors import DomainError, StaleVersion
from yourchoice.models import IdempotencyKey


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as {"error": {"status", "message", "fields"}}, never a stack trace."""
    if isinstance(exc, DomainError):
        fields: dict[str, Any] = {k: v for k, v in exc.errors.items() if k}
        general = exc.errors.get("", [])
        message = " ".join(general) or "Check the fields and try again."
        # Someone else changed the record since the client read it: 409, nothing written.
        code = status.HTTP_409_CONFLICT if isinstance(exc, StaleVersion) else 400
        return Response(
            {"error": {"status": code, "message": message, "fields": fields}}, status=code
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied("You cannot do this.")
    response = drf_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields = {}
    if isinstance(detail, dict) and "detail" in detail:
        message = str(detail["detail"])
    elif isinstance(detail, dict):
        fields = {
            k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
        }
        message = "Check the fields and try again."
    else:
        message = " ".join(str(m) for m in detail) if isinstance(detail, list) else str(detail)
    response.data = {
        "error": {"status": response.status_code, "message": message, "fields": fields}
    }
    return response


class ScopedViewSet(viewsets.GenericViewSet):
    """Subclasses set `model` and may refine `scoped()`; the queryset is always the visible rows.

    Every row a GET returns is a read of a young person's record, audited like opening their
    page (X2): one event per young person per request, naming the rows, written once the
    answer is ready (ReadAuditMiddleware). That is done here, for every case endpoint, so a
    new one is audited without asking.
    """

    model: Any = None
    # Ids are whole numbers: anything else is a plain 404, and the schema says so.
    lookup_value_converter = "int"
    #: Path from `model` to the young person a row is part of ("" for YoungPerson itself).
    #: A model the default does not fit fails its first GET, so none goes unaudited; None
    #: only for rows that say nothing about any young person (say why where it is set).
    young_person_path: str | None = "episode__young_person"

    def scoped(self, queryset: Any) -> Any:
        return queryset

    def get_queryset(self) -> Any:
        return self.scoped(self.model.objects.visible_to(self.request.user))

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        # What a GET answers with passes through here: the page of a list, or one row.
        if args and self.request.method in SAFE_METHODS:
            self._served = args[0]
        return super().get_serializer(*args, **kwargs)

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        served = getattr(self, "_served", None)
        if served is not None and 200 <= response.status_code < 300:
            self._note_reads(served)
        return response

    def _note_reads(self, served: Any) -> None:
        """One query for the young people of every row served, however many rows."""
        if self.young_person_path is None:
            return
        rows = list(served) if isinstance(served, list | tuple | QuerySet) else [served]
        if not rows:
            return
        path = self.young_person_path
        people = ("pk", "authority_id") if not path else (f"{path}__pk", f"{path}__authority_id")
        label = self.model._meta.label_lower
        found = (
            self.model.objects.visible_to(self.request.user)
            .filter(pk__in=[row.pk for row in rows])
            .values_list("pk", *people)
        )
        for pk, young_person_id, authority_id in found:
            audit.note_read(young_person_id, authority_id=authority_id, label=label, pk=pk)


def date_param(request: Any, name: str) -> Any:
    """An optional YYYY-MM-DD query parameter; anything else is a clear 400."""

    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise exceptions.ValidationError({name: ["Use a date like 2026-01-31."]}) from None


def choice_param(request: Any, name: str, choices: list[str]) -> str | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    if raw not in choices:
        raise exceptions.ValidationError({name: [f"Choose one of: {', '.join(choices)}."]})
    return raw


class KeyReused(exceptions.APIException):
    """422: the key came before with another body. Answering with the first request's result
    would tell the client its second request was done; doing it would break the key's promise.
    (As the IETF's Idempotency-Key header draft has it.)"""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


def body_sha256(request: Any) -> str:
    """The request body as parsed, in one canonical form, hashed: the same request sent again
    (keys in another order, other spacing) gives the same hash."""
    data = request.data
    if hasattr(data, "lists"):  # a form body: every value of every name
        data = {name: values for name, values in data.lists()}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(view: Any) -> Any:
    """For API creates: with an `Idempotency-Key` header, the first successful answer is kept
    and returned again for the same key, so a retried request never makes a second record.
    The same key with a different body, or for another route, is refused and does nothing."""

    @wraps(view)
    def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return view(self, request, *args, **kwargs)
        if len(key) > 100:
            raise exceptions.ValidationError({"Idempotency-Key": ["Use at most 100 characters."]})
        digest = body_sha256(request)
        seen = IdempotencyKey.objects.filter(user_id=request.user.pk, key=key).first()
        if seen is not None:
            if seen.path != request.path:
                raise exceptions.ValidationError(
                    {"Idempotency-Key": ["This key was used for another request."]}
                )
            if seen.body_sha256 is not None and seen.body_sha256 != digest:
                raise KeyReused(
                    {
                        "Idempotency-Key": [
                            "This key was sent before with a different request. Send a new "
                            "key for a new request, or the first request again as it was."
                        ]
                    }
                )
            return Response(seen.body, status=seen.status)
        response = view(self, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            try:
                with transaction.atomic():
                    IdempotencyKey.objects.create(
                        user_id=request.user.pk,
                        key=key,
                        path=request.path,
                        body_sha256=digest,
                        status=response.status_code,
                        body=response.data,
                    )
            except IntegrityError:
                pass  # a simultaneous resend stored it first; this answer is equivalent
        return response

    return wrapper
