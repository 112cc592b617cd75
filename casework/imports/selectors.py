"""Reads for imports: the lead's own authority's batches, and nobody else's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts import access
from accounts.models import Authority
from cases.models import YoungPerson
from casework.imports.models import ImportBatch
from yourchoice import audit
from yourchoice.data.selectors import get_or_404

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.models import User


def led_authorities(user: User) -> QuerySet[Authority]:
    return Authority.objects.filter(pk__in=access.led_authority_ids(user)).order_by("name")


def batches_for_user(user: User, limit: int = 20) -> list[ImportBatch]:
    return list(
        ImportBatch.objects.filter(authority_id__in=access.led_authority_ids(user))
        .select_related("authority", "uploaded_by")
        .defer("problems", "duplicates", "decisions")[:limit]
    )


def batch_for_user(user: User, pk: int) -> ImportBatch:
    """A batch of an authority the user leads; 404 for anyone else, as if it did not exist."""
    return get_or_404(
        ImportBatch.objects.filter(authority_id__in=access.led_authority_ids(user)).select_related(
            "authority", "uploaded_by"
        ),
        pk=pk,
    )


def candidates_still_visible(user: User, batch: ImportBatch) -> list[dict[str, Any]]:
    """The batch's possible duplicates, each with those of its candidates the lead still
    reaches (a record transferred away since is no longer offered)."""
    ids = {c["id"] for d in batch.duplicates for c in d["candidates"]}
    reachable = dict(
        YoungPerson.objects.visible_to(user).filter(pk__in=ids).values_list("pk", "authority_id")
    )
    # The page shows each one's reference, name and date of birth: a read of their record.
    for pk, authority_id in reachable.items():
        audit.note_read(pk, authority_id=authority_id, label="casework.importbatch", pk=batch.pk)
    return [
        {**d, "candidates": [c for c in d["candidates"] if c["id"] in reachable]}
        for d in batch.duplicates
    ]
