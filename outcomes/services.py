"""Goals and measures (docs/programme.md O1–O3)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from cases.models import OPEN_STATUSES, SESSION_STATUSES
from outcomes import summary
from outcomes.models import (
    MAX_LIVE_GOALS,
    MAX_RATING,
    MIN_RATING,
    EntryMode,
    Goal,
    GoalRating,
    GoalStatus,
    MeasureDefinition,
    MeasureResponse,
    Occasion,
    Rater,
    YoungPersonCheckIn,
)
from outcomes.scoring import sdq
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data import dates
from yourchoice.data.errors import DomainError, StaleVersion
from yourchoice.web.concurrency import last_editor

if TYPE_CHECKING:
    from accounts.models import User
    from cases.models import Episode
    from sessions.models import SessionLog

#: How a goal ended, as the audit trail records it.
GOAL_ENDED: dict[str, AuditAction] = {
    GoalStatus.ACHIEVED: AuditAction.GOAL_ACHIEVED,
    GoalStatus.DROPPED: AuditAction.GOAL_DROPPED,
    GoalStatus.REPLACED: AuditAction.GOAL_REPLACED,
}


def _check_rating(score: int, rated_on: date, *, goal: Goal) -> None:
    if not MIN_RATING <= score <= MAX_RATING:
        raise DomainError({"score": [f"Enter a rating from {MIN_RATING} to {MAX_RATING}."]})
    dates.refuse(
        "rated_on",
        dates.happened(
            rated_on,
            what="The rating date",
            not_before=goal.agreed_on,
            not_before_what="the day the goal was agreed",
        ),
    )


@transaction.atomic
def goal_set(
    *, actor: User, episode: Episode, description: str, agreed_on: date, first_score: int
) -> Goal:
    """Agree a goal in the young person's words and rate it (O1). At most three are live."""
    access.require_on(actor, Perm.GOAL_WRITE, episode)
    if episode.status not in OPEN_STATUSES:
        raise DomainError("Goals can only be set on an open case.")
    if not description.strip():
        raise DomainError({"description": ["Write the goal in the young person's own words."]})
    dates.refuse(
        "agreed_on",
        dates.happened(
            agreed_on,
            what="The date agreed",
            not_before=episode.referred_on,
            not_before_what="the referral",
        ),
    )
    if not MIN_RATING <= first_score <= MAX_RATING:
        raise DomainError({"first_score": [f"Enter a rating from {MIN_RATING} to {MAX_RATING}."]})
    taken = set(
        Goal.objects.select_for_update()
        .filter(episode=episode, status=GoalStatus.LIVE)
        .values_list("slot", flat=True)
    )
    free = [slot for slot in range(1, MAX_LIVE_GOALS + 1) if slot not in taken]
    if not free:
        raise DomainError(
            f"This young person already has {MAX_LIVE_GOALS} goals. Mark one achieved, "
            "dropped or replaced first."
        )
    try:
        with transaction.atomic():
            goal = Goal.objects.create(
                episode=episode,
                slot=free[0],
                description=description.strip(),
                agreed_on=agreed_on,
                created_by=actor,
            )
    except IntegrityError:
        raise DomainError("Someone else added a goal at the same moment. Try again.") from None
    GoalRating.objects.create(goal=goal, score=first_score, rated_on=agreed_on, rated_by=actor)
    summary.refresh([episode.pk])
    audit.record_for_episode(actor=actor, action=AuditAction.GOAL_SET, episode=episode, obj=goal)
    return goal


@transaction.atomic
def goal_rate(
    *, actor: User, goal: Goal, score: int, rated_on: date, session_log: SessionLog | None = None
) -> GoalRating:
    """Rate a live goal 0-10 (O1)."""
    access.require_on(actor, Perm.GOAL_WRITE, goal.episode)
    if goal.status != GoalStatus.LIVE:
        raise DomainError("Only a goal that is still being worked on can be rated.")
    _check_rating(score, rated_on, goal=goal)
    rating = GoalRating.objects.create(
        goal=goal, score=score, rated_on=rated_on, session_log=session_log, rated_by=actor
    )
    summary.refresh([goal.episode_id])
    audit.record_for_episode(
        actor=actor, action=AuditAction.GOAL_RATE, episode=goal.episode, obj=rating
    )
    return rating


