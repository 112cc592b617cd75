"""Demo data: a small, believable programme to click through, built through the services.

Every name is invented. Demo accounts share one password and one authenticator secret
(DEMO_TOTP_SECRET) so that a newcomer can sign in; seed_demo refuses to run without DEBUG.
"""

from __future__ import annotations

import random
import uuid
from base64 import b32decode
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import access
from accounts.models import Authority, Membership, Team, TrialArm, User
from cases import services as case_services
from cases.contexts import services as context_services
from cases.contexts.models import ContextKind
from cases.models import (
    Allocation,
    EndingReason,
    Episode,
    EpisodeStatusChange,
    FlagCategory,
    FlagLevel,
    Harm,
    KeyContact,
    RiskLevel,
)
from outcomes import services as outcome_services
from outcomes.models import MeasureDefinition, Occasion, ReportStatus
from outcomes.reports import services as report_services
from sessions import services as session_services
from sessions.models import Attendance, Place, Technique
from supervision import services as supervision_services

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo data only, printed by make run
DEMO_DOMAIN = "yourchoice.test"

#: (email local part, full name, role, place: team key or authority code or None)
DEMO_PEOPLE = [
    ("coach", "Amira Okafor", "coach", "hackney-east"),
    ("coach2", "Ben Carter", "coach", "hackney-east"),
    ("supervisor", "Priya Shah", "supervisor", "hackney-east"),
    ("lead", "Tom Reid", "borough_lead", "E09000012"),
    ("coach.southwark", "Chloe Mensah", "coach", "southwark"),
    ("supervisor.southwark", "Daniel Wright", "supervisor", "southwark"),
    ("lead.southwark", "Grace Adeyemi", "borough_lead", "E09000028"),
    ("programme", "Helen Brooks", "programme_lead", None),
    ("evaluator", "Ian Patel", "evaluator", None),
    ("admin", "Jo Morgan", "administrator", None),
]

TEAMS = {
    "hackney-east": ("E09000012", "Hackney East", TrialArm.YOUR_CHOICE),
    "southwark": ("E09000028", "Southwark Your Choice", ""),
}

GIVEN = [
    "Jayden",
    "Aaliyah",
    "Kai",
    "Maya",
    "Tyrese",
    "Leah",
    "Omar",
    "Zara",
    "Ethan",
    "Amara",
    "Reuben",
    "Nia",
    "Callum",
    "Sofia",
    "Malik",
    "Ruby",
    "Idris",
    "Chanel",
]
FAMILY = [
    "Thompson",
    "Ahmed",
    "Campbell",
    "Osei",
    "Walker",
    "Nowak",
    "Hughes",
    "Begum",
    "Grant",
    "Kowalski",
    "Francis",
    "Mensah",
    "Doherty",
    "Ali",
    "Brown",
    "Clarke",
]
GOALS = [
    "Stay calm when someone winds me up",
    "Go to school at least four days a week",
    "Spend less time on the estate after dark",
    "Get back into boxing",
    "Talk to my mum when things go wrong",
    "Find a part-time job",
    "Stop carrying anything for protection",
    "Sleep before midnight on school nights",
]


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def already_seeded() -> bool:
    return User.objects.filter(email=demo_email("coach")).exists()


def _demo_device(user: User) -> None:
    key = b32decode(settings.DEMO_TOTP_SECRET).hex()
    TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)


