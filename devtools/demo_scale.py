"""Demo data at programme scale, for benchmarks and for trying the service with real volumes.

`manage.py seed_demo --scale N --seed S` adds, on top of the small demo (devtools/demo.py),
what N times the real programme would hold after two years (bench/README.md): at scale 1
about 100 coaches, 2,500 young people and 60,000 sessions across the 33 authorities; at scale 10
ten times that. Every table a coach, supervisor or report reads is filled: referrals, episodes
in every state, allocations, status history, sessions at uneven dose with missed and cancelled
ones, techniques, goals whose ratings improve, stall or fall, SDQ at baseline, review and end
with realistic gaps, flags, closure requests, key contacts, and supervision with its actions.

The services write one row at a time with an audit event each, which would take hours at this
size, so rows go straight in with PostgreSQL's COPY, in one transaction. Foreign keys are
deferred to the commit, and the database's check and unique constraints still judge every row.
Audit events are not generated for this history.

The data are deterministic for a seed and a "today". A fixed set of accounts anchors the
benchmarks at every scale (see `ANCHOR`), so a page's cost can be compared across scales:
`bench.coach` holds 50 open cases, one of them an episode with 60 sessions and three goals, and
`bench.supervisor` supervises ten coaches with 150 open cases between them.

Every name is invented; accounts share the demo password and authenticator key.
"""

from __future__ import annotations

import io
import json
import random
import uuid
from base64 import b32decode
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Authority, User
from cases.notifications.models import NotificationKind
from devtools import demo
from outcomes import summary as outcome_summary
from outcomes.scoring import sdq

SCALE_DOMAIN = "scale.yourchoice.test"
ANCHOR_TEAM = "Hackney Central"
ANCHOR_COACH = "bench.coach@yourchoice.test"
ANCHOR_SUPERVISOR = "bench.supervisor@yourchoice.test"
ANCHOR_AUTHORITY = "E09000012"
ANCHOR_OPEN_CASES = 50
ANCHOR_TEAM_COACHES = 10
ANCHOR_TEAM_OPEN_CASES = 150
ANCHOR_EPISODE_SESSIONS = 60
#: The context the benchmarks open: linked to every one of the bench coach's open cases, to
#: cases of the rest of her team, and to young people in other authorities.
ANCHOR_CONTEXT = "Bench Estate"
ANCHOR_CONTEXT_TEAM_LINKS = 30
ANCHOR_CONTEXT_ELSEWHERE_LINKS = 12
#: Contexts per authority per scale, and the share of young people linked to one.
CONTEXTS_PER_AUTHORITY = 6
LINKED_SHARE = 0.3
CONTEXT_PLACES = ["Estate", "Park", "High Street", "Station", "Shopping Centre", "Youth Club"]

YOUNG_PEOPLE_PER_SCALE = 2_500
HISTORY_DAYS = 730
TZ = "Europe/London"

GIVEN = demo.GIVEN + [
    "Ayo", "Bilal", "Demi", "Elijah", "Fatima", "Hassan", "Imani", "Jamal", "Kayla", "Liam",
    "Mohammed", "Nathan", "Precious", "Rhys", "Sade", "Tariq", "Yusuf", "Zion", "Ellie", "Jordan",
]  # fmt: skip
FAMILY = demo.FAMILY + [
    "Adebayo", "Bennett", "Chowdhury", "Dias", "Edwards", "Farah", "Gordon", "Hassan", "Ibrahim",
    "Johnson", "Khan", "Lewis", "Murphy", "Nwosu", "Owusu", "Patel", "Quinn", "Robinson", "Silva",
    "Taylor", "Uddin", "Williams", "Yilmaz",
]  # fmt: skip
COACH_GIVEN = ["Sam", "Alex", "Jess", "Marcus", "Leila", "Dan", "Ruth", "Kofi", "Nadia", "Lee"]
ETHNICITY_WEIGHTS = {
    "black_caribbean": 14, "black_african": 16, "black_other": 5, "white_british": 20,
    "white_other": 8, "white_irish": 1, "white_traveller": 1, "mixed_white_black_caribbean": 8,
    "mixed_white_black_african": 3, "mixed_other": 4, "asian_bangladeshi": 6,
    "asian_pakistani": 3, "asian_indian": 2, "asian_other": 2, "other_arab": 2, "other_any": 2,
    "notknown_notknown": 3,
}  # fmt: skip
ENDING_WEIGHTS = {"planned": 60, "disengaged": 24, "moved_away": 7, "stepped_up": 6, "other": 3}
HARMS = ["serious_violence", "criminal_exploitation", "county_lines", "weapons", "group_violence"]
REFERRERS = [
    ("Duty social worker", "Children's social care"),
    ("Youth justice officer", "Youth justice service"),
    ("Head of year", "Secondary school"),
    ("Safer schools officer", "Metropolitan Police"),
    ("Emergency department liaison", "NHS hospital trust"),
]


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


