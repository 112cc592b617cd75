"""Checking an import row by row, by the rules the service's own pages apply (C11).

Everything is checked in Python before anything is written: each row's values (a real date,
a choice the service has, a number in range), each row against the rows it names (a session
after its case's referral and not after it closed, a rating on or after its goal was agreed),
and the file against what is already recorded (young people who may be the same person, rows
an earlier file imported). The result is a `Plan`: what would be created, and every problem in
plain English with its sheet and row. Only a plan with no problems is ever written
(casework/imports/services.py), so a file saves whole or not at all.

The rules are the service's own, read from where they live: the ages the programme takes,
the dates something can have happened on, a session's length and feelings, the goal rating
scale, the three live goals, the SDQ's scale scores. Nothing here relaxes them for an import,
except that what happened long ago may be recorded now (a session's coach need not still work
here, a closed case keeps the coach who held it).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from accounts import access
from cases.models import (
    CLOSURE_REASONS,
    EducationStatus,
    Episode,
    EpisodeStatus,
    Ethnicity,
    Gender,
    Harm,
    LookedAfter,
    RiskLevel,
    SpecialNeeds,
    YoungPerson,
    YouthJustice,
)
from cases.programme import MAX_AGE, MIN_AGE
from cases.services import YoungPersonDetails
from casework.imports.models import ImportedRecord, Sheet
from casework.imports.reading import Table, Value
from casework.imports.sheets import BY_SHEET, SheetSpec
from outcomes.models import MAX_LIVE_GOALS, MAX_RATING, MIN_RATING, GoalStatus, Occasion
from outcomes.scoring import sdq
from sessions.models import (
    MAX_DURATION_MINUTES,
    MAX_FEELING,
    MIN_DURATION_MINUTES,
    MIN_FEELING,
    Attendance,
    Place,
)
from sessions.rules import session_moment_problem
from yourchoice.data import dates
from yourchoice.scoping import all_cases

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from accounts.models import Authority, User

#: Keys of the sessions an import creates, made from the authority and the old id, so the same
#: row can never become two sessions (the session table's own idempotency key).
SESSION_KEYS = uuid.UUID("6d1f3b1e-4c1a-4d7e-9a57-0c3f0a2b9e11")
#: When a session row gives no time.
DEFAULT_TIME = time(12, 0)

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "message": self.message}


@dataclass(slots=True)
class YoungPersonRow:
    row: int
    old_id: str
    details: YoungPersonDetails
    existing_id: int | None = None  # a young person already recorded, as the lead confirmed


@dataclass(slots=True)
class CaseRow:
    row: int
    old_id: str
    young_person: str
    referred_on: date
    referrer_organisation: str
    risk_level: str
    harms: list[str]
    coach_id: int | None
    team_id: int | None
    allocated_on: date | None
    closed_on: date | None
    ending_reason: str
    status: str = EpisodeStatus.REFERRED
    started_on: date | None = None
    is_current: bool = False


@dataclass(slots=True)
class SessionRow:
    row: int
    old_id: str
    case: str
    occurred_at: datetime
    coach_id: int
    attendance: str
    duration_minutes: int | None
    place: str
    feeling_start: int | None
    feeling_end: int | None
    notes: str
    day: date  # occurred_at's day here, kept rather than worked out again for every rating


@dataclass(slots=True)
class GoalRow:
    row: int
    old_id: str
    case: str
    description: str
    agreed_on: date
    status: str
    ended_on: date | None
    slot: int = 1


@dataclass(slots=True)
class RatingRow:
    row: int
    old_id: str
    goal: str
    rated_on: date
    score: int
    session: str | None


@dataclass(slots=True)
class SdqRow:
    row: int
    old_id: str
    case: str
    occasion: str
    completed_on: date
    scores: dict[str, int | None]
    total: int | None


@dataclass(frozen=True)
class Candidate:
    """A young person already recorded whom a row may be."""

    young_person_id: int
    reference: str
    name: str
    date_of_birth: date


@dataclass
class Duplicate:
    row: int
    old_id: str
    name: str
    date_of_birth: date
    candidates: list[Candidate]

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "old_id": self.old_id,
            "name": self.name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "candidates": [
                {
                    "id": c.young_person_id,
                    "reference": c.reference,
                    "name": c.name,
                    "date_of_birth": c.date_of_birth.isoformat(),
                }
                for c in self.candidates
            ],
        }


@dataclass
class Plan:
    young_people: list[YoungPersonRow] = field(default_factory=list)
    cases: list[CaseRow] = field(default_factory=list)
    sessions: list[SessionRow] = field(default_factory=list)
    goals: list[GoalRow] = field(default_factory=list)
    ratings: list[RatingRow] = field(default_factory=list)
    sdqs: list[SdqRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    #: Rows an earlier file imported, by sheet: left as they are.
    already_imported: dict[str, int] = field(default_factory=dict)
    #: Young people already recorded whose current case an imported one takes over from.
    superseded_current: set[int] = field(default_factory=set)

    @property
    def counts(self) -> dict[str, int]:
        return {
            Sheet.YOUNG_PEOPLE: sum(1 for y in self.young_people if y.existing_id is None),
            Sheet.CASES: len(self.cases),
            Sheet.SESSIONS: len(self.sessions),
            Sheet.GOALS: len(self.goals),
            Sheet.GOAL_RATINGS: len(self.ratings),
            Sheet.SDQS: len(self.sdqs),
        }

    @property
    def undecided(self) -> list[Duplicate]:
        return [d for d in self.duplicates if d.old_id not in self._decided]

    _decided: set[str] = field(default_factory=set)


# --- Reading one value ------------------------------------------------------------------------


class Bad(Exception):
    """One value's problem, in plain English."""