def _turn_allowed(actor: User, episode: Episode) -> None:
    # The young person's turn is part of a session with their coach, so it asks what logging
    # one asks: the case's coach (or a colleague covering), on an allocated or active case.
    access.require_on(actor, Perm.SESSION_WRITE, episode)
    if episode.status not in SESSION_STATUSES:
        raise DomainError("The phone can only be handed over on an allocated or active case.")


@transaction.atomic
def young_person_turn_start(*, actor: User, episode: Episode) -> None:
    """The coach hands the phone to the young person (S7): audited, so the trail shows when
    the record was put in the young person's hands, and by whom."""
    _turn_allowed(actor, episode)
    audit.record_for_episode(
        actor=actor, action=AuditAction.YOUNG_PERSON_TURN_START, episode=episode
    )


@transaction.atomic
def young_person_check_in(
    *,
    actor: User,
    episode: Episode,
    idempotency_key: uuid.UUID,
    feeling: int | None,
    goal_scores: Mapping[int, int],
) -> tuple[YoungPersonCheckIn, bool]:
    """Record the young person's own answers, given on the coach's phone (S7): how they feel
    right now and a rating of each live goal they chose to rate, as rated by the young person.
    Returns (check-in, created); a repeated key (a double tap, a re-sent form) returns the
    first one and saves nothing more."""
    existing = YoungPersonCheckIn.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.episode_id != episode.pk:
            raise DomainError("This form was already used for another young person.")
        return existing, False
    _turn_allowed(actor, episode)
    errors: dict[str, list[str]] = {}
    if feeling is not None and not MIN_RATING <= feeling <= MAX_RATING:
        errors["feeling"] = [f"Choose a number from {MIN_RATING} to {MAX_RATING}."]
    live = {g.pk: g for g in Goal.objects.filter(episode=episode, status=GoalStatus.LIVE)}
    for goal_id, score in goal_scores.items():
        if goal_id not in live:
            errors.setdefault("", []).append("One of these goals has changed. Ask your coach.")
        elif not MIN_RATING <= score <= MAX_RATING:
            errors[f"goal_{goal_id}"] = [f"Choose a number from {MIN_RATING} to {MAX_RATING}."]
    if feeling is None and not goal_scores:
        errors.setdefault("", []).append("Choose at least one number.")
    if errors:
        raise DomainError(errors)
    try:
        with transaction.atomic():  # a savepoint, so a racing duplicate can be recovered
            check_in = YoungPersonCheckIn.objects.create(
                episode=episode, feeling=feeling, recorded_by=actor, idempotency_key=idempotency_key
            )
    except IntegrityError:
        existing = YoungPersonCheckIn.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    today = timezone.localdate(check_in.recorded_at)
    GoalRating.objects.bulk_create(
        GoalRating(
            goal=live[goal_id],
            score=score,
            rated_on=today,
            rated_by=actor,
            rater=Rater.YOUNG_PERSON,
            check_in=check_in,
        )
        for goal_id, score in goal_scores.items()
    )
    audit.record_for_episode(
        actor=actor,
        action=AuditAction.YOUNG_PERSON_TURN_RATE,
        episode=episode,
        obj=check_in,
        goals_rated=len(goal_scores),
        feeling_given=feeling is not None,
    )
    return check_in, True


