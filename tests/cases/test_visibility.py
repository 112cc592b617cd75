"""The one visibility rule: who reaches which case (docs/programme.md X1, docs/access.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import Cover, Membership, Role
from cases import selectors
from cases.models import Episode, YoungPerson
from casework import selectors as casework_selectors
from outcomes.models import Goal
from sessions.models import SessionLog
from tests.conftest import allocated_case, logged_session

pytestmark = pytest.mark.django_db


def visible(user) -> set[int]:
    return set(Episode.objects.visible_to(user).values_list("pk", flat=True))


def test_coach_sees_only_her_own_young_people(cast):
    mine = allocated_case(cast.hackney)
    colleagues = allocated_case(cast.hackney, coach=cast.hackney.coach2)
    assert visible(cast.hackney.coach) == {mine.pk}
    assert visible(cast.hackney.coach2) == {colleagues.pk}


def test_coach_reaches_a_colleagues_case_only_while_covering(cast):
    colleagues = allocated_case(cast.hackney, coach=cast.hackney.coach2)
    today = timezone.localdate()
    cover = Cover.objects.create(
        team=cast.hackney.team,
        absent_coach=cast.hackney.coach2,
        covering_coach=cast.hackney.coach,
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=1),
        arranged_by=cast.hackney.lead,
    )
    assert colleagues.pk in visible(cast.hackney.coach)
    cover.ends_on = today - timedelta(days=1)
    cover.starts_on = today - timedelta(days=3)
    cover.save()
    assert colleagues.pk not in visible(cast.hackney.coach)


def test_cover_does_not_reach_across_teams(cast):
    """A cover row naming a coach of another authority grants nothing."""
    other = allocated_case(cast.southwark)
    today = timezone.localdate()
    Cover.objects.create(
        team=cast.southwark.team,
        absent_coach=cast.southwark.coach,
        covering_coach=cast.hackney.coach,
        starts_on=today,
        ends_on=today,
        arranged_by=cast.southwark.lead,
    )
    assert other.pk not in visible(cast.hackney.coach)


def test_supervisor_sees_every_case_of_his_team_and_no_other(cast):
    a = allocated_case(cast.hackney)
    b = allocated_case(cast.hackney, coach=cast.hackney.coach2)
    allocated_case(cast.southwark)
    assert visible(cast.hackney.supervisor) == {a.pk, b.pk}


def test_borough_lead_sees_every_case_in_the_authority_including_unallocated(cast):
    from tests.conftest import referral

    a = allocated_case(cast.hackney)
    unallocated = referral(cast.hackney)
    allocated_case(cast.southwark)
    assert visible(cast.hackney.lead) == {a.pk, unallocated.pk}


@pytest.mark.parametrize("who", ["programme_lead", "evaluator", "admin"])
def test_programme_lead_evaluator_and_admin_reach_no_named_young_person(cast, who):
    allocated_case(cast.hackney)
    allocated_case(cast.southwark)
    user = cast.by_name(who)
    assert visible(user) == set()
    assert not YoungPerson.objects.visible_to(user).exists()
    assert not SessionLog.objects.visible_to(user).exists()
    assert not Goal.objects.visible_to(user).exists()


def test_access_is_the_union_of_roles(cast):
    """A supervisor who also coaches in another team sees both, and nothing more."""
    own = allocated_case(cast.southwark)
    Membership.objects.create(
        user=cast.hackney.supervisor, role=Role.COACH, team=cast.southwark.team
    )
    theirs = allocated_case(cast.southwark, coach=cast.hackney.supervisor)
    hackney = allocated_case(cast.hackney)
    assert visible(cast.hackney.supervisor) == {theirs.pk, hackney.pk}
    assert own.pk not in visible(cast.hackney.supervisor)


def test_a_coach_who_leaves_the_team_loses_her_cases(cast):
    mine = allocated_case(cast.hackney)
    Membership.objects.filter(user=cast.hackney.coach).delete()
    cast.hackney.coach._yc_grants = None
    assert mine.pk not in visible(cast.hackney.coach)


def test_child_records_follow_the_case_rule(cast, client_for):
    mine = allocated_case(cast.hackney)
    theirs = allocated_case(cast.southwark)
    for place, episode in ((cast.hackney, mine), (cast.southwark, theirs)):
        logged_session(episode, coach=place.coach, days_ago=1)
    sessions = SessionLog.objects.visible_to(cast.hackney.coach)
    assert [s.episode_id for s in sessions] == [mine.pk]


def test_out_of_reach_looks_exactly_like_missing(cast):
    theirs = allocated_case(cast.southwark)
    with pytest.raises(Http404):
        selectors.get_episode_for_user(cast.hackney.coach, theirs.pk)
    with pytest.raises(Http404):
        selectors.get_episode_for_user(cast.hackney.coach, 999_999)
    with pytest.raises(Http404):
        casework_selectors.young_person_page(cast.hackney.coach, theirs.young_person_id)