def _choices(*enums: Any, extra: dict[str, str] | None = None) -> dict[str, str]:
    found: dict[str, str] = {}
    for enum in enums:
        for value, label in enum.choices:
            found[str(value).lower()] = value
            found[str(label).lower()] = value
    for said, value in (extra or {}).items():
        found[said.lower()] = value
    return found


GENDERS = _choices(Gender, extra={"f": "female", "m": "male", "other": "other"})
ETHNICITIES = _choices(Ethnicity, extra={"not known": Ethnicity.NOT_KNOWN})
SPECIAL_NEEDS = _choices(SpecialNeeds, extra={"ehcp": SpecialNeeds.EHCP})
LOOKED_AFTER = _choices(LookedAfter, extra={"previously looked after": LookedAfter.PREVIOUSLY})
EDUCATION = _choices(EducationStatus)
YOUTH_JUSTICE = _choices(YouthJustice)
RISK_LEVELS = _choices(RiskLevel)
HARMS = _choices(Harm)
ENDING_REASONS = {
    **{str(v).lower(): v for v, _ in CLOSURE_REASONS},
    **{str(label).lower(): v for v, label in CLOSURE_REASONS},
}
ATTENDANCE = _choices(Attendance)
PLACES = _choices(Place)
GOAL_STATUSES = {
    k: v
    for k, v in _choices(GoalStatus, extra={"live": GoalStatus.LIVE}).items()
    if v != GoalStatus.REPLACED
}
OCCASIONS = _choices(Occasion)


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _choice(value: Value, options: dict[str, str], what: str, default: str = "") -> str:
    text = _text(value)
    if not text:
        return default
    found = options.get(re.sub(r"\s+", " ", text).lower())
    if found is None:
        raise Bad(f"“{text[:60]}” is not one of the choices for {what}.")
    return found


def _whole(value: Value, what: str, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Bad(f"{what} must be a whole number.")
    if isinstance(value, float):
        if not value.is_integer():
            raise Bad(f"{what} must be a whole number, not {value}.")
        value = int(value)
    if isinstance(value, str):
        if not re.fullmatch(r"-?\d+", value.strip()):
            raise Bad(f"{what} must be a whole number, not “{value[:20]}”.")
        value = int(value)
    if not isinstance(value, int):
        raise Bad(f"{what} must be a whole number.")
    if not low <= value <= high:
        raise Bad(f"{what} must be from {low} to {high}, not {value}.")
    return value


SLASHED = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$")
ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?$")


def month_first_seen(tables: list[Table]) -> bool:
    """Whether any date in the file can only be month first (04/23/2024): then every date
    that could be read either way is in doubt too."""
    for table in tables:
        positions = [i for i, c in enumerate(table.spec.columns) if _is_date_column(c.key)]
        for _, values in table.rows:
            for i in positions:
                value = values[i]
                m = SLASHED.match(value) if isinstance(value, str) else None
                if m and int(m.group(1)) <= 12 < int(m.group(2)):
                    return True
    return False


def _is_date_column(key: str) -> bool:
    return key in {
        "date_of_birth",
        "referred_on",
        "allocated_on",
        "closed_on",
        "date",
        "agreed_on",
        "ended_on",
        "rated_on",
        "completed_on",
    }


def _date(value: Value, what: str, *, month_first: bool) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if m := ISO.match(text):
        year, month, day = (int(g) for g in m.groups())
    elif m := SLASHED.match(text):
        day, month, year = (int(g) for g in m.groups())
        if len(m.group(3)) != 4:
            raise Bad(f"{what} “{text}” has a two-figure year: write the year in full (2024).")
        if day <= 12 < month:
            raise Bad(
                f"{what} “{text}” is written month first (US order). Write dates day first "
                f"({month:02d}/{day:02d}/{year}) or as {year}-{day:02d}-{month:02d}."
            )
        if month_first and day <= 12 and month <= 12 and day != month:
            raise Bad(
                f"{what} “{text}” could be {dates.long_form(date(year, month, day))} or "
                f"{dates.long_form(date(year, day, month))}: other dates in this file are "
                "written month first (US order). Write every date day first, or as "
                "2024-04-23."
            )
    else:
        raise Bad(f"{what} “{text[:30]}” is not a date. Write it like 23/04/2024.")
    try:
        return date(year, month, day)
    except ValueError:
        raise Bad(f"{what} “{text}” is not a real date.") from None


def _time(value: Value) -> time | None:
    if value is None or value == "":
        return None
    if isinstance(value, time):
        return value
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, float) and 0 <= value < 1:  # a time Excel kept as a fraction of a day
        minutes = round(value * 24 * 60)
        return time(minutes // 60, minutes % 60)
    text = _text(value)
    m = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?::\d{2})?", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise Bad(f"The time “{text[:20]}” is not a time. Write it like 16:30.")
    return time(int(m.group(1)), int(m.group(2)))


def _yes_no(value: Value, what: str) -> bool:
    text = _text(value).lower()
    if not text or text in NO:
        return False
    if text in YES:
        return True
    raise Bad(f"{what} must be Yes or No, not “{text[:20]}”.")


# --- The check --------------------------------------------------------------------------------


class _Rows:
    """One sheet's rows with the helpers to read them and note their problems."""

    def __init__(self, plan: Plan, table: Table | None, spec: SheetSpec) -> None:
        self.plan = plan
        self.spec = spec
        self.rows = table.rows if table is not None else []
        self.index = {c.key: i for i, c in enumerate(spec.columns)}

    def problem(self, row: int, message: str) -> None:
        self.plan.problems.append(Problem(self.spec.title, row, message))


def _old_ids(sheet: _Rows) -> dict[str, int]:
    """Each old id's row, noting rows without one and old ids used twice."""
    seen: dict[str, int] = {}
    key = sheet.index["old_id"]
    for number, values in sheet.rows:
        old_id = _text(values[key])
        if not old_id:
            sheet.problem(number, "The old id is missing.")
        elif len(old_id) > 100:
            sheet.problem(number, "The old id is longer than 100 characters.")
        elif old_id in seen:
            sheet.problem(number, f"The old id “{old_id}” is also on row {seen[old_id]}.")
        else:
            seen[old_id] = number
    return seen


