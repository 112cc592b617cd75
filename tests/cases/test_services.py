"""Each core write, through its service: validation, the change, and its audit row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import services as case_services
from cases.models import (
    Allocation,
    ClosureDecision,
    Episode,
    EpisodeStatus,
    EpisodeStatusChange,
    YoungPerson,
)
from outcomes import services as outcome_services
from outcomes.models import GoalRating, GoalStatus, MeasureDefinition
from sessions import services as session_services
from sessions.models import SessionLog
from supervision import services as supervision_services
from supervision.models import Action
from tests.conftest import allocated_case, logged_session, new_key, referral
from yourchoice.data.errors import DomainError, PossibleDuplicate
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


def last_audit(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("pk")


def test_referral_creates_young_person_episode_and_audit(cast):
    episode = referral(cast.hackney)
    assert episode.status == EpisodeStatus.REFERRED
    assert episode.young_person.reference.startswith("YC-E09000012-")
    event = last_audit("referral.create")
    assert event.actor_id == cast.hackney.lead.pk
    assert event.young_person_id == episode.young_person_id
    assert event.detail == {"eligible": True}


def test_references_are_stable_and_sequential_per_authority(cast):
    first = referral(cast.hackney).young_person.reference
    second = referral(cast.hackney).young_person.reference
    assert int(second[-6:]) == int(first[-6:]) + 1


def test_ineligible_referral_is_recorded_with_plain_reasons(cast):
    episode = referral(cast.hackney, age=19, consent=False)
    assert episode.status == EpisodeStatus.NOT_TAKEN_ON
    reasons = episode.referral.ineligible_reasons
    assert any("ages 11 to 17" in r for r in reasons)
    assert any("not agreed to take part" in r for r in reasons)


def test_referral_warns_of_a_likely_duplicate(cast):
    first = referral(cast.hackney, given="Jordan", family="Smith")
    details = case_services.YoungPersonDetails(
        given_name="Jordan", family_name="smith", date_of_birth=first.young_person.date_of_birth
    )
    kwargs = dict(
        actor=cast.hackney.lead,
        authority=cast.hackney.authority,
        details=details,
        referrer_name="R",
        referrer_organisation="O",
        received_on=timezone.localdate(),
        panel_date=timezone.localdate(),
        risk_level="medium",
        harms=["weapons"],
        consent_given=True,
    )
    with pytest.raises(PossibleDuplicate) as caught:
        case_services.referral_create(**kwargs)
    assert caught.value.matches == [first.young_person]
    case_services.referral_create(**kwargs, confirmed_not_duplicate=True)
    assert YoungPerson.objects.filter(family_name__iexact="smith").count() == 2


def test_only_the_authoritys_lead_records_referrals(cast):
    with pytest.raises(PermissionDenied):
        case_services.referral_create(
            actor=cast.southwark.lead,
            authority=cast.hackney.authority,
            details=case_services.YoungPersonDetails(
                "A", "B", timezone.localdate() - timedelta(days=5000)
            ),
            referrer_name="R",
            referrer_organisation="O",
            received_on=timezone.localdate(),
            panel_date=timezone.localdate(),
            risk_level="high",
            harms=["weapons"],
            consent_given=True,
        )


def test_allocate_then_reallocate_keeps_history(cast):
    episode = allocated_case(cast.hackney)
    assert episode.status == EpisodeStatus.ALLOCATED
    case_services.episode_allocate(
        actor=cast.hackney.lead, episode=episode, coach=cast.hackney.coach2, team=cast.hackney.team
    )
    rows = list(Allocation.objects.filter(episode=episode).order_by("pk"))
    assert [r.kind for r in rows] == ["allocated", "reallocated"]
    assert rows[0].ends_at is not None and rows[1].ends_at is None
    assert last_audit("episode.reallocated").object_id == episode.pk


def test_cannot_allocate_to_a_coach_of_another_team(cast):
    episode = referral(cast.hackney)
    with pytest.raises(DomainError) as caught:
        case_services.episode_allocate(
            actor=cast.hackney.lead,
            episode=episode,
            coach=cast.southwark.coach,
            team=cast.hackney.team,
        )
    assert "coach" in caught.value.errors


def test_a_coach_cannot_allocate(cast):
    episode = referral(cast.hackney)
    Episode.objects.filter(pk=episode.pk).update(coach=cast.hackney.coach, team=cast.hackney.team)
    episode.refresh_from_db()
    with pytest.raises(PermissionDenied):
        case_services.episode_allocate(
            actor=cast.hackney.coach,
            episode=episode,
            coach=cast.hackney.coach2,
            team=cast.hackney.team,
        )


def test_log_session_starts_the_case_rates_goals_and_audits(cast):
    episode = allocated_case(cast.hackney)
    goal = outcome_services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Stay calm",
        agreed_on=timezone.localdate(),
        first_score=2,
    )
    log, created = session_services.session_log(
        actor=cast.hackney.coach,
        episode=episode,
        idempotency_key=new_key(),
        occurred_at=timezone.now() - timedelta(hours=1),
        attendance="attended",
        duration_minutes=60,
        place="school",
        feeling_start=3,
        feeling_end=6,
        goal_scores={goal.pk: 5},
    )
    assert created
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.ACTIVE
    assert episode.started_on == timezone.localdate(log.occurred_at)
    assert GoalRating.objects.get(session_log=log).score == 5
    assert last_audit("session.log").object_id == log.pk
    assert list(
        EpisodeStatusChange.objects.filter(episode=episode).values_list("to_status", flat=True)
    ) == ["referred", "allocated", "active"]


def test_a_resent_session_is_recorded_once(cast):
    episode = allocated_case(cast.hackney)
    key = new_key()
    kwargs = dict(
        actor=cast.hackney.coach,
        episode=episode,
        idempotency_key=key,
        occurred_at=timezone.now(),
        attendance="did_not_attend",
    )
    first, created_first = session_services.session_log(**kwargs)
    second, created_second = session_services.session_log(**kwargs)
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert SessionLog.objects.filter(episode=episode).count() == 1


def test_invalid_session_says_what_to_fix(cast):
    episode = allocated_case(cast.hackney)
    with pytest.raises(DomainError) as caught:
        session_services.session_log(
            actor=cast.hackney.coach,
            episode=episode,
            idempotency_key=new_key(),
            occurred_at=timezone.now() + timedelta(days=2),
            attendance="attended",
            feeling_start=11,
        )
    errors = caught.value.errors
    assert "occurred_at" in errors and "duration_minutes" in errors and "place" in errors
    assert "feeling_start" in errors
    assert not SessionLog.objects.exists()


def test_safeguarding_concern_raises_a_flag(cast):
    episode = allocated_case(cast.hackney)
    log, _ = session_services.session_log(
        actor=cast.hackney.coach,
        episode=episode,
        idempotency_key=new_key(),
        occurred_at=timezone.now(),
        attendance="attended",
        duration_minutes=30,
        place="online",
        safeguarding_concern=True,
        concern_summary="Disclosed being threatened.",
    )
    flag = log.flags.get()
    assert flag.category == "safeguarding" and flag.session_id == log.pk
    assert last_audit("flag.raise").object_id == flag.pk


def test_session_notes_lock_after_the_window(cast, settings):
    settings.SESSION_NOTES_CORRECTION_MINUTES = 0
    episode = allocated_case(cast.hackney)
    log = logged_session(episode, duration_minutes=30, notes="First")
    with pytest.raises(DomainError):
        session_services.session_notes_correct(
            actor=cast.hackney.coach, session_log=log, notes="Changed", version=log.version
        )
    addendum = session_services.session_addendum_add(
        actor=cast.hackney.coach,
        session_log=log,
        text="Also discussed school.",
        reason="Forgot to add",
    )
    assert addendum.author == cast.hackney.coach
    assert last_audit("session.addendum").object_id == addendum.pk


def test_rate_goal_and_at_most_three_live_goals(cast):
    episode = allocated_case(cast.hackney)
    coach = cast.hackney.coach
    goals = [
        outcome_services.goal_set(
            actor=coach,
            episode=episode,
            description=f"Goal {i}",
            agreed_on=timezone.localdate(),
            first_score=1,
        )
        for i in range(3)
    ]
    with pytest.raises(DomainError):
        outcome_services.goal_set(
            actor=coach,
            episode=episode,
            description="Fourth",
            agreed_on=timezone.localdate(),
            first_score=1,
        )
    rating = outcome_services.goal_rate(
        actor=coach, goal=goals[0], score=7, rated_on=timezone.localdate()
    )
    assert last_audit("goal.rate").object_id == rating.pk
    ended = outcome_services.goal_end(
        actor=coach,
        goal=goals[1],
        status=GoalStatus.REPLACED,
        version=goals[1].version,
        replacement="New goal",
        replacement_score=2,
    )
    assert ended.replaced_by is not None
    assert ended.replaced_by.description == "New goal"
    assert ended.replaced_by.slot == goals[1].slot


def test_measure_record_scores_the_sdq(cast):
    episode = allocated_case(cast.hackney)
    sdq = MeasureDefinition.objects.get(code="sdq-self-report")
    answers = dict.fromkeys(range(1, 26), 1)
    response = outcome_services.measure_record(
        actor=cast.hackney.coach,
        episode=episode,
        definition=sdq,
        occasion="baseline",
        completed_on=timezone.localdate(),
        item_answers=answers,
    )
    assert response.total_score == 20
    assert response.scores["prosocial"] == 5
    with pytest.raises(DomainError):  # one baseline per episode
        outcome_services.measure_record(
            actor=cast.hackney.coach,
            episode=episode,
            definition=sdq,
            occasion="baseline",
            completed_on=timezone.localdate(),
            item_answers=answers,
        )


def test_record_supervision_with_an_action_on_a_case(cast):
    episode = allocated_case(cast.hackney)
    record = supervision_services.supervision_record(
        actor=cast.hackney.supervisor,
        team=cast.hackney.team,
        data=supervision_services.SupervisionInput(
            held_on=timezone.localdate(),
            format="individual",
            coaches={cast.hackney.coach.pk: "Doing well"},
            discussions=[supervision_services.Discussion(episode=episode, notes="Low attendance")],
            actions=[
                supervision_services.AgreedAction(
                    description="Call the school",
                    owner=cast.hackney.coach,
                    due_on=timezone.localdate() + timedelta(days=7),
                    episode=episode,
                )
            ],
        ),
    )
    action = Action.objects.visible_to(cast.hackney.coach).get()
    assert action.record == record and action.episode == episode
    assert last_audit("supervision.record").object_id == record.pk
    assert last_audit("supervision.discuss").young_person_id == episode.young_person_id


def test_a_supervisor_of_another_team_cannot_record_for_this_one(cast):
    with pytest.raises(PermissionDenied):
        supervision_services.supervision_record(
            actor=cast.southwark.supervisor,
            team=cast.hackney.team,
            data=supervision_services.SupervisionInput(
                held_on=timezone.localdate(), format="group"
            ),
        )


def test_request_and_approve_closure(cast):
    episode = allocated_case(cast.hackney)
    closure = case_services.closure_request(
        actor=cast.hackney.coach, episode=episode, ending_reason="planned", summary="Goals met"
    )
    with pytest.raises(PermissionDenied):  # the coach cannot approve her own request
        case_services.closure_decide(actor=cast.hackney.coach, closure=closure, approve=True)
    case_services.closure_decide(actor=cast.hackney.supervisor, closure=closure, approve=True)
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.CLOSED and episode.ending_reason == "planned"
    assert last_audit("closure.approve").young_person_id == episode.young_person_id


def test_returned_closure_needs_a_comment_and_keeps_the_case_open(cast):
    episode = allocated_case(cast.hackney)
    closure = case_services.closure_request(
        actor=cast.hackney.coach, episode=episode, ending_reason="disengaged", summary="Not seen"
    )
    with pytest.raises(DomainError):
        case_services.closure_decide(actor=cast.hackney.supervisor, closure=closure, approve=False)
    decided = case_services.closure_decide(
        actor=cast.hackney.supervisor,
        closure=closure,
        approve=False,
        comment="Try one more home visit",
    )
    assert decided.decision == ClosureDecision.RETURNED
    episode.refresh_from_db()
    assert episode.is_open


def test_audit_rows_cannot_be_changed_or_deleted(cast):
    referral(cast.hackney)
    event = last_audit("referral.create")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_database_refuses_a_second_open_episode(cast):
    episode = referral(cast.hackney)
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(
            young_person=episode.young_person,
            authority=episode.authority,
            referred_on=timezone.localdate(),
        )