def _people() -> dict[str, User]:
    teams = {}
    for key, (code, name, arm) in TEAMS.items():
        authority = Authority.objects.get(gss_code=code)
        teams[key] = Team.objects.create(authority=authority, name=name, trial_arm=arm)
    people = {}
    for local, full_name, role, place in DEMO_PEOPLE:
        user = User.objects.create_user(
            demo_email(local),
            DEMO_PASSWORD,
            full_name=full_name,
            # Whoever runs the service uses the administration site.
            is_staff=access.Perm.SERVICE_ADMIN in access.ROLE_PERMISSIONS[role],
        )
        where = teams.get(place) or (Authority.objects.get(gss_code=place) if place else None)  # type: ignore[arg-type]  # None finds no team
        Membership.objects.grant(user, role, where)
        _demo_device(user)
        people[local] = user
    return people


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _young_person(rng: random.Random, index: int, today: date) -> case_services.YoungPersonDetails:
    age = rng.randint(12, 16)
    return case_services.YoungPersonDetails(
        given_name=GIVEN[index % len(GIVEN)],
        family_name=FAMILY[(index * 7) % len(FAMILY)],
        date_of_birth=today - timedelta(days=age * 365 + rng.randint(0, 300)),
        gender=rng.choice(["male", "male", "female", "other"]),
        ethnicity=rng.choice(
            [
                "black_caribbean",
                "black_african",
                "white_british",
                "mixed_white_black_caribbean",
                "asian_bangladeshi",
                "white_other",
            ]
        ),
        special_needs=rng.choice(["none", "none", "sen_support", "ehcp"]),
        looked_after=rng.choice(["no", "no", "no", "yes"]),
        education_status=rng.choice(["mainstream", "mainstream", "alternative", "none"]),
        youth_justice=rng.choice(["none", "none", "out_of_court", "court_order"]),
        research_consent=rng.random() < 0.7,
    )


def _work(
    rng: random.Random,
    *,
    coach: User,
    episode,
    weeks: int,
    today: date,
    techniques: list[Technique],
    sdq: MeasureDefinition,
    engagement: float,
) -> None:
    """Weeks of sessions from the episode's start, with goals, ratings and a baseline SDQ."""
    start = today - timedelta(weeks=weeks)
    goals = [
        outcome_services.goal_set(
            actor=coach,
            episode=episode,
            description=text,
            agreed_on=start + timedelta(days=1),
            first_score=rng.randint(1, 4),
        )
        for text in rng.sample(GOALS, rng.randint(1, 3))
    ]
    answers = {item: rng.choice([0, 1, 1, 2]) for item in range(1, 26)}
    outcome_services.measure_record(
        actor=coach,
        episode=episode,
        definition=sdq,
        occasion=Occasion.BASELINE,
        completed_on=start + timedelta(days=2),
        item_answers=answers,
    )
    trend = {g.pk: rng.choice([1, 1, 0, -1]) for g in goals}
    level = {g.pk: 3 for g in goals}
    day = start + timedelta(days=1)
    while day < today:
        if day.weekday() in (0, 2, 4):
            attended = rng.random() < engagement
            scores = {}
            if attended and rng.random() < 0.5:
                for g in goals:
                    level[g.pk] = max(0, min(10, level[g.pk] + trend[g.pk] * rng.choice([0, 1])))
                    scores[g.pk] = level[g.pk]
            session_services.session_log(
                actor=coach,
                episode=episode,
                idempotency_key=uuid.uuid4(),
                occurred_at=_at(day, rng.choice([10, 14, 16])),
                attendance=Attendance.ATTENDED
                if attended
                else rng.choice([Attendance.DID_NOT_ATTEND, Attendance.CANCELLED_BY_YOUNG_PERSON]),
                duration_minutes=rng.choice([45, 60, 60, 90]) if attended else None,
                place=rng.choice(Place.values[:4]) if attended else "",
                techniques=rng.sample(techniques, 2) if attended else [],
                feeling_start=rng.randint(2, 6) if attended else None,
                feeling_end=rng.randint(4, 8) if attended else None,
                goal_scores=scores,
                between_session_task="Try the breathing exercise before school" if attended else "",
            )
        day += timedelta(days=1)


@transaction.atomic
def seed(*, seed: int = 1) -> dict[str, User]:
    rng = random.Random(seed)
    today = timezone.localdate()
    people = _people()
    techniques = list(Technique.objects.filter(active=True))
    sdq = MeasureDefinition.objects.get(code="sdq-self-report")
    hackney_team = Team.objects.get(name="Hackney East")
    southwark_team = Team.objects.get(name="Southwark Your Choice")
    plan = [
        # (lead, team, coach, weeks of work or None for a new referral, engagement)
        *[
            ("lead", hackney_team, "coach", w, e)
            for w, e in [(10, 0.9), (6, 0.8), (4, 0.5), (3, 0.3), (8, 0.7)]
        ],
        *[("lead", hackney_team, "coach2", w, e) for w, e in [(5, 0.8), (2, 0.9)]],
        ("lead", hackney_team, None, None, 0),
        *[
            ("lead.southwark", southwark_team, "coach.southwark", w, e)
            for w, e in [(7, 0.8), (3, 0.6)]
        ],
        ("lead.southwark", southwark_team, None, None, 0),
    ]
    allocated: list[tuple[str, Episode]] = []
    for index, (lead_key, team, coach_key, weeks, engagement) in enumerate(plan):
        lead = people[lead_key]
        received = today - timedelta(weeks=(weeks or 0) + 1, days=rng.randint(0, 3))
        episode = case_services.referral_create(
            actor=lead,
            authority=team.authority,
            details=_young_person(rng, index, today),
            referrer_name="Duty social worker",
            referrer_organisation="Children's social care",
            received_on=received,
            panel_date=received - timedelta(days=2),
            risk_level=rng.choice(RiskLevel.values),
            harms=rng.sample(Harm.values[:5], 2),
            consent_given=True,
            confirmed_not_duplicate=True,
        )
        if coach_key is None:
            continue
        coach = people[coach_key]
        episode = case_services.episode_allocate(
            actor=lead, episode=episode, coach=coach, team=team
        )
        if weeks:
            _work(
                rng,
                coach=coach,
                episode=episode,
                weeks=weeks,
                today=today,
                techniques=techniques,
                sdq=sdq,
                engagement=engagement,
            )
        _backdate(episode, received)
        allocated.append((coach_key, episode))
    _supervision(people, hackney_team, today)
    _contexts(people, allocated, today)
    return people


def _contexts(people: dict[str, User], allocated: list[tuple[str, Episode]], today: date) -> None:
    """Two contexts (C10): an estate three Hackney young people on two caseloads are linked to,
    and a group at a station that spans Hackney and Southwark, with a new flag on one of its
    young people so that it shows on the supervisor's review."""
    of = {
        key: [e for k, e in allocated if k == key] for key in ("coach", "coach2", "coach.southwark")
    }
    estate = context_services.context_create(
        actor=people["coach"],
        young_person=of["coach"][0].young_person,
        idempotency_key=uuid.uuid4(),
        kind=ContextKind.PLACE,
        name="Kingsmead Estate",
        description="Stairwells and the car park behind the community centre, most evenings.",
        reason="Told me older boys ask him to hold things for them there.",
        known_from=today - timedelta(weeks=6),
    ).context
    # The coach links another of hers; the borough lead, who sees every Hackney case, links her
    # colleague's (a coach sees only a count of the young people on other caseloads).
    for linker, episode, reason in [
        ("coach", of["coach"][1], "Seen there by the youth worker on Friday nights."),
        ("lead", of["coach2"][0], "Mother worried about who she meets there."),
    ]:
        context_services.context_link(
            actor=people[linker],
            context=estate,
            young_person=episode.young_person,
            reason=reason,
            known_from=today - timedelta(weeks=3),
        )
    station = context_services.context_create(
        actor=people["coach"],
        young_person=of["coach"][2].young_person,
        idempotency_key=uuid.uuid4(),
        kind=ContextKind.PEER_GROUP,
        name="The group at Hackney Central station",
        description="Meets after school; some members travel in from Peckham.",
        authorities=[Authority.objects.get(gss_code="E09000028")],
        reason="Named the group as the people he is scared of.",
        known_from=today - timedelta(weeks=4),
    ).context
    # The Southwark lead sees the context because it spans Southwark, and links their own.
    context_services.context_link(
        actor=people["lead.southwark"],
        context=station,
        young_person=of["coach.southwark"][0].young_person,
        reason="Travels to Hackney Central after school to meet them.",
        known_from=today - timedelta(weeks=2),
    )
    case_services.flag_raise(
        actor=people["coach"],
        episode=of["coach"][2],
        category=FlagCategory.VIOLENCE,
        level=FlagLevel.HIGH,
        summary="Threatened at the station on the way home.",
        review_on=today + timedelta(days=7),
    )


