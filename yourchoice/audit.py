"""Writing audit events. Every service calls `record`; page views of a case call it too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from yourchoice.models import AuditEvent
from yourchoice.request_context import current_ip

if TYPE_CHECKING:
    from accounts.models import User


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    young_person_id: int | None = None,
    authority_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        young_person_id=young_person_id,
        authority_id=authority_id,
        ip_address=current_ip(),
        detail=detail,
    )


def record_for_episode(
    *, actor: User | None, action: str, episode: Any, obj: models.Model | None = None, **detail: Any
) -> AuditEvent:
    """An event about a case: indexed by young person so the borough lead can read it (X2)."""
    return record(
        actor=actor,
        action=action,
        obj=obj if obj is not None else episode,
        young_person_id=episode.young_person_id,
        authority_id=episode.authority_id,
        **detail,
    )
