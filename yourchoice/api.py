"""Shared API machinery: one error shape, and the scoped viewset every case endpoint uses.

Every case endpoint's queryset starts from `Model.objects.visible_to(request.user)`, as pages
do, and writes go through the same services, so validation and audit are the same.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from yourchoice.errors import DomainError, StaleVersion


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error as {"error": {"status", "message", "fields"}}, never a stack trace."""
    if isinstance(exc, DomainError):
        fields = {k: v for k, v in exc.errors.items() if k}
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
    fields: dict[str, Any] = {}
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
    """Subclasses set `model` and may refine `scoped()`; the queryset is always the visible rows."""

    model: Any = None
    # Ids are whole numbers: anything else is a plain 404, and the schema says so.
    lookup_value_converter = "int"

    def scoped(self, queryset: Any) -> Any:
        return queryset

    def get_queryset(self) -> Any:
        return self.scoped(self.model.objects.visible_to(self.request.user))


def date_param(request: Any, name: str) -> Any:
    """An optional YYYY-MM-DD query parameter; anything else is a clear 400."""
    from datetime import date

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


def idempotent(view: Any) -> Any:
    """For API creates: with an `Idempotency-Key` header, the first successful answer is kept
    and returned again for the same key, so a retried request never makes a second record."""
    from functools import wraps

    from django.db import IntegrityError, transaction

    from yourchoice.models import IdempotencyKey

    @wraps(view)
    def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return view(self, request, *args, **kwargs)
        if len(key) > 100:
            raise exceptions.ValidationError({"Idempotency-Key": ["Use at most 100 characters."]})
        seen = IdempotencyKey.objects.filter(user_id=request.user.pk, key=key).first()
        if seen is not None:
            if seen.path != request.path:
                raise exceptions.ValidationError(
                    {"Idempotency-Key": ["This key was used for another request."]}
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
                        status=response.status_code,
                        body=response.data,
                    )
            except IntegrityError:
                pass  # a simultaneous resend stored it first; this answer is equivalent
        return response

    return wrapper