# --- COPY writers -------------------------------------------------------------------------------


def _text(value: object) -> str:
    """One value in COPY's text format. Generated text never holds tabs, newlines or backslashes."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, list):
        return "{" + ",".join(str(v) for v in value) + "}"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class Table:
    """Rows for one table: ids handed out here, sent with COPY every CHUNK rows."""

    CHUNK = 50_000

    def __init__(self, cursor, name: str, columns: Iterable[str]) -> None:
        self.cursor = cursor
        self.name = name
        self.columns = ["id", *columns]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {name}")  # noqa: S608 - constant names
        self.next_id = cursor.fetchone()[0] + 1
        self.rows: list[str] = []
        self.count = 0

    def add(self, *values: object) -> int:
        row_id = self.next_id
        self.next_id += 1
        self.rows.append("\t".join([str(row_id), *map(_text, values)]))
        if len(self.rows) >= self.CHUNK:
            self.flush()
        return row_id

    def flush(self) -> None:
        if not self.rows:
            return
        data = io.StringIO("\n".join(self.rows) + "\n")
        self.cursor.copy_expert(f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN", data)
        self.count += len(self.rows)
        self.rows = []

    def finish(self) -> None:
        self.flush()
        # Table names are the constants in TABLES, never input.
        sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {self.name}))"  # noqa: S608
        self.cursor.execute(sql, [self.name])


TABLES = {
    "user": ("accounts_user", ["password", "is_superuser", "email", "full_name", "is_active",
                               "is_staff", "date_joined"]),
    "membership": ("accounts_membership", ["role", "created_at", "authority_id", "user_id",
                                           "team_id"]),
    "device": ("otp_totp_totpdevice", ["name", "confirmed", "key", "step", "t0", "digits",
                                       "tolerance", "drift", "last_t", "user_id",
                                       "throttling_failure_count"]),
    "team": ("accounts_team", ["name", "trial_arm", "active", "authority_id"]),
    "young_person": ("cases_youngperson", [
        "reference", "given_name", "family_name", "preferred_name", "date_of_birth", "gender",
        "ethnicity", "special_needs", "looked_after", "education_status", "youth_justice",
        "research_consent", "version", "created_at", "updated_at", "authority_id"]),
    "contact": ("cases_keycontact", ["name", "relationship", "phone", "email", "young_person_id",
                                     "version", "updated_at"]),
    "episode": ("cases_episode", [
        "status", "referred_on", "allocated_on", "started_on", "closed_on", "ending_reason",
        "activity_budget_pence", "is_current", "version", "created_at", "updated_at",
        "authority_id", "coach_id", "team_id", "young_person_id"]),
    "referral": ("cases_referral", [
        "referrer_name", "referrer_organisation", "received_on", "panel_date", "risk_level",
        "harms", "consent_given", "eligible", "ineligible_reasons", "created_at", "episode_id",
        "recorded_by_id"]),
    "status": ("cases_episodestatuschange", ["from_status", "to_status", "changed_at",
                                             "changed_by_id", "episode_id"]),
    "allocation": ("cases_allocation", ["kind", "starts_at", "ends_at", "authority_id",
                                        "coach_id", "made_by_id", "team_id", "episode_id"]),
    "closure": ("cases_closurerequest", [
        "ending_reason", "summary", "requested_at", "decision", "decided_at", "decision_comment",
        "decided_by_id", "requested_by_id", "episode_id"]),
    "flag": ("cases_riskflag", [
        "category", "level", "summary", "review_on", "raised_at", "resolved_at", "resolution",
        "episode_id", "raised_by_id", "resolved_by_id", "session_id", "version", "updated_at"]),
    "session": ("coaching_sessionlog", [
        "occurred_at", "duration_minutes", "attendance", "place", "feeling_start", "feeling_end",
        "between_session_task", "notes", "safeguarding_concern", "idempotency_key", "created_at",
        "updated_at", "coach_id", "episode_id", "recorded_by_id", "version"]),
    "technique": ("coaching_sessionlog_techniques", ["sessionlog_id", "technique_id"]),
    "goal": ("outcomes_goal", ["slot", "description", "status", "agreed_on", "ended_on",
                               "version", "created_at", "created_by_id", "episode_id",
                               "replaced_by_id"]),
    "rating": ("outcomes_goalrating", ["score", "rated_on", "created_at", "goal_id",
                                       "rated_by_id", "session_log_id"]),
    "measure": ("outcomes_measureresponse", [
        "occasion", "completed_on", "entry_mode", "item_answers", "scores", "total_score",
        "created_at", "definition_id", "episode_id", "recorded_by_id"]),
    "supervision": ("supervision_supervisionrecord", ["held_on", "format", "decisions",
                                                      "version", "created_at", "updated_at",
                                                      "supervisor_id", "team_id"]),
    "attendee": ("supervision_supervisionattendee", ["wellbeing_checkin", "coach_id",
                                                     "record_id"]),
    "discussion": ("supervision_casediscussion", ["notes", "episode_id", "record_id"]),
    "action": ("supervision_action", ["description", "due_on", "done_at", "created_at",
                                      "done_by_id", "episode_id", "owner_id", "record_id"]),
    "context": ("cases_context", ["kind", "name", "description", "created_by_id", "created_at",
                                  "idempotency_key", "anonymised_at"]),
    "context_authority": ("cases_context_authorities", ["context_id", "authority_id"]),
    "context_link": ("cases_contextlink", [
        "context_id", "young_person_id", "reason", "known_from", "linked_by_id", "linked_at",
        "ended_on", "ended_at", "ended_by_id", "end_reason"]),
    "notification": ("cases_notification", [
        "recipient_id", "kind", "young_person_id", "object_id", "link", "created_at", "read_at"]),
}  # fmt: skip


# --- The shape of the programme -----------------------------------------------------------------


@dataclass
class Coach:
    id: int
    team_id: int
    authority_id: int
    supervisor_id: int
    episodes: list[EpisodeShape] = field(default_factory=list)


@dataclass
class EpisodeShape:
    id: int
    allocated_on: date
    ends_on: date  # closure date, or today's horizon for open cases


@dataclass(frozen=True)
class Anchor:
    """A fixed case the benchmarks measure at every scale."""

    open_weeks: int | None = None  # weeks since the first session, for an open case
    sessions_per_week: int | None = None
    engagement: float | None = None
    goals: int | None = None


class Builder:
    def __init__(self, cursor, *, scale: int, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.scale = scale
        self.today = today
        self.t = {key: Table(cursor, name, cols) for key, (name, cols) in TABLES.items()}
        self.password = make_password(demo.DEMO_PASSWORD)
        self.device_key = b32decode(settings.DEMO_TOTP_SECRET).hex()
        cursor.execute("SELECT id FROM coaching_technique WHERE active ORDER BY display_order")
        self.techniques = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT id FROM outcomes_measuredefinition WHERE code = 'sdq-self-report'")
        self.sdq_id = cursor.fetchone()[0]
        self.authorities = list(
            Authority.objects.filter(active=True)
            .order_by("gss_code")
            .values_list("pk", "gss_code", "last_reference_number")
        )
        self.references = {pk: last for pk, _, last in self.authorities}
        self.leads: dict[int, int] = {}
        self.user_number = 0
        self.achieved: list[tuple[int, date]] = []

    # People

    def user(self, email: str, full_name: str, role: str, *, team=None, authority=None) -> int:
        now = f"{self.today - timedelta(days=HISTORY_DAYS + 30)} 09:00 {TZ}"
        user_id = self.t["user"].add(self.password, False, email, full_name, True, False, now)
        self.t["membership"].add(role, now, authority, user_id, team)
        self.t["device"].add(
            "Demo authenticator", True, self.device_key, 30, 0, 6, 1, 0, -1, user_id, 0
        )
        return user_id

    def numbered_user(self, role: str, **place: int) -> int:
        self.user_number += 1
        n = self.user_number
        name = f"{COACH_GIVEN[n % len(COACH_GIVEN)]} {FAMILY[(n * 7) % len(FAMILY)]}"
        return self.user(f"{role}-{n:05d}@{SCALE_DOMAIN}", name, role, **place)

    def team(
        self, authority_id: int, name: str, coaches: int, supervisor_email=None
    ) -> list[Coach]:
        team_id = self.t["team"].add(name, "", True, authority_id)
        if supervisor_email:
            supervisor = self.user(supervisor_email, "Bench Supervisor", "supervisor", team=team_id)
        else:
            supervisor = self.numbered_user("supervisor", team=team_id)
        return [
            Coach(
                self.numbered_user("coach", team=team_id)
                if i or supervisor_email is None
                else self.user(ANCHOR_COACH, "Bench Coach", "coach", team=team_id),
                team_id,
                authority_id,
                supervisor,
            )
            for i in range(coaches)
        ]

    # Cases

    def young_person(self, authority_id: int, gss: str, referred_on: date) -> int:
        rng = self.rng
        self.references[authority_id] += 1
        age = rng.choices([11, 12, 13, 14, 15, 16, 17], weights=[3, 6, 10, 16, 20, 18, 10])[0]
        born = referred_on - timedelta(days=age * 365 + rng.randint(20, 340))
        family = rng.choice(FAMILY)
        created = f"{referred_on} 09:00 {TZ}"
        yp = self.t["young_person"].add(
            f"YC-{gss}-{self.references[authority_id]:06d}",
            rng.choice(GIVEN),
            family,
            "",
            born,
            rng.choices(["male", "female", "other", "not_known"], weights=[74, 22, 2, 2])[0],
            _pick(rng, ETHNICITY_WEIGHTS),
            rng.choices(["none", "sen_support", "ehcp", "not_known"], weights=[55, 25, 12, 8])[0],
            rng.choices(["no", "yes", "previously", "not_known"], weights=[78, 12, 6, 4])[0],
            rng.choices(
                ["mainstream", "alternative", "special", "college", "none", "not_known"],
                weights=[55, 18, 4, 8, 12, 3],
            )[0],
            rng.choices(
                ["none", "out_of_court", "court_order", "previous", "not_known"],
                weights=[55, 18, 10, 12, 5],
            )[0],
            rng.random() < 0.72,
            1,
            created,
            created,
            authority_id,
        )
        self.t["contact"].add(
            f"{rng.choice(['Grace', 'Marcus', 'Precious', 'Dean', 'Sandra', 'Kwame'])} {family}",
            rng.choice(["Mother", "Father", "Carer", "Grandmother", "Social worker"]),
            f"020 7946 0{rng.randint(100, 999)}",
            "",
            yp,
            1,
            created,
        )
        return yp

    def episode(
        self,
        *,
        yp: int,
        authority_id: int,
        coach: Coach | None,
        referred_on: date,
        anchor: Anchor | None = None,
        current: bool = True,
    ) -> None:
        """One episode; `current` is False for an earlier one, followed by a re-referral."""
        rng, today = self.rng, self.today
        lead = self.leads[authority_id]
        status_rows: list[tuple[str, str, str, int]] = []

        def status(frm: str, to: str, day: date, by: int) -> None:
            status_rows.append((frm, to, f"{day} {rng.randint(9, 17)}:00 {TZ}", by))

        eligible = anchor is not None or rng.random() > 0.04
        allocated_on = referred_on + timedelta(days=rng.randint(2, 10))
        if anchor is not None and anchor.open_weeks is not None:
            first_session = today - timedelta(weeks=anchor.open_weeks, days=-1)
            allocated_on = first_session - timedelta(days=5)
            referred_on = min(referred_on, allocated_on - timedelta(days=3))
        if not eligible or allocated_on > today or coach is None:
            coach = None
        closed_on: date | None = None
        ending = ""
        if not eligible:
            closed_on, ending, state = referred_on, "not_eligible", "not_taken_on"
        elif coach is None:
            state = "referred"
        else:
            state = "allocated"
        team_id = coach.team_id if coach else None
        episode_id = self.t["episode"].next_id  # rows below refer to it; the row itself comes last

        # Referral and its history.
        referrer = rng.choice(REFERRERS)
        self.t["referral"].add(
            referrer[0], referrer[1], referred_on, referred_on - timedelta(days=rng.randint(1, 6)),
            rng.choice(["medium", "high"]), rng.sample(HARMS, rng.randint(1, 3)),
            eligible, eligible,
            [] if eligible else ['"The young person has not agreed to take part."'],
            f"{referred_on} 10:00 {TZ}", episode_id, lead,
        )  # fmt: skip
        status("", "referred", referred_on, lead)
        if state == "not_taken_on":
            status("referred", "not_taken_on", referred_on, lead)

        started_on: date | None = None
        if coach is not None:
            status("referred", "allocated", allocated_on, lead)
            started_on, closed_on, ending = self._work(
                episode_id, coach, allocated_on, anchor, status
            )
            state = "closed" if closed_on else ("active" if started_on else "allocated")
            self.t["allocation"].add(
                "allocated", f"{allocated_on} 11:00 {TZ}",
                f"{closed_on} 16:00 {TZ}" if closed_on else None,
                authority_id, coach.id, lead, team_id, episode_id,
            )  # fmt: skip
            coach.episodes.append(EpisodeShape(episode_id, allocated_on, closed_on or today))
            # The coach was told (X10); what is more than a week old she has read.
            read = allocated_on + timedelta(days=1) if allocated_on < today - timedelta(7) else None
            self.t["notification"].add(
                coach.id, NotificationKind.CASE_ALLOCATED.value, yp, None, "",
                f"{allocated_on} 11:00 {TZ}", f"{read} 09:00 {TZ}" if read else None,
            )  # fmt: skip
        for frm, to, at, by in status_rows:
            self.t["status"].add(frm, to, at, by, episode_id)
        created = f"{referred_on} 10:00 {TZ}"
        added = self.t["episode"].add(
            state, referred_on, allocated_on if coach else None, started_on, closed_on, ending,
            rng.choice([0, 10000, 15000, 20000]) if coach else 0, current, 1, created, created,
            authority_id, coach.id if coach else None, team_id, yp,
        )  # fmt: skip
        assert added == episode_id

    def _work(self, episode_id: int, coach: Coach, allocated_on: date, anchor, status):
        """Sessions, goals, measures, flags and closure for an allocated case."""
        rng, today = self.rng, self.today
        first = allocated_on + timedelta(days=rng.randint(3, 14))
        weeks = rng.randint(8, 18)
        per_week = rng.choice([1, 2, 2, 2, 3])
        engagement = rng.uniform(0.55, 0.98)
        goals_wanted = rng.choices([1, 2, 3], weights=[5, 20, 75])[0]
        never_engaged = rng.random() < 0.06
        if anchor is not None:
            first = allocated_on + timedelta(days=5) if anchor.open_weeks else first
            weeks = 10_000  # open: the work runs to today
            per_week = anchor.sessions_per_week or per_week
            engagement = anchor.engagement if anchor.engagement is not None else engagement
            goals_wanted = anchor.goals or goals_wanted
            never_engaged = False
        planned_end = first + timedelta(weeks=weeks)
        if first > today:
            return None, None, ""
        if never_engaged:
            # Allocated, never met: closed as disengaged after a month of trying.
            for k in range(3):
                day = first + timedelta(days=7 * k)
                if day <= today:
                    self._session(episode_id, coach, day, attended=False)
            closing = first + timedelta(days=30)
            if closing > today:
                return None, None, ""
            self._closure(episode_id, coach, closing, "disengaged", status, "allocated")
            return None, closing, "disengaged"

        horizon = min(planned_end, today)
        session_days: list[date] = []
        monday = first - timedelta(days=first.weekday())
        while monday <= horizon:
            days = sorted(rng.sample([0, 1, 2, 3, 4], per_week))
            session_days += [monday + timedelta(days=d) for d in days]
            monday += timedelta(days=7)
        session_days = [d for d in session_days if first <= d <= horizon]
        if not session_days or session_days[0] != first:
            session_days.insert(0, first)
        if anchor is not None and anchor.open_weeks is not None:
            session_days = session_days[:ANCHOR_EPISODE_SESSIONS]

        goals = self._goals(episode_id, coach, first, goals_wanted)
        status("allocated", "active", first, coach.id)
        self._measure(episode_id, coach, "baseline", first + timedelta(days=rng.randint(0, 14)), 0)
        attended_days: list[date] = []
        for i, day in enumerate(session_days):
            attended = i == 0 or rng.random() < engagement
            session = self._session(episode_id, coach, day, attended=attended)
            if attended:
                attended_days.append(day)
                for goal in goals:
                    goal.rate(self, day, session)
        if (horizon - first).days >= 84 and rng.random() < 0.45:
            self._measure(
                episode_id, coach, "review", first + timedelta(days=rng.randint(56, 84)), 0.5
            )
        if rng.random() < 0.2:
            self._flag(episode_id, coach, rng.choice(attended_days))

        closing = planned_end + timedelta(days=rng.randint(0, 10))
        if closing > today or (anchor is not None):
            if anchor is None and (today - first).days > 60 and rng.random() < 0.05:
                self._closure(episode_id, coach, None, "planned", status, "active")
            return first, None, ""
        reason = _pick(rng, ENDING_WEIGHTS)
        for goal in goals:
            goal.end(self, closing)
        if rng.random() < (0.7 if reason == "planned" else 0.35):
            self._measure(episode_id, coach, "end", closing - timedelta(days=rng.randint(0, 7)), 1)
        self._closure(episode_id, coach, closing, reason, status, "active")
        return first, closing, reason

    def _session(self, episode_id: int, coach: Coach, day: date, *, attended: bool) -> int:
        rng = self.rng
        at = f"{day} {rng.choice([10, 13, 15, 16, 17])}:{rng.choice(['00', '30'])} {TZ}"
        if attended:
            start = rng.randint(2, 7)
            fields = (
                rng.choice([45, 60, 60, 60, 90]), "attended",
                rng.choice(["home", "school", "community", "youth_centre", "online"]),
                start, min(10, start + rng.randint(-1, 3)),
                "Practise the breathing exercise before school", "",
            )  # fmt: skip
        else:
            missed = rng.choices(
                ["did_not_attend", "cancelled_young_person", "cancelled_coach"], weights=[6, 3, 1]
            )[0]
            fields = (None, missed, "", None, None, "", "")  # type: ignore[assignment]  # NULL columns
        session_id = self.t["session"].add(
            at, *fields, False, uuid.UUID(int=rng.getrandbits(128), version=4), at, at,
            coach.id, episode_id, coach.id, 1,
        )  # fmt: skip
        if attended:
            for technique in rng.sample(self.techniques, rng.choice([1, 2, 2, 3])):
                self.t["technique"].add(session_id, technique)
        return session_id

    def _goals(self, episode_id: int, coach: Coach, first: date, wanted: int) -> list[GoalPath]:
        agreed = first + timedelta(days=self.rng.randint(0, 7))
        return [
            GoalPath.start(self, episode_id, coach, slot, agreed, text)
            for slot, text in enumerate(self.rng.sample(demo.GOALS, wanted), start=1)
        ]

    def _measure(
        self, episode_id: int, coach: Coach, occasion: str, day: date, progress: float
    ) -> None:
        rng = self.rng
        if day > self.today or (occasion == "baseline" and rng.random() > 0.86):
            return
        # Difficulties ease a little over the work for most young people.
        lean = rng.gauss(0.25 * progress, 0.2)
        at = f"{day} 12:00 {TZ}"
        if rng.random() < 0.75:
            answers = {}
            for item in range(1, 26):
                if rng.random() < 0.03:
                    continue  # left blank on the paper form
                weights = [3 + 4 * lean, 4, 3 - 2 * lean]
                answers[item] = rng.choices([0, 1, 2], weights=[max(w, 0.2) for w in weights])[0]
            scores = sdq.score_items(answers)
            mode, stored = "items", {str(k): v for k, v in answers.items()}
        else:
            scales = {
                name: max(0, min(10, round(rng.gauss(4 - 2 * lean, 2))))
                for name in ("emotional", "conduct", "hyperactivity", "peer", "prosocial")
            }
            scores = sdq.score_scales(**scales)
            mode, stored = "scales", {}
        self.t["measure"].add(
            occasion, day, mode, stored, scores.as_dict(), scores.total_difficulties, at,
            self.sdq_id, episode_id, coach.id,
        )  # fmt: skip

    def _flag(self, episode_id: int, coach: Coach, day: date) -> None:
        rng = self.rng
        review = day + timedelta(days=rng.randint(14, 42))
        resolved = review < self.today and rng.random() < 0.8
        self.t["flag"].add(
            rng.choice(["safeguarding", "violence", "exploitation", "missing", "mental_health"]),
            rng.choice(["low", "medium", "medium", "high"]),
            "Concern discussed with the supervisor; plan agreed.", review,
            f"{day} 17:00 {TZ}", f"{review} 12:00 {TZ}" if resolved else None,
            "Reviewed with the supervisor; no longer a concern." if resolved else "",
            episode_id, coach.id, coach.supervisor_id if resolved else None, None, 1,
            f"{review} 12:00 {TZ}" if resolved else f"{day} 17:00 {TZ}",
        )  # fmt: skip

    def _closure(self, episode_id, coach, closing, reason, status, previous) -> None:
        if closing is None:  # asked for, awaiting the supervisor
            asked = self.today - timedelta(days=self.rng.randint(0, 4))
            self.t["closure"].add(
                reason, "Goals worked on; ending agreed with the young person.",
                f"{asked} 15:00 {TZ}", "pending", None, "", None, coach.id, episode_id,
            )  # fmt: skip
            return
        asked = closing - timedelta(days=self.rng.randint(1, 5))
        self.t["closure"].add(
            reason, "Ending agreed in supervision.", f"{asked} 15:00 {TZ}", "approved",
            f"{closing} 11:00 {TZ}", "", coach.supervisor_id, coach.id, episode_id,
        )  # fmt: skip
        status(previous, "closed", closing, coach.supervisor_id)

    # Contexts (C10)

    def context(self, name: str, kind: str, by: int, authority_ids: Iterable[int]) -> int:
        created = self.today - timedelta(days=self.rng.randint(30, HISTORY_DAYS))
        context_id = self.t["context"].add(
            kind, name, "Known to several teams.", by, f"{created} 12:00 {TZ}", uuid.uuid4(), None
        )
        for authority_id in dict.fromkeys(authority_ids):
            self.t["context_authority"].add(context_id, authority_id)
        return context_id

    def link(self, context_id: int, yp: int, by: int, known_from: date) -> None:
        self.t["context_link"].add(
            context_id, yp, "Seen there by the youth worker.", known_from, by,
            f"{known_from} 13:00 {TZ}", None, None, None, "",
        )  # fmt: skip

    # Supervision

    def supervision(self, coaches: list[Coach]) -> None:
        """Individual supervision every four to six weeks, with cases discussed and actions."""
        rng, today = self.rng, self.today
        for coach in coaches:
            day = today - timedelta(days=HISTORY_DAYS - rng.randint(0, 30))
            while day <= today - timedelta(days=3):
                record = self.t["supervision"].add(
                    day, "individual", "Keep to the plan agreed.", 1, f"{day} 14:00 {TZ}",
                    f"{day} 14:00 {TZ}", coach.supervisor_id, coach.team_id,
                )  # fmt: skip
                self.t["attendee"].add("Coping well.", coach.id, record)
                live = [e for e in coach.episodes if e.allocated_on <= day <= e.ends_on]
                for shape in rng.sample(live, min(len(live), 2)):
                    self.t["discussion"].add("Discussed progress and risk.", shape.id, record)
                if live:
                    due = day + timedelta(days=14)
                    done = due < today and rng.random() < 0.85
                    self.t["action"].add(
                        "Review the plan with the young person", due,
                        f"{due} 10:00 {TZ}" if done else None, f"{day} 15:00 {TZ}",
                        coach.id if done else None, rng.choice(live).id, coach.id, record,
                    )  # fmt: skip
                day += timedelta(days=rng.randint(28, 42))

    def finish(self) -> dict[str, int]:
        for table in self.t.values():
            table.finish()
        for pk, last in self.references.items():
            Authority.objects.filter(pk=pk).update(last_reference_number=last)
        return {table.name: table.count for table in self.t.values()}


@dataclass
class GoalPath:
    """A goal whose ratings improve, stall or fall, rated at attended sessions."""

    id: int
    slot: int
    episode_id: int
    coach_id: int
    level: float
    drift: float
    last: int
    ratings: int = 0

    @classmethod
    def start(
        cls, b: Builder, episode_id: int, coach: Coach, slot: int, agreed: date, text: str
    ) -> GoalPath:
        rng = b.rng
        score = rng.randint(1, 4)
        goal_id = b.t["goal"].add(
            slot, text, "live", agreed, None, 1, f"{agreed} 12:00 {TZ}",
            coach.id, episode_id, None,
        )  # fmt: skip
        b.t["rating"].add(score, agreed, f"{agreed} 12:00 {TZ}", goal_id, coach.id, None)
        kind = rng.choices([0.45, 0.0, -0.25], weights=[55, 27, 18])[0]
        return cls(goal_id, slot, episode_id, coach.id, float(score), kind, score)

    def rate(self, b: Builder, day: date, session_id: int) -> None:
        if b.rng.random() < 0.04:
            return  # not rated at this session
        self.level = max(0.0, min(10.0, self.level + self.drift + b.rng.gauss(0, 0.6)))
        self.last = round(self.level)
        self.ratings += 1
        b.t["rating"].add(self.last, day, f"{day} 18:00 {TZ}", self.id, self.coach_id, session_id)

    def end(self, b: Builder, day: date) -> None:
        """At closure a goal well on the way counts as achieved; the rest stay as they were."""
        if self.last >= 8:
            b.achieved.append((self.id, day))


def _achieved(cursor, goals: list[tuple[int, date]]) -> None:
    if not goals:
        return
    cursor.execute(
        "UPDATE outcomes_goal SET status = 'achieved', ended_on = v.day::date "
        "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS day) v "
        "WHERE outcomes_goal.id = v.id",
        [[g for g, _ in goals], [str(d) for _, d in goals]],
    )


def already_loaded() -> bool:

    return User.objects.filter(email=ANCHOR_COACH).exists()


@transaction.atomic
def seed(
    *,
    scale: int,
    seed: int = 1,
    today: date | None = None,
    young_people: int = YOUNG_PEOPLE_PER_SCALE,
) -> dict[str, int]:
    """Load `scale` times the real programme. Returns rows written per table.

    `young_people` (per scale, besides the anchors) is smaller only in tests."""
    today = today or timezone.localdate()
    if not demo.already_seeded():
        demo.seed(seed=seed)
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the driver's cursor, for COPY
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        b = Builder(cursor, scale=scale, seed=seed, today=today)
        rng = b.rng
        for pk, _gss, _ in b.authorities:
            b.leads[pk] = b.numbered_user("borough_lead", authority=pk)
        anchor_authority = next(pk for pk, gss, _ in b.authorities if gss == ANCHOR_AUTHORITY)
        anchor_coaches = b.team(
            anchor_authority, ANCHOR_TEAM, ANCHOR_TEAM_COACHES, ANCHOR_SUPERVISOR
        )
        teams: dict[int, list[Coach]] = {}
        for pk, _gss, _ in b.authorities:
            teams[pk] = [
                coach for t in range(scale) for coach in b.team(pk, f"Your Choice team {t + 1}", 3)
            ]
        gss_of = {pk: gss for pk, gss, _ in b.authorities}

        # The anchors: the same open cases at every scale.
        anchor_cases = [(anchor_coaches[0], Anchor(20, 3, 1.0, 3))]
        anchor_cases += [
            (anchor_coaches[0], Anchor(rng.randint(1, 16))) for _ in range(ANCHOR_OPEN_CASES - 1)
        ]
        others = ANCHOR_TEAM_OPEN_CASES - ANCHOR_OPEN_CASES
        anchor_cases += [
            (anchor_coaches[1 + i % (ANCHOR_TEAM_COACHES - 1)], Anchor(rng.randint(1, 16)))
            for i in range(others)
        ]
        anchor_people: list[tuple[Coach, int, date]] = []
        for coach, anchor in anchor_cases:
            referred = today - timedelta(weeks=(anchor.open_weeks or 1) + 2)
            yp = b.young_person(anchor_authority, ANCHOR_AUTHORITY, referred)
            b.episode(yp=yp, authority_id=anchor_authority, coach=coach, referred_on=referred,
                      anchor=anchor)  # fmt: skip
            anchor_people.append((coach, yp, referred))

        # Everyone else: referrals spread over two years, unevenly across authorities.
        weights = [rng.uniform(0.5, 1.5) for _ in b.authorities]
        total = young_people * scale
        picks = rng.choices([pk for pk, _, _ in b.authorities], weights=weights, k=total)
        # Contexts in every authority, a tenth of them spanning the next authority too.
        ids = [pk for pk, _, _ in b.authorities]
        contexts: dict[int, list[int]] = {}
        for i, pk in enumerate(ids):
            spans = [pk, ids[(i + 1) % len(ids)]]
            contexts[pk] = [
                b.context(
                    f"{FAMILY[(i * 13 + n) % len(FAMILY)]} "
                    f"{CONTEXT_PLACES[n % len(CONTEXT_PLACES)]}",
                    rng.choice(["place", "place", "peer_group", "school", "online"]),
                    b.leads[pk],
                    spans if n % 10 == 0 else spans[:1],
                )
                for n in range(CONTEXTS_PER_AUTHORITY * scale)
            ]
        anchor_context = b.context(
            ANCHOR_CONTEXT, "place", anchor_coaches[0].id, [anchor_authority]
        )
        bench_coach = anchor_coaches[0]
        mine = [(c, yp, day) for c, yp, day in anchor_people if c is bench_coach]
        team = [(c, yp, day) for c, yp, day in anchor_people if c is not bench_coach]
        for coach, yp, day in mine + team[:ANCHOR_CONTEXT_TEAM_LINKS]:
            b.link(anchor_context, yp, coach.id, day + timedelta(days=7))
        elsewhere = ANCHOR_CONTEXT_ELSEWHERE_LINKS
        spanned = {anchor_authority}
        for authority_id in picks:
            referred = today - timedelta(days=rng.randint(0, HISTORY_DAYS))
            yp = b.young_person(authority_id, gss_of[authority_id], referred)
            if elsewhere and authority_id != anchor_authority:
                # Young people elsewhere on the anchor context: it spans their authority.
                elsewhere -= 1
                b.link(anchor_context, yp, b.leads[authority_id], referred)
                if authority_id not in spanned:
                    spanned.add(authority_id)
                    b.t["context_authority"].add(anchor_context, authority_id)
            elif rng.random() < LINKED_SHARE:
                b.link(rng.choice(contexts[authority_id]), yp, b.leads[authority_id], referred)
            coach = rng.choice(teams[authority_id])
            if rng.random() < 0.15 and referred < today - timedelta(days=300):
                # Re-referred: an earlier episode, closed, then this one.
                b.episode(
                    yp=yp, authority_id=authority_id, coach=coach, referred_on=referred,
                    current=False,
                )  # fmt: skip
                referred = referred + timedelta(days=rng.randint(200, 300))
                coach = rng.choice(teams[authority_id])
            b.episode(yp=yp, authority_id=authority_id, coach=coach, referred_on=referred)
        for coaches in [anchor_coaches, *teams.values()]:
            b.supervision(coaches)
        counts = b.finish()
        _achieved(cursor, b.achieved)
    # COPY went round the services, so the reports' summary is made from what it wrote.
    outcome_summary.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts
