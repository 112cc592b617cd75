"""Logging sessions (docs/programme.md S1–S3)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from cases.models import SESSION_STATUSES, EpisodeStatus, FlagCategory, FlagLevel
from cases.services import _change_status, flag_raise
from outcomes import summary as outcome_summary
from outcomes.models import MAX_RATING, MIN_RATING, Goal, GoalRating, GoalStatus
from sessions.models import (
    MAX_DURATION_MINUTES,
    MAX_FEELING,
    MIN_DURATION_MINUTES,
    MIN_FEELING,
    Attendance,
    SessionLog,
    SessionNoteAddendum,
    Technique,
)
from sessions.rules import session_moment_problem
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data import dates
from yourchoice.data.errors import DomainError
from yourchoice.web.concurrency import require_version, save_changes

if TYPE_CHECKING:
    from accounts.models import User
    from cases.models import Episode

#: How long a raised safeguarding concern waits for review by default.
CONCERN_REVIEW_DAYS = 7


def correctable_until(session_log: SessionLog) -> datetime:
    """The end of the window for correcting a session after logging it (S3, S8)."""
    return session_log.created_at + timedelta(minutes=settings.SESSION_NOTES_CORRECTION_MINUTES)


def notes_locked(session_log: SessionLog, now: datetime | None = None) -> bool:
    """A session can be corrected for a short window after logging; then only addenda (S3)."""
    return (now or timezone.now()) >= correctable_until(session_log)


def _held_only(
    attendance: str,
    duration_minutes: int | None,
    place: str,
    feeling_start: int | None,
    feeling_end: int | None,
    goal_scores: dict[int, int] | None,
) -> tuple[int | None, str, int | None, int | None, dict[int, int]]:
    """The answers only a session that happened has, blank when it did not. The form comes
    with the usual length and place filled in, and a page used without JavaScript still sends
    them: they are dropped here, for every channel, so a missed session never reads "60
    minutes, community setting"."""
    if attendance in Attendance.values and attendance != Attendance.ATTENDED:
        return None, "", None, None, {}
    return duration_minutes, place, feeling_start, feeling_end, goal_scores or {}


def _validate(
    *,
    episode: Episode,
    occurred_at: datetime,
    attendance: str,
    duration_minutes: int | None,
    place: str,
    feeling_start: int | None,
    feeling_end: int | None,
    goal_scores: dict[int, int],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    dates.add(
        errors,
        "occurred_at",
        session_moment_problem(occurred_at, referred_on=episode.referred_on),
    )
    if attendance not in Attendance.values:
        errors["attendance"] = ["Choose whether the session happened."]
    if attendance == Attendance.ATTENDED:
        if duration_minutes is None:
            errors["duration_minutes"] = ["Enter how long the session lasted, in minutes."]
        if not place:
            errors["place"] = ["Choose where the session took place."]
    if (
        duration_minutes is not None
        and not MIN_DURATION_MINUTES <= duration_minutes <= MAX_DURATION_MINUTES
    ):
        errors["duration_minutes"] = [
            f"Enter a duration between {MIN_DURATION_MINUTES} and {MAX_DURATION_MINUTES} minutes."
        ]
    for name, value in (("feeling_start", feeling_start), ("feeling_end", feeling_end)):
        if value is not None and not MIN_FEELING <= value <= MAX_FEELING:
            errors[name] = [f"Enter a number from {MIN_FEELING} to {MAX_FEELING}."]
    for goal_id, score in goal_scores.items():
        if not MIN_RATING <= score <= MAX_RATING:
            errors[f"goal_{goal_id}"] = [f"Enter a goal rating from {MIN_RATING} to {MAX_RATING}."]
    return errors


@transaction.atomic
def session_log(
    *,
    actor: User,
    episode: Episode,
    idempotency_key: uuid.UUID,
    occurred_at: datetime,
    attendance: str,
    duration_minutes: int | None = None,
    place: str = "",
    techniques: list[Technique] | None = None,
    feeling_start: int | None = None,
    feeling_end: int | None = None,
    goal_scores: dict[int, int] | None = None,
    between_session_task: str = "",
    notes: str = "",
    safeguarding_concern: bool = False,
    concern_summary: str = "",
) -> tuple[SessionLog, bool]:
    """Record a session. Returns (session, created); a repeated key returns the first one."""
    existing = SessionLog.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.episode_id != episode.pk:
            raise DomainError("This form was already used for another young person. Reload it.")
        return existing, False

    access.require_on(actor, Perm.SESSION_WRITE, episode)
    if episode.status not in SESSION_STATUSES:
        raise DomainError("Sessions can only be logged for an allocated or active case.")
    duration_minutes, place, feeling_start, feeling_end, goal_scores = _held_only(
        attendance, duration_minutes, place, feeling_start, feeling_end, goal_scores
    )
    errors = _validate(
        episode=episode,
        occurred_at=occurred_at,
        attendance=attendance,
        duration_minutes=duration_minutes,
        place=place,
        feeling_start=feeling_start,
        feeling_end=feeling_end,
        goal_scores=goal_scores,
    )
    live_goals = {g.pk: g for g in Goal.objects.filter(episode=episode, status=GoalStatus.LIVE)}
    for goal_id in goal_scores:
        if goal_id not in live_goals:
            errors.setdefault("", []).append("A goal rating was for a goal that is no longer live.")
    if safeguarding_concern and not concern_summary.strip():
        errors["concern_summary"] = ["Describe the safeguarding concern."]
    if errors:
        raise DomainError(errors)

    try:
        with transaction.atomic():  # a savepoint, so a racing duplicate can be recovered
            log = SessionLog.objects.create(
                episode=episode,
                coach=actor,
                occurred_at=occurred_at,
                duration_minutes=duration_minutes,
                attendance=attendance,
                place=place,
                feeling_start=feeling_start,
                feeling_end=feeling_end,
                between_session_task=between_session_task.strip(),
                notes=notes.strip(),
                safeguarding_concern=safeguarding_concern,
                idempotency_key=idempotency_key,
                recorded_by=actor,
            )
    except IntegrityError:
        existing = SessionLog.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    if techniques:
        log.techniques.set(techniques)
    session_day = timezone.localdate(occurred_at)
    GoalRating.objects.bulk_create(
        GoalRating(
            goal=live_goals[goal_id],
            score=score,
            rated_on=session_day,
            session_log=log,
            rated_by=actor,
        )
        for goal_id, score in goal_scores.items()
    )
    if attendance == Attendance.ATTENDED:
        _mark_started(actor=actor, episode=episode, day=session_day)
    outcome_summary.refresh([episode.pk])
    audit.record_for_episode(
        actor=actor, action=AuditAction.SESSION_LOG, episode=episode, obj=log, attendance=attendance
    )
    if safeguarding_concern:
        flag_raise(
            actor=actor,
            episode=episode,
            category=FlagCategory.SAFEGUARDING,
            level=FlagLevel.HIGH,
            summary=concern_summary,
            review_on=timezone.localdate() + timedelta(days=CONCERN_REVIEW_DAYS),
            session_log=log,
        )
    return log, True


def _mark_started(*, actor: User, episode: Episode, day: date) -> None:
    fields = []
    if episode.started_on is None or day < episode.started_on:
        episode.started_on = day
        fields.append("started_on")
    if episode.status == EpisodeStatus.ALLOCATED:
        _change_status(episode=episode, to=EpisodeStatus.ACTIVE, actor=actor)
        fields.append("status")
    if fields:
        episode.save(update_fields=fields)


@transaction.atomic
def session_notes_correct(
    *, actor: User, session_log: SessionLog, notes: str, version: int
) -> SessionLog:
    """Correct a session's notes within the correction window (S3). The coach and a colleague
    covering for her may both have the session open: a correction made from notes someone
    else has since changed is refused (StaleVersion), never written over theirs."""
    log = SessionLog.objects.select_for_update().select_related("episode").get(pk=session_log.pk)
    access.require_on(actor, Perm.SESSION_WRITE, log.episode)
    if notes_locked(log):
        raise DomainError("These notes are locked. Add an addendum instead, saying why.")
    require_version(
        log,
        version,
        what="these notes",
        actions=(AuditAction.SESSION_CORRECT_NOTES,),
        actor=actor,
        young_person_id=log.episode.young_person_id,
    )
    if not save_changes(log, {"notes": notes.strip()}):
        return log
    audit.record_for_episode(
        actor=actor,
        action=AuditAction.SESSION_CORRECT_NOTES,
        episode=log.episode,
        obj=log,
        fields=["notes"],
        version=log.version,
    )
    return log


@transaction.atomic
def session_correct(
    *,
    actor: User,
    session_log: SessionLog,
    version: int,
    occurred_at: datetime,
    attendance: str,
    duration_minutes: int | None = None,
    place: str = "",
    techniques: list[Technique] | None = None,
    feeling_start: int | None = None,
    feeling_end: int | None = None,
    goal_scores: dict[int, int] | None = None,
    between_session_task: str = "",
    notes: str = "",
) -> SessionLog:
    """Correct any part of a session within the correction window (S8), by the same rules as
    logging it. A correction made from a session someone has since changed is refused
    (StaleVersion). The session's goal ratings become the ones given; a safeguarding concern
    raised with it is a flag of its own, changed there."""
    log = SessionLog.objects.select_for_update().select_related("episode").get(pk=session_log.pk)
    episode = log.episode
    access.require_on(actor, Perm.SESSION_WRITE, episode)
    if notes_locked(log):
        raise DomainError(
            "This session can no longer be corrected. Add to its notes instead, saying why."
        )
    require_version(
        log,
        version,
        what="this session",
        actions=(AuditAction.SESSION_CORRECT, AuditAction.SESSION_CORRECT_NOTES),
        actor=actor,
        young_person_id=episode.young_person_id,
    )
    duration_minutes, place, feeling_start, feeling_end, goal_scores = _held_only(
        attendance, duration_minutes, place, feeling_start, feeling_end, goal_scores
    )
    if _to_the_minute(occurred_at) == _to_the_minute(log.occurred_at):
        occurred_at = log.occurred_at  # the form shows minutes: the same minute is no change
    errors = _validate(
        episode=episode,
        occurred_at=occurred_at,
        attendance=attendance,
        duration_minutes=duration_minutes,
        place=place,
        feeling_start=feeling_start,
        feeling_end=feeling_end,
        goal_scores=goal_scores,
    )
    # The goals it may rate: those live now and those it rated when it was logged.
    rated = {r.goal_id: r for r in GoalRating.objects.filter(session_log=log)}
    goals = {
        g.pk: g
        for g in Goal.objects.filter(episode=episode).filter(
            Q(status=GoalStatus.LIVE) | Q(pk__in=list(rated))
        )
    }
    if any(goal_id not in goals for goal_id in goal_scores):
        errors.setdefault("", []).append("A goal rating was for a goal this session cannot rate.")
    if errors:
        raise DomainError(errors)

    techniques = techniques or []
    children_changed = {t.pk for t in log.techniques.all()} != {t.pk for t in techniques} or {
        goal_id: r.score for goal_id, r in rated.items()
    } != goal_scores
    changed = save_changes(
        log,
        {
            "occurred_at": occurred_at,
            "attendance": attendance,
            "duration_minutes": duration_minutes,
            "place": place,
            "feeling_start": feeling_start,
            "feeling_end": feeling_end,
            "between_session_task": between_session_task.strip(),
            "notes": notes.strip(),
        },
        child_rows_changed=children_changed,
    )
    if not changed and not children_changed:
        return log
    log.techniques.set(techniques)
    day = timezone.localdate(occurred_at)
    for goal_id, rating in rated.items():
        if goal_id not in goal_scores:
            rating.delete()
        elif (rating.score, rating.rated_on) != (goal_scores[goal_id], day):
            rating.score, rating.rated_on = goal_scores[goal_id], day
            rating.save(update_fields=["score", "rated_on"])
    GoalRating.objects.bulk_create(
        GoalRating(goal=goals[goal_id], score=score, rated_on=day, session_log=log, rated_by=actor)
        for goal_id, score in goal_scores.items()
        if goal_id not in rated
    )
    if attendance == Attendance.ATTENDED:
        _mark_started(actor=actor, episode=episode, day=day)
    outcome_summary.refresh([episode.pk])
    audit.record_for_episode(
        actor=actor,
        action=AuditAction.SESSION_CORRECT,
        episode=episode,
        obj=log,
        fields=changed + (["techniques and goal ratings"] if children_changed else []),
        version=log.version,
    )
    return log


def _to_the_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


@transaction.atomic
def session_addendum_add(
    *, actor: User, session_log: SessionLog, text: str, reason: str
) -> SessionNoteAddendum:
    """Append to locked notes, with who, when and why (S3)."""
    access.require_on(actor, Perm.SESSION_WRITE, session_log.episode)
    errors = {}
    if not text.strip():
        errors["text"] = ["Enter the addendum."]
    if not reason.strip():
        errors["reason"] = ["Say why the notes need an addendum."]
    if errors:
        raise DomainError(errors)
    addendum = SessionNoteAddendum.objects.create(
        session_log=session_log, text=text.strip(), reason=reason.strip(), author=actor
    )
    audit.record_for_episode(
        actor=actor, action=AuditAction.SESSION_ADDENDUM, episode=session_log.episode, obj=addendum
    )
    return addendum
