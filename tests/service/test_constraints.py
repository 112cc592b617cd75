"""The database itself refuses impossible records, whatever code path writes them."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Membership, Role
from cases.models import Episode, RiskFlag
from outcomes.models import Goal, GoalRating
from sessions.models import SessionLog
from tests.conftest import allocated_case, new_key

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_a_fourth_live_goal_is_refused(cast):
    episode = allocated_case(cast.hackney)
    for slot in (1, 2, 3):
        Goal.objects.create(
            episode=episode,
            slot=slot,
            description="g",
            agreed_on=timezone.localdate(),
            created_by=cast.hackney.coach,
        )
    assert refused(
        lambda: Goal.objects.create(
            episode=episode,
            slot=4,
            description="g",
            agreed_on=timezone.localdate(),
            created_by=cast.hackney.coach,
        )
    )
    assert refused(
        lambda: Goal.objects.create(
            episode=episode,
            slot=1,
            description="g",
            agreed_on=timezone.localdate(),
            created_by=cast.hackney.coach,
        )
    )


def test_goal_ratings_are_0_to_10(cast):
    episode = allocated_case(cast.hackney)
    goal = Goal.objects.create(
        episode=episode,
        slot=1,
        description="g",
        agreed_on=timezone.localdate(),
        created_by=cast.hackney.coach,
    )
    assert refused(
        lambda: GoalRating.objects.create(
            goal=goal, score=11, rated_on=timezone.localdate(), rated_by=cast.hackney.coach
        )
    )


def test_feelings_are_0_to_10_and_missed_sessions_have_none(cast):
    episode = allocated_case(cast.hackney)
    base = dict(
        episode=episode,
        coach=cast.hackney.coach,
        occurred_at=timezone.now(),
        recorded_by=cast.hackney.coach,
    )
    assert refused(
        lambda: SessionLog.objects.create(
            **base,
            attendance="attended",
            duration_minutes=30,
            place="school",
            feeling_start=11,
            idempotency_key=new_key(),
        )
    )
    assert refused(
        lambda: SessionLog.objects.create(
            **base, attendance="did_not_attend", feeling_start=5, idempotency_key=new_key()
        )
    )
    assert refused(
        lambda: SessionLog.objects.create(**base, attendance="attended", idempotency_key=new_key())
    )  # no duration or place


def test_a_closed_case_needs_a_reason_and_an_allocated_case_a_coach(cast):
    episode = allocated_case(cast.hackney)
    assert refused(lambda: Episode.objects.filter(pk=episode.pk).update(status="closed"))
    assert refused(lambda: Episode.objects.filter(pk=episode.pk).update(coach=None))


def test_memberships_sit_at_the_right_level(cast):
    assert refused(lambda: Membership.objects.create(user=cast.evaluator, role=Role.COACH))
    assert refused(
        lambda: Membership.objects.create(
            user=cast.evaluator, role=Role.PROGRAMME_LEAD, authority=cast.hackney.authority
        )
    )


def test_a_resolved_flag_says_who_and_how(cast):
    episode = allocated_case(cast.hackney)
    assert refused(
        lambda: RiskFlag.objects.create(
            episode=episode,
            category="other",
            level="low",
            summary="s",
            review_on=timezone.localdate(),
            raised_by=cast.hackney.coach,
            resolved_at=timezone.now(),
        )
    )


def test_the_same_idempotency_key_cannot_make_two_sessions(cast):
    episode = allocated_case(cast.hackney)
    key = new_key()
    base = dict(
        episode=episode,
        coach=cast.hackney.coach,
        occurred_at=timezone.now(),
        recorded_by=cast.hackney.coach,
        attendance="did_not_attend",
        idempotency_key=key,
    )
    SessionLog.objects.create(**base)
    assert refused(lambda: SessionLog.objects.create(**base))
