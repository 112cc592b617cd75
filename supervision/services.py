"""Recording clinical supervision and its actions (docs/programme.md V2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import access
from accounts.models import Team
from cases.models import Episode
from cases.notifications.models import NotificationKind
from cases.notifications.services import notify
from supervision.models import (
    Action,
    CaseDiscussion,
    SupervisionAttendee,
    SupervisionFormat,
    SupervisionRecord,
)
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data import dates
from yourchoice.data.errors import DomainError
from yourchoice.web.concurrency import require_version, save_changes

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True)
class AgreedAction:
    description: str
    owner: User
    due_on: date
    episode: Episode | None = None


@dataclass(frozen=True)
class Discussion:
    episode: Episode
    notes: str = ""


@dataclass
class SupervisionInput:
    held_on: date
    format: str
    coaches: dict[int, str] = field(default_factory=dict)  # coach id -> wellbeing check-in
    discussions: list[Discussion] = field(default_factory=list)
    decisions: str = ""
    actions: list[AgreedAction] = field(default_factory=list)


def action_owners(*, actor: User, team: Team) -> list[User]:
    """Who may own an action agreed at the team's supervision: its coaches, and the supervisor
    recording it. The page offers these and the service (so the API) accepts only these."""
    coaches = access.action_owner_candidates(team)
    return sorted({*coaches, actor}, key=lambda u: u.full_name)


@transaction.atomic
def supervision_record(*, actor: User, team: Team, data: SupervisionInput) -> SupervisionRecord:
    """Record a supervision session for a team's coaches, with cases discussed and actions."""
    if team.pk not in access.supervised_team_ids(actor):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    dates.add(errors, "held_on", dates.happened(data.held_on, what="The supervision date"))
    if data.format not in SupervisionFormat.values:
        errors["format"] = ["Choose individual or group."]
    team_coaches = set(access.coach_memberships([team.pk]).values_list("user_id", flat=True))
    if not data.coaches:
        errors["coaches"] = ["Choose the coaches who were there."]
    elif not set(data.coaches) <= team_coaches:
        errors["coaches"] = ["Choose coaches from this team."]
    elif data.format == SupervisionFormat.INDIVIDUAL and len(data.coaches) != 1:
        errors["coaches"] = ["Individual supervision is with one coach. Choose group for more."]
    for discussion in data.discussions:
        if discussion.episode.team_id != team.pk:
            errors["discussions"] = ["Cases discussed must belong to this team."]
    owners = {u.pk for u in action_owners(actor=actor, team=team)} if data.actions else set()
    for index, action in enumerate(data.actions):
        if not action.description.strip():
            errors["actions"] = ["Describe each action."]
        if action.owner.pk not in owners:
            errors["actions"] = ["Each action's owner must be a coach in this team, or you."]
        # Each action's date is named by its place in the list, so a page can put the
        # message beside the right row.
        dates.add(
            errors,
            f"actions.{index}.due_on",
            dates.ahead(
                action.due_on,
                what="The due date",
                not_before=data.held_on,
                not_before_what="the day of the supervision",
            ),
        )
        if action.episode is not None and action.episode.team_id != team.pk:
            errors["actions"] = ["Actions can only be attached to this team's cases."]
    if errors:
        raise DomainError(errors)

    record = SupervisionRecord.objects.create(
        team=team,
        supervisor=actor,
        held_on=data.held_on,
        format=data.format,
        decisions=data.decisions.strip(),
    )
    SupervisionAttendee.objects.bulk_create(
        SupervisionAttendee(record=record, coach_id=coach_id, wellbeing_checkin=note.strip())
        for coach_id, note in data.coaches.items()
    )
    CaseDiscussion.objects.bulk_create(
        CaseDiscussion(record=record, episode=d.episode, notes=d.notes.strip())
        for d in data.discussions
    )
    actions = Action.objects.bulk_create(
        Action(
            record=record,
            episode=a.episode,
            description=a.description.strip(),
            owner=a.owner,
            due_on=a.due_on,
        )
        for a in data.actions
    )
    for action in actions:
        # The action's words may name someone: the notification says only that there is one.
        notify(
            recipients=[action.owner_id],
            kind=NotificationKind.ACTION_GIVEN,
            actor=actor,
            young_person_id=action.episode.young_person_id if action.episode else None,
            object_id=action.pk,
        )
    audit.record(
        actor=actor,
        action=AuditAction.SUPERVISION_RECORD,
        obj=record,
        cases=[d.episode.pk for d in data.discussions],
    )
    for discussion in data.discussions:
        audit.record_for_episode(
            actor=actor,
            action=AuditAction.SUPERVISION_DISCUSS,
            episode=discussion.episode,
            record_id=record.pk,
        )
    return record


