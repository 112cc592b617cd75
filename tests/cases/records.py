"""A young person's whole record, built through the services as staff would build it, for the
retention, anonymisation and subject access tests. Every free-text field holds a marker word
so a test can tell whether any of it survives."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import Authority
from cases import services as case_services
from cases.models import Episode, KeyContact
from outcomes import services as outcome_services
from outcomes.models import MeasureDefinition
from sessions import services as session_services
from supervision import services as supervision_services
from tests.conftest import Place, logged_session

#: Words that appear only in free text and names: none may survive anonymisation.
SECRETS = [
    "Zebedee",  # first name
    "Quillfeather",  # last name
    "Zeb",  # preferred name
    "Rita Referrer",
    "Auntie Marjorie",
    "07700900123",
    "marjorie@example.org",
    "SESSION-NOTE",
    "HOMEWORK-TASK",
    "ADDENDUM-TEXT",
    "GOAL-WORDS",
    "FLAG-CONCERN",
    "FLAG-RESOLUTION",
    "CLOSURE-SUMMARY",
    "BUDGET-ITEM",
    "SUPERVISION-NOTE",
    "ACTION-WORDS",
]


def at(day: date, hour: int = 16) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def set_rule(authority: Authority, *, until_age: int, years: int) -> None:
    Authority.objects.filter(pk=authority.pk).update(
        retain_until_age=until_age, retain_years_after_closure=years
    )


def worked_case(
    place: Place,
    *,
    date_of_birth: date,
    received_on: date,
    closed_on: date | None,
    given: str = "Zebedee",
    family: str = "Quillfeather",
) -> Episode:
    """A referral, allocation, goals, sessions, measures, a flag, spending, supervision and (if
    `closed_on`) closure, backdated to `closed_on`."""
    episode = case_services.referral_create(
        actor=place.lead,
        authority=place.authority,
        details=case_services.YoungPersonDetails(
            given_name=given,
            family_name=family,
            preferred_name="Zeb",
            date_of_birth=date_of_birth,
            gender="male",
            ethnicity="black_caribbean",
            special_needs="sen_support",
            looked_after="yes",
        ),
        referrer_name="Rita Referrer",
        referrer_organisation="Children's social care",
        received_on=received_on,
        panel_date=received_on,
        risk_level="high",
        harms=["serious_violence"],
        consent_given=True,
        confirmed_not_duplicate=True,
    )
    KeyContact.objects.create(
        young_person=episode.young_person,
        name="Auntie Marjorie",
        relationship="aunt",
        phone="07700900123",
        email="marjorie@example.org",
    )
    episode = case_services.episode_allocate(
        actor=place.lead, episode=episode, coach=place.coach, team=place.team
    )
    goal = outcome_services.goal_set(
        actor=place.coach,
        episode=episode,
        description="GOAL-WORDS: stay in school",
        agreed_on=received_on + timedelta(days=1),
        first_score=2,
    )
    sdq = MeasureDefinition.objects.get(code="sdq-self-report")
    scales = dict(emotional=6, conduct=5, hyperactivity=7, peer=3, prosocial=6)
    outcome_services.measure_record(
        actor=place.coach,
        episode=episode,
        definition=sdq,
        occasion="baseline",
        completed_on=received_on + timedelta(days=1),
        scale_scores=scales,
    )
    log = logged_session(
        episode,
        coach=place.coach,
        occurred_at=at(received_on + timedelta(days=2)),
        feeling_start=3,
        feeling_end=6,
        goal_scores={goal.pk: 6},
        notes="SESSION-NOTE: talked about the park",
        between_session_task="HOMEWORK-TASK: call the youth club",
    )
    session_services.session_addendum_add(
        actor=place.coach, session_log=log, text="ADDENDUM-TEXT", reason="Remembered later"
    )
    logged_session(
        episode,
        coach=place.coach,
        occurred_at=at(received_on + timedelta(days=5)),
        attendance="did_not_attend",
    )
    flag = case_services.flag_raise(
        actor=place.coach,
        episode=episode,
        category="exploitation",
        level="high",
        summary="FLAG-CONCERN: seen with older boys",
        review_on=timezone.localdate() + timedelta(days=7),
    )
    case_services.flag_resolve(actor=place.supervisor, flag=flag, resolution="FLAG-RESOLUTION")
    case_services.budget_spend_record(
        actor=place.coach,
        episode=episode,
        description="BUDGET-ITEM: gym pass",
        amount_pence=2500,
        spent_on=received_on + timedelta(days=3),
        approved_by=place.supervisor,
    )
    supervision_services.supervision_record(
        actor=place.supervisor,
        team=place.team,
        data=supervision_services.SupervisionInput(
            held_on=received_on + timedelta(days=10),
            format="individual",
            coaches={place.coach.pk: ""},
            discussions=[
                supervision_services.Discussion(episode=episode, notes="SUPERVISION-NOTE")
            ],
            actions=[
                supervision_services.AgreedAction(
                    description="ACTION-WORDS: ring the school",
                    owner=place.coach,
                    due_on=received_on + timedelta(days=20),
                    episode=episode,
                )
            ],
        ),
    )
    if closed_on is None:
        return episode
    outcome_services.measure_record(
        actor=place.coach,
        episode=episode,
        definition=sdq,
        occasion="end",
        completed_on=received_on + timedelta(days=30),
        scale_scores=dict(emotional=3, conduct=3, hyperactivity=5, peer=2, prosocial=8),
    )
    closure = case_services.closure_request(
        actor=place.coach,
        episode=episode,
        ending_reason="planned",
        summary="CLOSURE-SUMMARY: goals met",
    )
    case_services.closure_decide(actor=place.supervisor, closure=closure, approve=True, comment="")
    Episode.objects.filter(pk=episode.pk).update(closed_on=closed_on)
    episode.refresh_from_db()
    return episode