def check(
    tables: list[Table],
    *,
    authority: Authority,
    actor: User,
    decisions: dict[str, int] | None = None,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Check what was read against the service's rules; `decisions` are the lead's answers
    about possible duplicates ({old id: young person id, or 0 for a different person}).
    `progress` is told how many rows each sheet had once it is checked."""
    today = today or timezone.localdate()
    plan = Plan()
    plan._decided = set((decisions or {}).keys())
    by_sheet = {t.spec.sheet.value: t for t in tables}
    month_first = month_first_seen(tables)
    sheets = {key: _Rows(plan, by_sheet.get(key), spec) for key, spec in BY_SHEET.items()}
    earlier = _earlier_imports(authority, sheets)

    def checked(key: str) -> None:
        if progress is not None:
            progress(len(sheets[key].rows))

    coaches = _coaches(authority)
    young_people = _young_people(sheets[Sheet.YOUNG_PEOPLE], plan, earlier, month_first, today)
    _duplicates(plan, young_people, authority=authority, actor=actor, decisions=decisions or {})
    checked(Sheet.YOUNG_PEOPLE)
    cases = _cases(
        sheets[Sheet.CASES], plan, earlier, young_people, coaches, authority, month_first, today
    )
    checked(Sheet.CASES)
    sessions = _sessions(sheets[Sheet.SESSIONS], plan, earlier, cases, coaches, month_first, today)
    checked(Sheet.SESSIONS)
    goals = _goals(sheets[Sheet.GOALS], plan, earlier, cases, month_first, today)
    checked(Sheet.GOALS)
    _ratings(sheets[Sheet.GOAL_RATINGS], plan, earlier, goals, sessions, month_first, today)
    checked(Sheet.GOAL_RATINGS)
    _sdqs(sheets[Sheet.SDQS], plan, earlier, cases, month_first, today)
    checked(Sheet.SDQS)
    _settle_cases(plan, cases, sessions, authority)
    plan.problems.sort(key=lambda p: (list(BY_SHEET).index(_sheet_key(p.sheet)), p.row))
    return plan


def _sheet_key(title: str) -> str:
    return next(k for k, spec in BY_SHEET.items() if spec.title == title)


def _earlier_imports(authority: Authority, sheets: dict[str, _Rows]) -> dict[str, set[str]]:
    """Old ids in this file that an earlier file already imported into the authority. Every
    old id the authority has, by sheet, read once: a few hundred thousand strings at most, and
    one plain scan rather than a statement naming each of the file's ids."""
    found: dict[str, set[str]] = defaultdict(set)
    # Only the authority's own old ids, no record: and all of them, including those of young
    # people since transferred away, whose rows must not be imported a second time either.
    with all_cases("an import's check of the old ids its authority has imported"):
        kept = ImportedRecord.objects.filter(authority=authority).values_list("sheet", "old_id")
        for sheet_key, old_id in kept.iterator(chunk_size=20000):
            found[sheet_key].add(old_id)
    for key, sheet in sheets.items():
        position = sheet.index["old_id"]
        in_file = {_text(values[position]) for _, values in sheet.rows}
        found[key] &= in_file
    return found


def _coaches(authority: Authority) -> dict[str, tuple[int, int, bool]]:
    """Email -> (coach id, their first team here, whether they can still sign in)."""
    found: dict[str, tuple[int, int, bool]] = {}
    for user_id, team_id, email, active, team_active in (
        access.authority_coach_memberships(authority.pk)
        .order_by("team_id")
        .values_list("user_id", "team_id", "user__email", "user__is_active", "team__active")
    ):
        key = email.lower()
        if key not in found or (not found[key][2] and active and team_active):
            found[key] = (user_id, team_id, bool(active and team_active))
    return found


def _skip_earlier(sheet: _Rows, plan: Plan, earlier: dict[str, set[str]], old_id: str) -> bool:
    if old_id in earlier.get(sheet.spec.sheet.value, set()):
        key = sheet.spec.sheet.value
        plan.already_imported[key] = plan.already_imported.get(key, 0) + 1
        return True
    return False


def _young_people(
    sheet: _Rows, plan: Plan, earlier: dict[str, set[str]], month_first: bool, today: date
) -> dict[str, YoungPersonRow]:
    found: dict[str, YoungPersonRow] = {}
    # Each young person once: the same name and date of birth on two rows is one person
    # entered twice (their cases would make two records of them).
    people: dict[tuple[str, str, date], int] = {}
    i = sheet.index
    for number, v, old_id in _new_rows(sheet, plan, earlier):
        try:
            given, family = _text(v[i["given_name"]]), _text(v[i["family_name"]])
            if not given or not family:
                raise Bad("The first name and the last name are both needed.")
            if max(len(given), len(family), len(_text(v[i["preferred_name"]]))) > 100:
                raise Bad("A name is longer than 100 characters.")
            born = _date(v[i["date_of_birth"]], "The date of birth", month_first=month_first)
            if born is None:
                raise Bad("The date of birth is missing.")
            if born > today:
                raise Bad("The date of birth cannot be in the future.")
            details = YoungPersonDetails(
                given_name=given,
                family_name=family,
                date_of_birth=born,
                preferred_name=_text(v[i["preferred_name"]]),
                gender=_choice(v[i["gender"]], GENDERS, "gender", Gender.NOT_KNOWN),
                ethnicity=_choice(v[i["ethnicity"]], ETHNICITIES, "ethnicity", Ethnicity.NOT_KNOWN),
                special_needs=_choice(
                    v[i["special_needs"]],
                    SPECIAL_NEEDS,
                    "special educational needs",
                    SpecialNeeds.NOT_KNOWN,
                ),
                looked_after=_choice(
                    v[i["looked_after"]], LOOKED_AFTER, "looked-after status", LookedAfter.NOT_KNOWN
                ),
                education_status=_choice(
                    v[i["education_status"]], EDUCATION, "education", EducationStatus.NOT_KNOWN
                ),
                youth_justice=_choice(
                    v[i["youth_justice"]],
                    YOUTH_JUSTICE,
                    "youth justice involvement",
                    YouthJustice.NOT_KNOWN,
                ),
                research_consent=_yes_no(v[i["research_consent"]], "Research consent"),
            )
        except Bad as bad:
            sheet.problem(number, str(bad))
            continue
        person = (_same_name(given), _same_name(family), born)
        if person in people:
            sheet.problem(
                number,
                f"{given} {family}, born {dates.long_form(born)}, is also on row "
                f"{people[person]}: give each young person one row, and all their cases that "
                "row's old id.",
            )
            continue
        people[person] = number
        row = YoungPersonRow(number, old_id, details)
        found[old_id] = row
        plan.young_people.append(row)
    return found


def _same_name(name: str) -> str:
    """A name as two rows are compared: case and spacing do not matter."""
    return " ".join(name.split()).casefold()


def _duplicates(
    plan: Plan,
    young_people: dict[str, YoungPersonRow],
    *,
    authority: Authority,
    actor: User,
    decisions: dict[str, int],
) -> None:
    """Young people already recorded in the lead's reach, born the same day, with the same
    last name or a first name that starts the same (the referral form's own test, C2)."""
    births = {row.details.date_of_birth for row in young_people.values()}
    if not births:
        return
    existing: dict[date, list[YoungPerson]] = defaultdict(list)
    for person in (
        YoungPerson.objects.visible_to(actor)
        .filter(authority=authority, date_of_birth__in=births, anonymised_at__isnull=True)
        .only("pk", "reference", "given_name", "family_name", "preferred_name", "date_of_birth")
    ):
        existing[person.date_of_birth].append(person)
    for row in young_people.values():
        d = row.details
        matches = [
            p
            for p in existing.get(d.date_of_birth, [])
            if p.family_name.lower() == d.family_name.lower()
            or p.given_name.lower().startswith(d.given_name.lower()[:3])
        ]
        if not matches:
            continue
        plan.duplicates.append(
            Duplicate(
                row.row,
                row.old_id,
                f"{d.given_name} {d.family_name}",
                d.date_of_birth,
                [
                    Candidate(p.pk, p.reference, f"{p.given_name} {p.family_name}", p.date_of_birth)
                    for p in matches
                ],
            )
        )
        chosen = decisions.get(row.old_id)
        if chosen and chosen in {p.pk for p in matches}:
            row.existing_id = chosen


def _cases(
    sheet: _Rows,
    plan: Plan,
    earlier: dict[str, set[str]],
    young_people: dict[str, YoungPersonRow],
    coaches: dict[str, tuple[int, int, bool]],
    authority: Authority,
    month_first: bool,
    today: date,
) -> dict[str, CaseRow]:
    found: dict[str, CaseRow] = {}
    i = sheet.index
    earlier_people = earlier.get(Sheet.YOUNG_PEOPLE, set())
    for number, v, old_id in _new_rows(sheet, plan, earlier):
        problems: list[str] = []
        person_id = _text(v[i["young_person"]])
        person = young_people.get(person_id)
        if person is None:
            if person_id in earlier_people:
                problems.append(
                    f"The young person “{person_id}” was imported from an earlier file: record "
                    "their new case in the service (a new referral), not in an import."
                )
            elif person_id:
                problems.append(
                    f"There is no young person with the old id “{person_id}” on the Young people "
                    "sheet (or their row has a problem of its own)."
                )
            else:
                problems.append("The young person's old id is missing.")
        try:
            referred_on = _date(v[i["referred_on"]], "The referral date", month_first=month_first)
            allocated_on = _date(
                v[i["allocated_on"]], "The allocation date", month_first=month_first
            )
            closed_on = _date(v[i["closed_on"]], "The closed date", month_first=month_first)
            organisation = _text(v[i["referrer_organisation"]])
            risk = _choice(v[i["risk_level"]], RISK_LEVELS, "the risk level")
            harms = [
                _choice(h, HARMS, "harms")
                for h in re.split(r"[;\n]", _text(v[i["harms"]]))
                if h.strip()
            ]
            ending = _choice(v[i["ending_reason"]], ENDING_REASONS, "the ending reason")
        except Bad as bad:
            sheet.problem(number, str(bad))
            continue
        if referred_on is None:
            problems.append("The referral date is missing.")
        else:
            if problem := dates.happened(referred_on, what="The referral date", today=today):
                problems.append(problem)
            if person is not None and person.existing_id is None:
                born = person.details.date_of_birth
                if problem := dates.date_of_birth(born, referred_on=referred_on, today=today):
                    problems.append(problem)
                elif not MIN_AGE <= dates.age_on(born, referred_on) <= MAX_AGE:
                    problems.append(
                        f"The young person was {dates.age_on(born, referred_on)} when referred "
                        f"(from their date of birth on row {person.row} of Young people). "
                        f"Your Choice is for ages {MIN_AGE} to {MAX_AGE}: check the dates."
                    )
        if not organisation:
            problems.append("Say who referred the young person (Referred by).")
        elif len(organisation) > 150:
            problems.append("Referred by is longer than 150 characters.")
        if not risk:
            problems.append("The risk level is missing: Medium or High.")
        if not harms:
            problems.append("Give at least one harm of concern.")
        coach_email = _text(v[i["coach_email"]]).lower()
        coach = coaches.get(coach_email) if coach_email else None
        if coach_email and coach is None:
            problems.append(
                f"{coach_email} is not a coach in a team of {authority.name}. Add them as a coach "
                "first, or check the email."
            )
        if coach is not None and closed_on is None and not coach[2]:
            problems.append(
                f"{coach_email} can no longer sign in, so an open case cannot be allocated to "
                "them. Give the coach who holds the case now."
            )
        if referred_on is not None:
            if allocated_on is not None:
                if coach_email == "":
                    problems.append("An allocation date needs the coach's email.")
                elif allocated_on < referred_on:
                    problems.append("The allocation date is before the referral date.")
                elif allocated_on > today:
                    problems.append("The allocation date cannot be in the future.")
            if closed_on is not None:
                if closed_on < referred_on:
                    problems.append("The closed date is before the referral date.")
                elif closed_on > today:
                    problems.append("The closed date cannot be in the future.")
                elif allocated_on is not None and closed_on < allocated_on:
                    problems.append("The closed date is before the allocation date.")
                if not ending:
                    problems.append("A closed case needs its ending reason.")
            elif ending:
                problems.append("An ending reason is given but no closed date.")
        if problems:
            for message in problems:
                sheet.problem(number, message)
            continue
        assert referred_on is not None and person is not None
        row = CaseRow(
            row=number,
            old_id=old_id,
            young_person=person_id,
            referred_on=referred_on,
            referrer_organisation=organisation,
            risk_level=risk,
            harms=list(dict.fromkeys(harms)),
            coach_id=coach[0] if coach else None,
            team_id=coach[1] if coach else None,
            allocated_on=(allocated_on or referred_on) if coach else None,
            closed_on=closed_on,
            ending_reason=ending,
        )
        found[old_id] = row
        plan.cases.append(row)
    return found


def _new_rows(
    sheet: _Rows, plan: Plan, earlier: dict[str, set[str]]
) -> Iterator[tuple[int, Sequence[Any], str]]:
    """The sheet's rows to check, with their numbers and old ids: each old id once (a repeated
    one is a problem on its later rows), and none an earlier file imported."""
    ok_ids = _old_ids(sheet)
    i = sheet.index
    for number, v in sheet.rows:
        old_id = _text(v[i["old_id"]])
        if ok_ids.get(old_id) == number and not _skip_earlier(sheet, plan, earlier, old_id):
            yield number, v, old_id


def _outside_case(day: date, what: str, case: Any, today: date) -> str | None:
    """Why `day` cannot be in the case's work: before its referral, in the future, or after it
    closed; None when it can."""
    if problem := dates.happened(
        day,
        what=what,
        not_before=case.referred_on,
        not_before_what="the case's referral",
        today=today,
    ):
        return problem
    if case.closed_on is not None and day > case.closed_on:
        return f"{what} is after the case was closed."
    return None


def _case_of(
    sheet: _Rows,
    number: int,
    v: Sequence[Any],
    cases: dict[str, Any],
    earlier: dict[str, set[str]],
) -> Any:
    """The row's case, from its "case" column, or None with the problem said on the row."""
    return _parent(
        sheet,
        number,
        _text(v[sheet.index["case"]]),
        cases,
        earlier.get(Sheet.CASES, set()),
        "case",
        "Cases",
    )


def _parent(
    sheet: _Rows,
    number: int,
    wanted: str,
    found: dict[str, Any],
    earlier: set[str],
    what: str,
    parent_sheet: str,
) -> Any:
    parent = found.get(wanted)
    if parent is not None:
        return parent
    if not wanted:
        sheet.problem(number, f"The {what}'s old id is missing.")
    elif wanted in earlier:
        sheet.problem(
            number,
            f"The {what} “{wanted}” was imported from an earlier file: add to it in the service, "
            "not in an import.",
        )
    else:
        sheet.problem(
            number,
            f"There is no {what} with the old id “{wanted}” on the {parent_sheet} sheet (or its "
            "row has a problem of its own).",
        )
    return None


def _sessions(
    sheet: _Rows,
    plan: Plan,
    earlier: dict[str, set[str]],
    cases: dict[str, CaseRow],
    coaches: dict[str, tuple[int, int, bool]],
    month_first: bool,
    today: date,
) -> dict[str, SessionRow]:
    found: dict[str, SessionRow] = {}
    i = sheet.index
    zone = timezone.get_current_timezone()
    for number, v, old_id in _new_rows(sheet, plan, earlier):
        case = _case_of(sheet, number, v, cases, earlier)
        try:
            day = _date(v[i["date"]], "The date", month_first=month_first)
            at = _time(v[i["time"]]) or DEFAULT_TIME
            attendance = _choice(v[i["attendance"]], ATTENDANCE, "attendance")
            minutes = _whole(
                v[i["duration_minutes"]], "Minutes", MIN_DURATION_MINUTES, MAX_DURATION_MINUTES
            )
            place = _choice(v[i["place"]], PLACES, "where")
            start = _whole(v[i["feeling_start"]], "Feeling at start", MIN_FEELING, MAX_FEELING)
            end = _whole(v[i["feeling_end"]], "Feeling at end", MIN_FEELING, MAX_FEELING)
        except Bad as bad:
            sheet.problem(number, str(bad))
            continue
        if case is None:
            continue
        problems: list[str] = []
        if day is None:
            problems.append("The date is missing.")
        if not attendance:
            problems.append("Say whether the session happened (Attendance).")
        if attendance == Attendance.ATTENDED:
            if minutes is None:
                problems.append("An attended session needs how long it lasted (Minutes).")
            if not place:
                problems.append("An attended session needs where it took place (Where).")
        elif attendance and (minutes is not None or place or start is not None or end is not None):
            problems.append(
                "A session that did not happen has no length, place or feelings: leave those empty."
            )
        coach_email = _text(v[i["coach_email"]]).lower()
        coach_id: int | None = case.coach_id
        if coach_email:
            coach = coaches.get(coach_email)
            if coach is None:
                problems.append(f"{coach_email} is not a coach in a team of this authority.")
            else:
                coach_id = coach[0]
        elif coach_id is None:
            problems.append(
                "Give the coach who held the session (Coach email): the case has no coach."
            )
        occurred_at: datetime | None = None
        if day is not None:
            occurred_at = timezone.make_aware(datetime.combine(day, at), zone)
            problem = session_moment_problem(occurred_at, referred_on=case.referred_on)
            if problem:
                problems.append(
                    problem.replace(
                        "the referral", f"the case's referral ({dates.long_form(case.referred_on)})"
                    )
                )
            elif case.closed_on is not None and day > case.closed_on:
                problems.append(
                    f"The date is after the case was closed ({dates.long_form(case.closed_on)})."
                )
            if case.allocated_on is not None and day < case.allocated_on:
                problems.append("The date is before the case was allocated to its coach.")
        if problems:
            for message in problems:
                sheet.problem(number, message)
            continue
        assert occurred_at is not None and coach_id is not None and day is not None
        row = SessionRow(
            number,
            old_id,
            case.old_id,
            occurred_at,
            coach_id,
            attendance,
            minutes,
            place,
            start,
            end,
            _text(v[i["notes"]]),
            day,
        )
        found[old_id] = row
        plan.sessions.append(row)
    return found


def _goals(
    sheet: _Rows,
    plan: Plan,
    earlier: dict[str, set[str]],
    cases: dict[str, CaseRow],
    month_first: bool,
    today: date,
) -> dict[str, GoalRow]:
    found: dict[str, GoalRow] = {}
    live: dict[str, list[GoalRow]] = defaultdict(list)
    i = sheet.index
    for number, v, old_id in _new_rows(sheet, plan, earlier):
        case = _case_of(sheet, number, v, cases, earlier)
        try:
            agreed = _date(v[i["agreed_on"]], "The date agreed", month_first=month_first)
            status = _choice(v[i["status"]], GOAL_STATUSES, "a goal's status", GoalStatus.LIVE)
            ended = _date(v[i["ended_on"]], "The date ended", month_first=month_first)
        except Bad as bad:
            sheet.problem(number, str(bad))
            continue
        if case is None:
            continue
        problems: list[str] = []
        description = _text(v[i["description"]])
        if not description:
            problems.append("Write the goal in the young person's own words.")
        if agreed is None:
            problems.append("The date agreed is missing.")
        elif problem := _outside_case(agreed, "The date agreed", case, today):
            problems.append(problem)
        if status == GoalStatus.LIVE:
            if ended is not None:
                problems.append("A goal still being worked on has no date ended.")
            if case.closed_on is not None:
                problems.append(
                    "The case is closed, so the goal cannot still be worked on: say whether it "
                    "was Achieved or Dropped, and when."
                )
        elif ended is None:
            problems.append("An achieved or dropped goal needs the date it ended.")
        elif agreed is not None and ended < agreed:
            problems.append("The date ended is before the date agreed.")
        elif ended > today:
            problems.append("The date ended cannot be in the future.")
        if problems:
            for message in problems:
                sheet.problem(number, message)
            continue
        assert agreed is not None
        row = GoalRow(number, old_id, case.old_id, description, agreed, status, ended)
        if status == GoalStatus.LIVE:
            held = live[case.old_id]
            if len(held) >= MAX_LIVE_GOALS:
                sheet.problem(
                    number,
                    f"Case “{case.old_id}” already has {MAX_LIVE_GOALS} goals being worked on "
                    f"(rows {', '.join(str(g.row) for g in held)}): mark the others Achieved or "
                    "Dropped, with the date they ended.",
                )
                continue
            held.append(row)
            row.slot = len(held)
        found[old_id] = row
        plan.goals.append(row)
    return found


def _ratings(
    sheet: _Rows,
    plan: Plan,
    earlier: dict[str, set[str]],
    goals: dict[str, GoalRow],
    sessions: dict[str, SessionRow],
    month_first: bool,
    today: date,
) -> None:
    i = sheet.index
    rated_at: set[tuple[str, str]] = set()
    for number, v, old_id in _new_rows(sheet, plan, earlier):
        goal = _parent(
            sheet,
            number,
            _text(v[i["goal"]]),
            goals,
            earlier.get(Sheet.GOALS, set()),
            "goal",
            "Goals",
        )
        try:
            rated_on = _date(v[i["rated_on"]], "The date", month_first=month_first)
            score = _whole(v[i["score"]], "The rating", MIN_RATING, MAX_RATING)
        except Bad as bad:
            sheet.problem(number, str(bad))
            continue
        if goal is None:
            continue
        problems: list[str] = []
        if score is None:
            problems.append(f"The rating is missing: {MIN_RATING} to {MAX_RATING}.")
        if rated_on is None:
            problems.append("The date is missing.")
        elif problem := dates.happened(
            rated_on,
            what="The date",
            not_before=goal.agreed_on,
            not_before_what="the day the goal was agreed",
            today=today,
        ):
            problems.append(problem)
        elif goal.ended_on is not None and rated_on > goal.ended_on:
            problems.append("The date is after the goal ended.")
        session_id = _text(v[i["session"]]) or None
        if session_id is not None:
            session = sessions.get(session_id)
            if session is None:
                problems.append(
                    f"There is no session with the old id “{session_id}” on the Sessions sheet "
                    "(or its row has a problem of its own)."
                )
            elif session.case != goal.case:
                problems.append("The session is of another case than the goal.")
            elif session.attendance != Attendance.ATTENDED:
                problems.append("Goals are rated only at sessions that happened.")
            elif rated_on is not None and session.day != rated_on:
                problems.append("The date is not the date of the session.")
            elif (goal.old_id, session_id) in rated_at:
                problems.append("The goal is rated twice at the same session.")
        if problems:
            for message in problems:
                sheet.problem(number, message)
            continue
        assert rated_on is not None and score is not None
        if session_id is not None:
            rated_at.add((goal.old_id, session_id))
        plan.ratings.append(RatingRow(number, old_id, goal.old_id, rated_on, score, session_id))


def _sdqs(
    sheet: _Rows,
    plan: Plan,
    earlier: dict[str, set[str]],
    cases: dict[str, CaseRow],
    month_first: bool,
    today: date,
) -> None:
    i = sheet.index
    once: dict[tuple[str, str], int] = {}
    for number, v, old_id in _new_rows(sheet, plan, earlier):
        case = _case_of(sheet, number, v, cases, earlier)
        try:
            occasion = _choice(v[i["occasion"]], OCCASIONS, "the occasion")
            completed = _date(v[i["completed_on"]], "The date completed", month_first=month_first)
            values = {
                scale: _whole(v[i[scale]], sdq.SCALE_LABELS[scale], 0, 10) for scale in sdq.SCALES
            }
            scores = sdq.score_scales(**values)
        except (Bad, ValueError) as bad:
            sheet.problem(number, str(bad))
            continue
        if case is None:
            continue
        problems: list[str] = []
        if not occasion:
            problems.append("The occasion is missing: Baseline, Review or End.")
        if completed is None:
            problems.append("The date completed is missing.")
        elif problem := _outside_case(completed, "The date completed", case, today):
            problems.append(problem)
        if all(value is None for value in values.values()):
            problems.append("Give the SDQ's scale scores.")
        if occasion in (Occasion.BASELINE, Occasion.END):
            key = (case.old_id, occasion)
            if key in once:
                problems.append(
                    f"Case “{case.old_id}” already has a {Occasion(occasion).label.lower()} SDQ "
                    f"(row {once[key]}): a case has one baseline and one end."
                )
            else:
                once[key] = number
        if problems:
            for message in problems:
                sheet.problem(number, message)
            continue
        assert completed is not None
        plan.sdqs.append(
            SdqRow(
                number,
                old_id,
                case.old_id,
                occasion,
                completed,
                scores.as_dict(),
                scores.total_difficulties,
            )
        )


def _settle_cases(
    plan: Plan, cases: dict[str, CaseRow], sessions: dict[str, SessionRow], authority: Authority
) -> None:
    """Each case's status and first session, and which of each young person's cases is
    current: the open one, otherwise the latest (docs/access.md). One open case at a time."""
    first_attended: dict[str, date] = {}
    for s in sessions.values():
        if s.attendance == Attendance.ATTENDED:
            day = s.day
            if s.case not in first_attended or day < first_attended[s.case]:
                first_attended[s.case] = day
    for case in cases.values():
        case.started_on = first_attended.get(case.old_id)
        if case.closed_on is not None:
            case.status = EpisodeStatus.CLOSED
        elif case.coach_id is not None:
            case.status = EpisodeStatus.ACTIVE if case.started_on else EpisodeStatus.ALLOCATED
        else:
            case.status = EpisodeStatus.REFERRED
    by_person: dict[str, list[CaseRow]] = defaultdict(list)
    for case in cases.values():
        by_person[case.young_person].append(case)
    people = {row.old_id: row for row in plan.young_people}
    existing_ids = {row.existing_id for row in people.values() if row.existing_id}
    existing_open: set[int] = set()
    existing_latest: dict[int, date] = {}
    if existing_ids:
        for yp_id, status, referred_on, current in Episode.objects.filter(
            young_person_id__in=existing_ids
        ).values_list("young_person_id", "status", "referred_on", "is_current"):
            if status in (EpisodeStatus.REFERRED, EpisodeStatus.ALLOCATED, EpisodeStatus.ACTIVE):
                existing_open.add(yp_id)
            if current:
                existing_latest[yp_id] = referred_on
    cases_sheet = BY_SHEET[Sheet.CASES].title
    for person_id, held in by_person.items():
        person = people[person_id]
        open_cases = [c for c in held if c.status != EpisodeStatus.CLOSED]
        if len(open_cases) > 1:
            for extra in open_cases[1:]:
                plan.problems.append(
                    Problem(
                        cases_sheet,
                        extra.row,
                        f"Young person “{person_id}” has another open case (row "
                        f"{open_cases[0].row}): only one case can be open at a time. Give the "
                        "earlier one its closed date.",
                    )
                )
            continue
        if person.existing_id in existing_open and open_cases:
            plan.problems.append(
                Problem(
                    cases_sheet,
                    open_cases[0].row,
                    "The young person already recorded has an open case here, so this case "
                    "must have its closed date.",
                )
            )
            continue
        latest = max(held, key=lambda c: (c.referred_on, c.row))
        if open_cases and open_cases[0] is not latest:
            plan.problems.append(
                Problem(
                    cases_sheet,
                    open_cases[0].row,
                    f"This open case is not young person “{person_id}”'s latest (row "
                    f"{latest.row} was referred later): only the latest can be open.",
                )
            )
            continue
        if person.existing_id is None:
            latest.is_current = True
        elif person.existing_id not in existing_open and (
            person.existing_id not in existing_latest
            or latest.referred_on >= existing_latest[person.existing_id]
        ):
            latest.is_current = True
            plan.superseded_current.add(person.existing_id)
    # A young person needs a case: the service never holds one without.
    people_sheet = BY_SHEET[Sheet.YOUNG_PEOPLE].title
    for row in plan.young_people:
        if row.existing_id is None and row.old_id not in by_person:
            plan.problems.append(
                Problem(people_sheet, row.row, "This young person has no case on the Cases sheet.")
            )


def session_key(authority: Authority, old_id: str) -> uuid.UUID:
    return uuid.uuid5(SESSION_KEYS, f"{authority.pk}:{old_id}")


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))
