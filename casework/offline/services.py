"""Asking a supervisor about a session a phone could not send as it was (docs/offline.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from accounts import access
from accounts.access import Perm
from cases.models import Episode
from casework.tasks import tell_supervisors_of_waiting_session
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.jobs import queue

if TYPE_CHECKING:
    from accounts.models import User


def ask_supervisor(*, actor: User, young_person_pk: int | None, reason: str) -> int:
    """Tell the supervisors of the case's team (or, for a case the coach can no longer see,
    of the coach's own teams) that a session is waiting on the coach's phone; the email goes
    by a job, by reference only. Returns how many supervisors will be told."""
    access.require(actor, Perm.SESSION_WRITE)
    episode = (
        Episode.objects.visible_to(actor)
        .filter(young_person_id=young_person_pk, is_current=True)
        .select_related("young_person")
        .first()
        if young_person_pk is not None
        else None
    )
    team_ids = (
        [episode.team_id]
        if episode is not None and episode.team_id
        else access.coached_team_ids(actor)
    )
    supervisors = list(
        access.supervisor_memberships()
        .filter(team_id__in=team_ids)
        .exclude(user=actor)
        .values_list("user_id", flat=True)
        .distinct()
    )
    with transaction.atomic():
        if episode is not None:
            audit.record_for_episode(
                actor=actor,
                action=AuditAction.SESSION_WAITING_ASKED,
                episode=episode,
                reason=reason,
            )
        else:
            audit.record(actor=actor, action=AuditAction.SESSION_WAITING_ASKED, reason=reason)
        if supervisors:
            queue.send_after_commit(
                tell_supervisors_of_waiting_session,
                actor.pk,
                supervisors,
                episode.pk if episode is not None else None,
                reason,
                delayed="The email to your supervisor is delayed. It will be sent shortly.",
            )
    return len(supervisors)
