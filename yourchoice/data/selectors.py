"""Reads shared by every app's selectors: fetching one record for a person, or 404."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def get_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    """The record matching `lookup` in `queryset`, or 404.

    `queryset` is already narrowed to what the person may reach (`visible_to`), so a record out
    of reach answers exactly as one that does not exist: the response says nothing about it."""
    found = queryset.filter(**lookup).first()
    if found is None:
        raise Http404
    return found
