"""Each indicator against a small dataset whose answers are worked out here by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

import pytest
from django.db.models import F
from django.utils import timezone

from cases import services as case_services
from cases.models import Episode
from outcomes import services as outcome_services
from outcomes import summary
from outcomes.models import MeasureDefinition
from outcomes.reports.indicators import Scope, compute
from sessions.models import SessionLog
from tests.conftest import allocated_case, logged_session, referral

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
START = TODAY - timedelta(days=60)


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=12)))


def log(cast, episode, day, attendance="attended"):
    return logged_session(
        episode, coach=cast.hackney.coach, occurred_at=at(day), attendance=attendance
    )


@pytest.fixture
def figures(cast):
    coach = cast.hackney.coach
    # A: referred 50 days ago, first session 40 days ago (10 days to start), 4 attended,
    #    1 not attended, 1 cancelled by the young person, 1 cancelled by the coach.
    a = allocated_case(cast.hackney, given="A", age=12, received_on=TODAY - timedelta(days=50))
    for days_ago in (40, 30, 20, 10):
        log(cast, a, TODAY - timedelta(days=days_ago))
    log(cast, a, TODAY - timedelta(days=35), "did_not_attend")
    log(cast, a, TODAY - timedelta(days=25), "cancelled_young_person")
    log(cast, a, TODAY - timedelta(days=15), "cancelled_coach")
    # A's goals: one from 2 to 6 (+4, meaningful), one from 5 to 4 (-1).
    g1 = outcome_services.goal_set(
        actor=coach,
        episode=a,
        description="g1",
        agreed_on=TODAY - timedelta(days=40),
        first_score=2,
    )
    outcome_services.goal_rate(actor=coach, goal=g1, score=6, rated_on=TODAY - timedelta(days=10))
    g2 = outcome_services.goal_set(
        actor=coach,
        episode=a,
        description="g2",
        agreed_on=TODAY - timedelta(days=40),
        first_score=5,
    )
    outcome_services.goal_rate(actor=coach, goal=g2, score=4, rated_on=TODAY - timedelta(days=10))
    # B: referred 45 days ago, first session 25 days ago (20 days to start), 1 attended,
    #    closed 5 days ago with baseline SDQ total 20 and end total 14 (band very high -> average).
    b = allocated_case(cast.hackney, given="B", age=15, received_on=TODAY - timedelta(days=45))
    log(cast, b, TODAY - timedelta(days=25))
    sdq = MeasureDefinition.objects.get(code="sdq-self-report")
    outcome_services.measure_record(
        actor=coach,
        episode=b,
        definition=sdq,
        occasion="baseline",
        completed_on=TODAY - timedelta(days=25),
        scale_scores=dict(emotional=5, conduct=5, hyperactivity=5, peer=5, prosocial=5),
    )
    outcome_services.measure_record(
        actor=coach,
        episode=b,
        definition=sdq,
        occasion="end",
        completed_on=TODAY - timedelta(days=6),
        scale_scores=dict(emotional=4, conduct=3, hyperactivity=4, peer=3, prosocial=6),
    )
    closure = case_services.closure_request(
        actor=coach, episode=b, ending_reason="planned", summary="Done"
    )
    case_services.closure_decide(actor=cast.hackney.supervisor, closure=closure, approve=True)
    Episode.objects.filter(pk=b.pk).update(closed_on=TODAY - timedelta(days=5))
    # C: an ineligible referral in the period. D: referred before the period. E: Southwark.
    referral(cast.hackney, given="C", age=19, received_on=TODAY - timedelta(days=30))
    referral(cast.hackney, given="D", received_on=START - timedelta(days=10))
    allocated_case(cast.southwark, received_on=TODAY - timedelta(days=20))
    # Sessions were logged an hour after they happened, except one logged 9 days after.
    SessionLog.objects.update(created_at=F("occurred_at") + timedelta(hours=1))
    late = SessionLog.objects.filter(episode=a).order_by("occurred_at").first()
    assert late is not None
    SessionLog.objects.filter(pk=late.pk).update(created_at=late.occurred_at + timedelta(days=9))
    summary.rebuild()  # the updates above went round the services, which keep the summary
    result = compute(Scope([cast.hackney.authority.pk], START, TODAY))
    return {(f.indicator, f.breakdown): f for f in result}


def value(figures, indicator, breakdown="All"):
    return figures[(indicator, breakdown)].value


def test_cohort_counts_and_breakdowns(figures):
    assert value(figures, "Referrals received (episodes)") == 3  # A, B, C (not D; E: Southwark)
    assert value(figures, "Young people referred") == 3
    assert value(figures, "Eligible referrals (episodes)") == 2
    assert value(figures, "Episodes started") == 2
    assert value(figures, "Episodes active at period end") == 1  # A; B closed
    assert value(figures, "Episodes closed") == 1
    assert value(figures, "Young people with an episode closed") == 1
    assert value(figures, "Episodes closed", "Ending reason: Planned ending") == 1
    assert value(figures, "Referrals received (episodes)", "Age at referral: 11 to 12") == 1
    assert value(figures, "Referrals received (episodes)", "Age at referral: 15 to 17") == 1


def test_an_age_outside_11_to_17_gets_its_own_row_and_every_band_is_listed(figures):
    """C was 19 when referred: "18 or over", not "15 to 17"; nobody was 13 or 14: a 0."""
    received = "Referrals received (episodes)"
    assert value(figures, received, "Age at referral: 18 or over") == 1
    assert value(figures, received, "Age at referral: 13 to 14") == 0
    assert (received, "Age at referral: Under 11") not in figures  # nobody: no row
    assert value(figures, "Eligible referrals (episodes)", "Age at referral: 18 or over") == 0


def test_sessions_attendance_and_timeliness(figures):
    assert value(figures, "Sessions attended") == 5
    assert value(figures, "Sessions not attended") == 1
    assert value(figures, "Sessions cancelled by the young person") == 1
    assert value(figures, "Sessions cancelled by the coach") == 1
    assert value(figures, "Attendance rate") == Fraction(100 * 5, 7)
    assert value(figures, "Sessions logged within 7 days") == Fraction(100 * 7, 8)
    assert value(figures, "Median days from referral to first session (episodes started)") == 15
    # B, the one closed episode, had one attended session.
    assert value(figures, "Median attended sessions (closed episodes that started)") == 1


def test_dose_is_attended_sessions_per_active_week(figures):
    # A: active from 40 days ago to today = 41 days; B: 25 days ago to 5 days ago = 21 days.
    assert value(figures, "Dose: sessions a week") == Fraction(5, 41 + 21) * 7
    # B's whole work: 1 session in 21 days, 3 weeks: under 12 weeks and under 3 a week.
    assert value(figures, "Episodes closed", "Weeks of work: Under 12 weeks") == 1
    assert value(figures, "Episodes closed", "Weeks of work: 12 to 18 weeks") == 0
    assert value(figures, "Closed episodes averaging 3 sessions a week") == 0
    assert value(figures, "Closed episodes reaching 12 weeks of work") == 0
    assert value(figures, "Closed episodes meeting the dose target") == 0


def test_goal_change_and_meaningful_improvement(figures):
    assert value(figures, "Episodes with a goal rated twice") == 1
    assert value(figures, "Goals rated twice") == 2
    assert value(figures, "Mean goal change (goals)") == Fraction(3, 2)  # (+4 + -1) / 2
    assert value(figures, "Goals improved by 3 points or more") == 50  # g1 of g1 and g2
    assert value(figures, "Goals fallen by 3 points or more") == 0
    assert value(figures, "Episodes with a goal improved by 3 points or more") == 100


def test_sdq_change_for_young_people_with_both(figures):
    assert value(figures, "Closed episodes with a baseline and end SDQ") == 1
    assert value(figures, "Mean total difficulties at baseline") == 20
    assert value(figures, "Mean total difficulties at end") == 14
    assert value(figures, "Mean change in total difficulties") == -6
    assert value(figures, "Closed episodes with a lower SDQ band at the end") == 100
    assert value(figures, "Closed episodes with an end SDQ") == 100
    assert value(figures, "Episodes started with a baseline SDQ") == 50  # B, not A


def test_supervision_per_coach(cast, figures):
    assert value(figures, "Supervision sessions per coach") == 0  # two coaches, none supervised
