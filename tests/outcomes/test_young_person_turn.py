"""The young person's turn (S7): the coach hands the phone over to a screen of the young
person's own goals and the feelings scale; their answers are stored as theirs; the browser is
locked until the coach's password (or passkey) takes it back."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import FlagCategory, FlagLevel
from cases.services import flag_raise
from outcomes import services
from outcomes.extracts.services import TABLES
from outcomes.models import GoalRating, Rater, YoungPersonCheckIn
from tests.conftest import PASSWORD, allocated_case, logged_session
from yourchoice.audit.actions import AuditAction
from yourchoice.data.errors import DomainError
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


def _goal(episode, text, score=2):
    return services.goal_set(
        actor=episode.coach,
        episode=episode,
        description=text,
        agreed_on=timezone.localdate(),
        first_score=score,
    )


@pytest.fixture
def case(cast):
    episode = allocated_case(cast.hackney, given="Rileigh", family="Oakenshaw")
    episode.young_person.preferred_name = "Riley"
    episode.young_person.save(update_fields=["preferred_name"])
    logged_session(episode, notes="Talked about the fight at the bus stop")
    flag_raise(
        actor=cast.hackney.coach,
        episode=episode,
        category=FlagCategory.OTHER,
        level=FlagLevel.LOW,
        summary="Older brother involved with a group",
        review_on=timezone.localdate() + timedelta(days=7),
    )
    episode.refresh_from_db()
    return episode


def _check_in(episode, key=None, feeling=6, scores=None):
    return services.young_person_check_in(
        actor=episode.coach,
        episode=episode,
        idempotency_key=key or uuid.uuid4(),
        feeling=feeling,
        goal_scores=scores or {},
    )


# --- The service ------------------------------------------------------------------------------


def test_a_check_in_is_stored_as_the_young_persons_own_and_audited(case):
    first, second = _goal(case, "Stay out of fights"), _goal(case, "Go to school")
    check_in, created = _check_in(case, scores={first.pk: 5, second.pk: 7})
    assert created and check_in.feeling == 6
    ratings = GoalRating.objects.filter(check_in=check_in).order_by("goal__slot")
    assert [(r.score, r.rater, r.session_log_id) for r in ratings] == [
        (5, Rater.YOUNG_PERSON, None),
        (7, Rater.YOUNG_PERSON, None),
    ]
    # The coach's first ratings stay the coach's.
    assert GoalRating.objects.filter(rater=Rater.COACH).count() == 2
    event = AuditEvent.objects.get(action=AuditAction.YOUNG_PERSON_TURN_RATE)
    assert event.young_person_id == case.young_person_id
    assert event.detail == {"goals_rated": 2, "feeling_given": True}


def test_a_double_tap_saves_once(case):
    goal = _goal(case, "Stay out of fights")
    key = uuid.uuid4()
    first, created = _check_in(case, key=key, scores={goal.pk: 5})
    again, created_again = _check_in(case, key=key, scores={goal.pk: 5})
    assert created and not created_again and again.pk == first.pk
    assert YoungPersonCheckIn.objects.count() == 1
    assert GoalRating.objects.filter(rater=Rater.YOUNG_PERSON).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.YOUNG_PERSON_TURN_RATE).count() == 1


def test_only_the_cases_coach_records_a_check_in(cast, case):
    for other in (cast.hackney.coach2, cast.hackney.supervisor, cast.southwark.coach):
        with pytest.raises(PermissionDenied):
            services.young_person_check_in(
                actor=other, episode=case, idempotency_key=uuid.uuid4(), feeling=5, goal_scores={}
            )
    assert not YoungPersonCheckIn.objects.exists()


def test_a_check_in_refuses_nothing_chosen_and_an_ended_goal(case):
    with pytest.raises(DomainError, match="at least one"):
        _check_in(case, feeling=None)
    goal = _goal(case, "Stay out of fights")
    with pytest.raises(DomainError, match="changed"):
        _check_in(case, scores={goal.pk + 1000: 5})


def test_check_ins_are_scoped_like_every_case_record(cast, case):
    _check_in(case)
    assert YoungPersonCheckIn.objects.visible_to(cast.hackney.coach).count() == 1
    assert YoungPersonCheckIn.objects.visible_to(cast.southwark.coach).count() == 0
    assert YoungPersonCheckIn.objects.visible_to(cast.hackney.coach2).count() == 0


# --- The pages --------------------------------------------------------------------------------


def _hand_over(client, episode):
    return client.post(reverse("outcomes:turn-start", args=[episode.young_person_id]))


def test_the_coach_sees_the_hand_over_button(cast, case, client_for):
    page = client_for(cast.hackney.coach).get(
        reverse("cases:young-person", args=[case.young_person_id])
    )
    assert "Hand the phone to Riley" in page.content.decode()
    supervisor_page = client_for(cast.hackney.supervisor).get(
        reverse("cases:young-person", args=[case.young_person_id])
    )
    assert "Hand the phone to" not in supervisor_page.content.decode()


def test_the_hand_over_screen_shows_only_their_goals_and_the_feelings_scale(cast, case, client_for):
    _goal(case, "Stay out of fights")
    _goal(case, "Go to school")
    client = client_for(cast.hackney.coach)
    response = _hand_over(client, case)
    assert response.status_code == 302 and response["Location"] == reverse("outcomes:turn")
    screen = client.get(reverse("outcomes:turn"))
    assert screen.status_code == 200
    assert screen["Cache-Control"] == "no-store"
    html = screen.content.decode()
    assert "<title>Your goals – Your Choice</title>" in html
    assert "Over to you, Riley" in html
    assert "How are you feeling right now?" in html
    assert "Stay out of fights" in html and "Go to school" in html
    yp = case.young_person
    for secret in (
        yp.reference,
        "Oakenshaw",
        "Rileigh",
        yp.date_of_birth.isoformat(),
        f"{yp.date_of_birth:%-d %B %Y}",
        cast.hackney.coach.full_name,
        "Talked about the fight",
        "Older brother",
        "Log a session",
        f'href="{reverse("cases:young-person", args=[yp.pk])}"',
        'href="/"',
    ):
        assert secret not in html, secret
    # No link out at all: the only way on is the finish button.
    assert "<a " not in html.split('id="main-content"')[1].split("</main>")[0]
    assert "app-scale--large" in html


def test_while_locked_every_other_page_goes_to_the_unlock_page(cast, case, client_for):
    client = client_for(cast.hackney.coach)
    _hand_over(client, case)
    unlock = reverse("accounts:unlock")
    for url in (
        reverse("cases:young-person", args=[case.young_person_id]),
        reverse("home"),
        reverse("sessions:log", args=[case.young_person_id]),
        reverse("accounts:your-sign-in"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == unlock, url
    assert client.get("/api/v1/episodes/").status_code in (403, 404)
    page = client.get(unlock)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Enter your password to carry on" in page.content.decode()
    assert cast.hackney.coach.full_name not in page.content.decode()


def test_the_young_person_saves_and_gives_the_phone_back(cast, case, client_for):
    first, second = _goal(case, "Stay out of fights"), _goal(case, "Go to school")
    client = client_for(cast.hackney.coach)
    _hand_over(client, case)
    key = str(uuid.uuid4())
    answers = {"idempotency_key": key, "feeling": "6", f"goal_{first.pk}": "5"}
    answers[f"goal_{second.pk}"] = "7"
    response = client.post(reverse("outcomes:turn"), answers)
    assert response["Location"] == reverse("outcomes:turn-done")
    # A second tap of the button (the same form) records nothing more.
    client.post(reverse("outcomes:turn"), answers)
    assert YoungPersonCheckIn.objects.count() == 1
    give_back = client.get(reverse("outcomes:turn-done"))
    assert "Give the phone back to your coach" in give_back.content.decode()
    # Back to their screen now shows only "give the phone back".
    assert client.get(reverse("outcomes:turn"))["Location"] == reverse("outcomes:turn-done")

    wrong = client.post(reverse("accounts:unlock"), {"password": "not-it"})
    assert wrong.status_code == 400
    assert "The password is not right" in wrong.content.decode()
    assert AccessAttempt.objects.get(username=cast.hackney.coach.email).failures_since_start == 1
    assert AuditEvent.objects.filter(action=AuditAction.UNLOCK_FAILED).count() == 1

    right = client.post(reverse("accounts:unlock"), {"password": PASSWORD})
    assert right["Location"] == reverse("cases:young-person", args=[case.young_person_id])
    page = client.get(right["Location"]).content.decode()
    assert "Riley rated: feeling 6; goals 5, 7" in page
    assert "Their own rating" in page
    assert AuditEvent.objects.filter(action=AuditAction.UNLOCK_SUCCEEDED).count() == 1


def test_finishing_without_choosing_saves_nothing(cast, case, client_for):
    client = client_for(cast.hackney.coach)
    _hand_over(client, case)
    response = client.post(reverse("outcomes:turn"), {"idempotency_key": str(uuid.uuid4())})
    assert response["Location"] == reverse("outcomes:turn-done")
    assert not YoungPersonCheckIn.objects.exists()


def test_repeated_wrong_passwords_lock_the_account_and_sign_the_browser_out(
    cast, case, client_for, settings
):
    client = client_for(cast.hackney.coach)
    _hand_over(client, case)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(reverse("accounts:unlock"), {"password": "x"}).status_code == 400
    assert client.post(reverse("accounts:unlock"), {"password": "x"}).status_code == 429
    after = client.get(reverse("cases:young-person", args=[case.young_person_id]))
    assert after["Location"].startswith(reverse("accounts:sign-in"))


def test_another_coach_cannot_hand_over_a_case_not_theirs(cast, case, client_for):
    assert _hand_over(client_for(cast.hackney.coach2), case).status_code == 404
    assert _hand_over(client_for(cast.southwark.coach), case).status_code == 404
    assert _hand_over(client_for(cast.hackney.supervisor), case).status_code == 403


def test_a_case_that_moved_away_during_the_turn_answers_404(cast, case, client_for):
    client = client_for(cast.hackney.coach)
    _hand_over(client, case)
    case_services.episode_allocate(
        actor=cast.hackney.lead, episode=case, coach=cast.hackney.coach2, team=cast.hackney.team
    )
    assert client.get(reverse("outcomes:turn")).status_code == 404


def test_figures_count_the_coachs_ratings_and_the_extract_says_who_rated(cast, case, client_for):
    goal = _goal(case, "Stay out of fights", score=2)
    _check_in(case, scores={goal.pk: 9})
    page = client_for(cast.hackney.coach).get(
        reverse("cases:young-person", args=[case.young_person_id])
    )
    # Goal progress is read from the coach's ratings alone: one rating, so no change yet.
    assert "Meaningful improvement" not in page.content.decode()
    sql, columns = TABLES["goal_ratings"]
    assert ("rated_by" in [name for name, _ in columns]) and "r.rater AS rated_by" in sql