@transaction.atomic
def goal_end(
    *,
    actor: User,
    goal: Goal,
    status: str,
    version: int,
    replacement: str = "",
    replacement_score: int | None = None,
) -> Goal:
    """Mark a goal achieved or dropped, or replace it with a new one; history is kept (O1)."""
    current = Goal.objects.select_for_update().select_related("episode").get(pk=goal.pk)
    access.require_on(actor, Perm.GOAL_WRITE, current.episode)
    if current.version != version:
        who = last_editor(
            current,
            tuple(GOAL_ENDED.values()),
            actor=actor,
            young_person_id=current.episode.young_person_id,
        )
        raise StaleVersion(
            f"{who or 'Someone else'} changed this goal after you opened it: it is now "
            f"{current.get_status_display().lower()}. Nothing you entered has been saved.",
            current=current,
            changed_by=who,
        )
    if current.status != GoalStatus.LIVE:
        raise DomainError("This goal has already ended.")
    if status not in GOAL_ENDED:
        raise DomainError({"status": ["Choose what happened to the goal."]})
    today = timezone.localdate()
    current.status = status
    current.ended_on = today
    current.version += 1
    if status == GoalStatus.REPLACED:
        if not replacement.strip() or replacement_score is None:
            raise DomainError({"replacement": ["Write the new goal and give it a first rating."]})
        # Take the old goal out of its slot first, so the new one can have it.
        Goal.objects.filter(pk=current.pk).update(status=GoalStatus.DROPPED, ended_on=today)
        successor = goal_set(
            actor=actor,
            episode=current.episode,
            description=replacement,
            agreed_on=today,
            first_score=replacement_score,
        )
        current.replaced_by = successor
    current.save(update_fields=["status", "ended_on", "version", "replaced_by"])
    audit.record_for_episode(
        actor=actor, action=GOAL_ENDED[status], episode=current.episode, obj=current
    )
    return current


def _score(
    definition: MeasureDefinition,
    *,
    item_answers: Mapping[int, int | None] | None,
    scale_scores: Mapping[str, int | None] | None,
) -> sdq.SdqScores:
    if definition.scoring != "sdq":
        raise DomainError("This measure cannot be scored yet.")
    if scale_scores is not None:
        if any(name not in sdq.SCALES for name in scale_scores):
            raise DomainError(
                {"scale_scores": [f"Use only the SDQ scales: {', '.join(sdq.SCALES)}."]}
            )
        # A scale left out was not scored, as on the form.
        scale_scores = {name: scale_scores.get(name) for name in sdq.SCALES}
    try:
        if item_answers is not None:
            return sdq.score_items(item_answers)
        return sdq.score_scales(**(scale_scores or {}))
    except (ValueError, TypeError) as error:
        raise DomainError(str(error)) from None


@transaction.atomic
def measure_record(
    *,
    actor: User,
    episode: Episode,
    definition: MeasureDefinition,
    occasion: str,
    completed_on: date,
    item_answers: Mapping[int, int | None] | None = None,
    scale_scores: Mapping[str, int | None] | None = None,
) -> MeasureResponse:
    """Record a completed measure from the paper form, by item answers or by scale scores (O2)."""
    access.require_on(actor, Perm.MEASURE_WRITE, episode)
    if (item_answers is None) == (scale_scores is None):
        raise DomainError("Enter either the answer to each item or the five scale scores.")
    if occasion not in Occasion.values:
        raise DomainError({"occasion": ["Choose baseline, review or end."]})
    dates.refuse(
        "completed_on",
        dates.happened(
            completed_on,
            what="The date",
            not_before=episode.referred_on,
            not_before_what="the referral",
        ),
    )
    scores = _score(definition, item_answers=item_answers, scale_scores=scale_scores)
    try:
        with transaction.atomic():
            response = MeasureResponse.objects.create(
                episode=episode,
                definition=definition,
                occasion=occasion,
                completed_on=completed_on,
                entry_mode=EntryMode.ITEMS if item_answers is not None else EntryMode.SCALES,
                item_answers={str(k): v for k, v in (item_answers or {}).items() if v is not None},
                scores=scores.as_dict(),
                total_score=scores.total_difficulties,
                recorded_by=actor,
            )
    except IntegrityError:
        raise DomainError(
            {
                "occasion": [
                    f"A {Occasion(occasion).label.lower()} {definition.name} is already recorded."
                ]
            }
        ) from None
    audit.record_for_episode(
        actor=actor,
        action=AuditAction.MEASURE_RECORD,
        episode=episode,
        obj=response,
        occasion=occasion,
    )
    return response
