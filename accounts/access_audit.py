"""Every change to who may see what goes into the append-only audit trail, with before and after
(docs/audit.md): accounts made, switched on or off, given or taken admin access or deleted;
roles (memberships) given, changed or taken away; cover arranged, changed or ended; teams
made, renamed or closed.

Written from the models' save and delete signals rather than from the admin's hooks, because
those models are changed by more than one path: the admin's change form, its inline rows (one
formset per account), its bulk delete action, the deletion of an account taking its roles
with it, and management commands or the shell. Every one of them goes through the model's
save or delete, so none can leave the trail out. Django's own admin log is no substitute: it
is deletable and records no values.

The actor is the person making the request (yourchoice/web/request_context.py); outside a request
(a command, a migration) it is the service itself. Events carry ids and access facts only.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from accounts.models import Cover, Membership, Team, User
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.web.request_context import current_user

#: The fields of each model that decide what someone may see or do.
TRACKED: dict[type[models.Model], tuple[str, ...]] = {
    User: ("is_active", "is_staff", "is_superuser"),
    Membership: ("user_id", "role", "team_id", "authority_id"),
    Cover: ("team_id", "absent_coach_id", "covering_coach_id", "starts_on", "ends_on"),
    Team: ("authority_id", "name", "active"),
}
#: What the trail records when each model's row is made, changed or deleted.
CREATED = {
    User: AuditAction.ACCOUNT_CREATE,
    Membership: AuditAction.MEMBERSHIP_ADD,
    Cover: AuditAction.COVER_ADD,
    Team: AuditAction.TEAM_CREATE,
}
UPDATED = {
    User: AuditAction.ACCOUNT_UPDATE,
    Membership: AuditAction.MEMBERSHIP_UPDATE,
    Cover: AuditAction.COVER_UPDATE,
    Team: AuditAction.TEAM_UPDATE,
}
DELETED = {
    User: AuditAction.ACCOUNT_DELETE,
    Membership: AuditAction.MEMBERSHIP_REMOVE,
    Cover: AuditAction.COVER_REMOVE,
    Team: AuditAction.TEAM_REMOVE,
}


def _state(instance: models.Model) -> dict[str, Any]:
    values = {f: getattr(instance, f) for f in TRACKED[type(instance)]}
    return {f: v.isoformat() if hasattr(v, "isoformat") else v for f, v in values.items()}


def _authority_id(instance: models.Model) -> int | None:
    """The authority a team, role or cover is in, so the events can be read by authority."""
    if isinstance(instance, Team):
        return instance.authority_id
    if isinstance(instance, Membership):
        if instance.authority_id is not None:
            return instance.authority_id
        team_id = instance.team_id
    elif isinstance(instance, Cover):
        team_id = instance.team_id
    else:
        return None
    if team_id is None:
        return None  # a service-wide role: in no authority
    return Team.objects.filter(pk=team_id).values_list("authority_id", flat=True).first()


def _record(action: AuditAction, instance: models.Model, **detail: Any) -> None:
    audit.record(
        actor=current_user(),
        action=action,
        obj=instance,
        authority_id=_authority_id(instance),
        **detail,
    )


def _before_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Keep the stored values of an existing row, unless the save cannot touch them (such as
    last_login at every sign-in, which is saved with update_fields)."""
    instance._access_before = None  # type: ignore[attr-defined]  # a note for _after_save
    if instance._state.adding or instance.pk is None:
        return
    update_fields = kwargs.get("update_fields")
    fields = TRACKED[sender]
    if update_fields is not None and not {f.removesuffix("_id") for f in fields} & {
        f.removesuffix("_id") for f in update_fields
    }:
        return
    stored = sender._default_manager.filter(pk=instance.pk).values(*fields).first()
    if stored is not None:
        instance._access_before = {  # type: ignore[attr-defined]  # a note for _after_save
            f: v.isoformat() if hasattr(v, "isoformat") else v for f, v in stored.items()
        }


def _after_save(
    sender: type[models.Model], instance: models.Model, created: bool, **kwargs: Any
) -> None:
    if kwargs.get("raw"):
        return  # loading fixtures
    after = _state(instance)
    if created:
        _record(CREATED[sender], instance, after=after)
        return
    before = getattr(instance, "_access_before", None)
    if before is None:
        return
    changes = {f: [before[f], after[f]] for f in after if before[f] != after[f]}
    if changes:
        _record(UPDATED[sender], instance, before=before, after=after, changes=sorted(changes))


def _after_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    _record(DELETED[sender], instance, before=_state(instance))


def connect() -> None:
    for model in TRACKED:
        uid = f"access_audit.{model.__name__}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}.pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}.post")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}.delete")