@transaction.atomic
def action_complete(*, actor: User, action: Action) -> Action:
    """Mark an action done. Its owner, or a supervisor of its team, may do so."""
    current = Action.objects.select_for_update().select_related("record").get(pk=action.pk)
    if current.owner_id != actor.pk and current.record.team_id not in access.supervised_team_ids(
        actor
    ):
        raise PermissionDenied
    if current.done_at is not None:
        return current
    current.done_at = timezone.now()
    current.done_by = actor
    current.save(update_fields=["done_at", "done_by"])
    audit.record(actor=actor, action=AuditAction.ACTION_COMPLETE, obj=current)
    return current


def may_change_record(user: User, record: SupervisionRecord) -> bool:
    """The supervisor who recorded supervision may correct it while they supervise the team."""
    return record.supervisor_id == user.pk and record.team_id in access.supervised_team_ids(user)


@transaction.atomic
def supervision_update(
    *,
    actor: User,
    record: SupervisionRecord,
    version: int,
    held_on: date,
    decisions: str,
    wellbeing: dict[int, str] | None = None,
    case_notes: dict[int, str] | None = None,
) -> SupervisionRecord:
    """Correct a supervision record: its date, decisions, each coach's wellbeing check-in (by
    attendee id) and the notes on each case discussed (by discussion id).

    The same record can be open on two devices: a save from a version that is no longer
    current is refused (StaleVersion) and nothing is written. The audit names what changed,
    never the words.
    """
    current = SupervisionRecord.objects.select_for_update().get(pk=record.pk)
    if not may_change_record(actor, current):
        raise PermissionDenied
    require_version(
        current,
        version,
        what="this supervision record",
        actions=(AuditAction.SUPERVISION_UPDATE,),
        actor=actor,
    )
    wellbeing, case_notes = wellbeing or {}, case_notes or {}
    if problem := dates.happened(held_on, what="The supervision date"):
        raise DomainError({"held_on": [problem]})
    attendees = {a.pk: a for a in SupervisionAttendee.objects.filter(record=current)}
    # Only the cases the supervisor can still see: a case transferred away since keeps its notes.
    discussions = {
        d.pk: d
        for d in CaseDiscussion.objects.visible_to(actor)
        .filter(record=current)
        .select_related("episode")
    }
    if not set(wellbeing) <= set(attendees) or not set(case_notes) <= set(discussions):
        raise DomainError("The record has changed shape since the page was opened. Reload it.")

    children: list[str] = []
    if _save_texts(SupervisionAttendee.objects.all(), attendees, wellbeing, "wellbeing_checkin"):
        children.append("wellbeing_checkin")
    discussed_changed = _save_texts(CaseDiscussion.objects.all(), discussions, case_notes, "notes")
    if discussed_changed:
        children.append("case_notes")
    own = {"held_on": held_on, "decisions": decisions.strip()}
    changed = save_changes(current, own, child_rows_changed=bool(children)) + children
    if not changed:
        return current
    audit.record(
        actor=actor,
        action=AuditAction.SUPERVISION_UPDATE,
        obj=current,
        fields=changed,
        version=current.version,
    )
    for discussion in discussed_changed:
        audit.record_for_episode(
            actor=actor,
            action=AuditAction.SUPERVISION_DISCUSS_UPDATE,
            episode=discussion.episode,
            record_id=current.pk,
        )
    return current


def _save_texts(
    table: QuerySet[Any], rows: dict[int, Any], texts: dict[int, str], column: str
) -> list[Any]:
    """Set `column` on each row whose text (by row id) differs, in one UPDATE; the rows changed."""
    changed = []
    for row_id, text in texts.items():
        row = rows[row_id]
        if text.strip() != getattr(row, column):
            setattr(row, column, text.strip())
            changed.append(row)
    if changed:
        table.bulk_update(changed, [column])
    return changed
