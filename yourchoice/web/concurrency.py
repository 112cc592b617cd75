"""Two people editing one record: the second save of a stale version is refused and shown what
changed; nothing is silently overwritten (docs/architecture.md).

Every record two people can edit carries a `version`. Its form carries the version it was
loaded with and a signed snapshot of the values it showed (`VersionedForm`, in
yourchoice/web/versioned_form.py). The service locks the row, compares versions (`require_version`)
and raises StaleVersion without writing anything when they differ. The page then answers 409 and
(`VersionedForm.show_conflict`):

- keeps everything the person typed;
- lists each field the other person changed: its label, the value she saw, the value now saved;
- moves the form on to the current version, so saving again is a deliberate choice made with
  the changes in view. Fields she had not touched take the other person's value, so a second
  save never quietly undoes their work.

This module is the services' half and imports no form library; the form lives apart so that
the rules never load how pages render.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from yourchoice.data.errors import StaleVersion
from yourchoice.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User

    from yourchoice.audit.actions import AuditAction


def last_editor(
    record: models.Model,
    actions: tuple[AuditAction, ...],
    *,
    actor: User | None = None,
    young_person_id: int | None = None,
) -> str:
    """Who last saved `record` through one of `actions` (the audit actions that change it),
    from the audit trail ("" if unknown).

    The search is narrowed by an indexed column (the young person, or the time of the last
    save), so it stays quick on a long trail.
    """

    events = AuditEvent.objects.filter(
        object_type=record._meta.label_lower, object_id=record.pk, action__in=actions
    )
    if young_person_id is not None:
        events = events.filter(young_person_id=young_person_id)
    updated_at = getattr(record, "updated_at", None)
    if updated_at is not None:
        events = events.filter(at__gte=updated_at - timedelta(minutes=1))
    actor_id = events.order_by("-at", "-pk").values_list("actor_id", flat=True).first()
    if actor_id is None:
        return ""
    if actor is not None and actor_id == actor.pk:
        return "You, in another window or tab,"
    return (
        get_user_model().objects.filter(pk=actor_id).values_list("full_name", flat=True).first()
        or ""
    )


def require_version(
    record: models.Model,
    version: int,
    *,
    what: str,
    actions: tuple[AuditAction, ...],
    actor: User | None = None,
    young_person_id: int | None = None,
) -> None:
    """Refuse a save made from a stale form: `record` must be locked by the caller
    (select_for_update) and still at the `version` the form was loaded with."""
    if record.version == version:  # type: ignore[attr-defined]  # a versioned model's column: Model has none
        return
    who = last_editor(record, actions, actor=actor, young_person_id=young_person_id)
    raise StaleVersion(
        f"{who or 'Someone else'} saved changes to {what} after you opened it, so your "
        "changes have not been saved. Check what changed, then save again.",
        current=record,
        changed_by=who,
    )


def save_changes(
    record: models.Model, values: dict[str, Any], *, child_rows_changed: bool = False
) -> list[str]:
    """Save the `values` that differ from the locked `record` as its next version, writing only
    those columns; returns the names that changed. With none changed nothing is written and the
    version stays, unless the record's own child rows changed (`child_rows_changed`): a new
    version then tells a second editor that the record moved on."""
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    if not changed and not child_rows_changed:
        return []
    for name in changed:
        setattr(record, name, values[name])
    record.version += 1  # type: ignore[attr-defined]  # a versioned model's column: Model has none
    record.updated_at = timezone.now()  # type: ignore[attr-defined]  # as is updated_at
    record.save(update_fields=[*changed, "version", "updated_at"])
    return changed