def last_months_reports() -> int:
    """Ask for last month's reports for every active authority and London, as the schedule
    does on the 1st, so the demo's programme lead sees figures as soon as the worker has made
    them rather than only after the next 1st (seed_demo; the benchmarks' seeding does not, so
    no stray report jobs reach their workers). The worker makes them through the same task. A
    place whose report is already made, or is being made, keeps it. Returns how many are
    still to be made."""

    return sum(1 for r in report_services.monthly_reports() if r.status != ReportStatus.READY)


def _contacts_and_spending(rng, episode, coach, people, lead_key, today) -> None:

    KeyContact.objects.create(
        young_person_id=episode.young_person_id,
        name=f"{rng.choice(['Grace', 'Marcus', 'Precious', 'Dean'])} "
        f"{episode.young_person.family_name}",
        relationship=rng.choice(["Mother", "Father", "Carer"]),
        phone="020 7946 0" + f"{rng.randint(100, 999)}",
    )
    if episode.started_on and rng.random() < 0.6:
        case_services.budget_spend_record(
            actor=coach,
            episode=episode,
            description=rng.choice(
                [
                    "Gym membership, one month",
                    "Boxing club fees",
                    "Cinema trip",
                    "Travel card top-up",
                ]
            ),
            amount_pence=rng.choice([1200, 2000, 2500, 3500]),
            spent_on=today - timedelta(days=rng.randint(1, 20)),
            approved_by=people[lead_key],
        )


def _backdate(episode, received: date) -> None:
    """The services stamp changes with the time they run; demo history should read as lived."""

    allocated = received + timedelta(days=2)
    changes = EpisodeStatusChange.objects.filter(episode=episode)
    changes.filter(to_status="referred").update(changed_at=_at(received, 9))
    changes.filter(to_status="allocated").update(changed_at=_at(allocated, 11))
    Allocation.objects.filter(episode=episode).update(starts_at=_at(allocated, 11))
    Episode.objects.filter(pk=episode.pk).update(allocated_on=allocated)
    started = Episode.objects.filter(pk=episode.pk).values_list("started_on", flat=True)[0]
    if started:
        changes.filter(to_status="active").update(changed_at=_at(started, 10))


def _supervision(people: dict[str, User], team: Team, today: date) -> None:

    coach = people["coach"]
    episodes = list(Episode.objects.filter(coach=coach).order_by("pk"))
    supervision_services.supervision_record(
        actor=people["supervisor"],
        team=team,
        data=supervision_services.SupervisionInput(
            held_on=today - timedelta(days=20),
            format="individual",
            coaches={coach.pk: "Tired after a difficult week; talked through self-care."},
            discussions=[
                supervision_services.Discussion(episode=episodes[2], notes="Attendance dropping.")
            ],
            decisions="Try meeting at the youth centre instead of school.",
            actions=[
                supervision_services.AgreedAction(
                    description="Agree a new meeting place with the young person",
                    owner=coach,
                    due_on=today + timedelta(days=5),
                    episode=episodes[2],
                )
            ],
        ),
    )
    case_services.flag_raise(
        actor=coach,
        episode=episodes[3],
        category=FlagCategory.EXPLOITATION,
        level=FlagLevel.MEDIUM,
        summary="Seen with older young people not known to the family.",
        review_on=today + timedelta(days=10),
    )
    case_services.closure_request(
        actor=coach,
        episode=episodes[0],
        ending_reason=EndingReason.PLANNED,
        summary="Goals met; agreed ending with the young person.",
    )
