"""Every cell of a report, worked out a second time from the raw tables.

The report computes its figures in SQL (outcomes/reports/indicators.py). This test seeds a
programme with the scale demo data (devtools/demo_scale.py: re-referrals, young people who never
engage, goals that rise, stall and fall, gaps in the SDQ), adds the cases the programme does
not expect, and recomputes every figure with a second, deliberately plain implementation:
Python over rows fetched with simple queries, following the definitions in docs/measures.md
and docs/disclosure.md, not the report's SQL. It compares every cell before disclosure control,
then every published cell of the files the service writes, with its own rounding.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts import access
from accounts.models import Authority, Membership, User
from cases import services as case_services
from cases.models import (
    CLOSURE_REASONS,
    EndingReason,
    Episode,
    Gender,
    LookedAfter,
    Referral,
    SpecialNeeds,
    YoungPerson,
)
from devtools import demo, demo_scale
from outcomes import summary
from outcomes.models import Goal, GoalRating, MeasureResponse
from outcomes.reports import services
from outcomes.reports.indicators import Scope, compute, compute_each
from sessions.models import SessionLog
from supervision.models import SupervisionAttendee
from tests.conftest import Place, load_reference_data, logged_session, referral

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)
LONDON_TZ = ZoneInfo("Europe/London")
THRESHOLD = 10
MEANINGFUL = 3

# --- The definitions, written out again ---------------------------------------------------------

AGE_BANDS = [("11 to 12", 11, 12), ("13 to 14", 13, 14), ("15 to 17", 15, 17)]
ETHNICITY_GROUPS = {
    "asian": "Asian or Asian British",
    "black": "Black, Black British, Caribbean or African",
    "mixed": "Mixed or multiple ethnic groups",
    "white": "White",
    "other": "Other ethnic group",
    "notknown": "Not known",
}
WEEKS = ["No attended session", "Under 12 weeks", "12 to 18 weeks", "Over 18 weeks"]
SDQ_TOTAL_BAND_TOPS = [14, 17, 19, 40]  # close to average, slightly raised, high, very high


def age_at(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: date, on: date) -> str:
    age = age_at(born, on)
    if age < 11:
        return "Under 11"
    if age > 17:
        return "18 or over"
    return next(name for name, low, high in AGE_BANDS if low <= age <= high)


def named(code: str, choices: dict[str, str]) -> str:
    return "Not recorded" if code == "" else choices.get(code, code)


def weeks_of_work(started: date | None, closed: date) -> str:
    if started is None:
        return WEEKS[0]
    days = (closed - started).days + 1
    return WEEKS[1] if days < 84 else WEEKS[2] if days <= 126 else WEEKS[3]


def sdq_band(total: int) -> int:
    return next(i for i, top in enumerate(SDQ_TOTAL_BAND_TOPS) if total <= top)


def local_day(moment: Any) -> date:
    return moment.astimezone(LONDON_TZ).date()


def share(part: int, whole: int) -> Fraction | None:
    return Fraction(100 * part, whole) if whole else None


def mean(total: int, n: int) -> Fraction | None:
    return Fraction(total, n) if n else None


def middle(values: list[int]) -> Fraction | None:
    return Fraction(statistics.median(values)) if values else None


def half_away(value: Fraction, places: int) -> Decimal:
    """Half away from zero, on the exact fraction: add a half to the magnitude and cut."""
    scaled = abs(value) * 10**places
    whole = int(scaled + Fraction(1, 2))  # floor for a non-negative number
    return (Decimal(whole if value >= 0 else -whole) / 10**places).quantize(
        Decimal(1).scaleb(-places)
    )


@dataclass
class Cell:
    value: Fraction | int | None
    base: int | None
    count: bool  # a count of young people or episodes (suppressed 1 to 9), else a statistic
    places: int = 0
    numerator: int | None = None  # a percentage's count of episodes or goals (1 to 9: hidden)


# --- The raw rows -------------------------------------------------------------------------------


@dataclass
class Raw:
    episodes: list[dict[str, Any]]
    eligible: dict[int, bool]
    people: dict[int, dict[str, Any]]
    sessions: dict[int, list[dict[str, Any]]]  # by episode
    ratings: dict[int, list[dict[str, Any]]]  # by goal: the coach's ratings
    goals: dict[int, list[int]]  # goal ids by episode
    measures: dict[int, list[dict[str, Any]]]  # by episode
    coaches: set[int]
    attendances: list[date]


def fetch(authority_ids: list[int]) -> Raw:
    episodes = list(
        Episode.objects.filter(authority_id__in=authority_ids).values(
            "id", "young_person_id", "status", "referred_on", "started_on", "closed_on",
            "ending_reason",
        )
    )  # fmt: skip
    ids = [e["id"] for e in episodes]
    sessions: dict[int, list[Any]] = defaultdict(list)
    for s in SessionLog.objects.filter(episode_id__in=ids).values(
        "episode_id", "occurred_at", "created_at", "attendance"
    ):
        sessions[s["episode_id"]].append(s)
    goals: dict[int, list[int]] = defaultdict(list)
    for g in Goal.objects.filter(episode_id__in=ids).values("id", "episode_id"):
        goals[g["episode_id"]].append(g["id"])
    ratings: dict[int, list[Any]] = defaultdict(list)
    for r in GoalRating.objects.filter(goal__episode_id__in=ids, rater="coach").values(
        "goal_id", "id", "score", "rated_on"
    ):
        ratings[r["goal_id"]].append(r)
    measures: dict[int, list[Any]] = defaultdict(list)
    for m in MeasureResponse.objects.filter(episode_id__in=ids).values(
        "episode_id", "occasion", "total_score", "definition__code"
    ):
        measures[m["episode_id"]].append(m)
    return Raw(
        episodes=episodes,
        eligible=dict(
            Referral.objects.filter(episode_id__in=ids).values_list("episode_id", "eligible")
        ),
        people={
            p["id"]: p
            for p in YoungPerson.objects.filter(
                id__in={e["young_person_id"] for e in episodes}
            ).values("id", "date_of_birth", "gender", "ethnicity", "special_needs", "looked_after")
        },
        sessions=sessions,
        ratings=ratings,
        goals=goals,
        measures=measures,
        coaches=set(
            Membership.objects.filter(
                role=access.CASELOAD_ROLE, team__authority_id__in=authority_ids
            ).values_list("user_id", flat=True)
        ),
        attendances=list(
            SupervisionAttendee.objects.filter(
                record__team__authority_id__in=authority_ids
            ).values_list("record__held_on", flat=True)
        ),
    )


# --- The figures, recomputed --------------------------------------------------------------------

COHORTS = [
    ("Referrals received (episodes)", "Young people referred"),
    ("Eligible referrals (episodes)", "Young people with an eligible referral"),
    ("Episodes started", "Young people who started"),
    ("Episodes active at period end", "Young people active at period end"),
    ("Episodes closed", "Young people with an episode closed"),
]


def recompute(raw: Raw, start: date, end: date) -> dict[tuple[str, str], Cell]:
    cells: dict[tuple[str, str], Cell] = {}

    def during(day: date | None) -> bool:
        return day is not None and start <= day <= end

    def in_cohort(e: dict[str, Any], cohort: int) -> bool:
        return [
            during(e["referred_on"]),
            during(e["referred_on"]) and raw.eligible.get(e["id"]) is True,
            during(e["started_on"]),
            e["started_on"] is not None
            and e["started_on"] <= end
            and (e["closed_on"] is None or e["closed_on"] > end)
            and e["status"] != "not_taken_on",
            e["status"] == "closed" and during(e["closed_on"]),
        ][cohort]

    def person(e: dict[str, Any]) -> dict[str, Any]:
        return raw.people[e["young_person_id"]]

    characteristics: dict[str, Any] = {
        "Age at referral": (
            [name for name, _, _ in AGE_BANDS],
            lambda e: age_band(person(e)["date_of_birth"], e["referred_on"]),
        ),
        "Gender": (
            [label for _, label in Gender.choices],
            lambda e: named(person(e)["gender"], dict(Gender.choices)),
        ),
        "Ethnicity group": (
            list(ETHNICITY_GROUPS.values()),
            lambda e: named(person(e)["ethnicity"].split("_")[0], ETHNICITY_GROUPS),
        ),
        "Special educational needs": (
            [label for _, label in SpecialNeeds.choices],
            lambda e: named(person(e)["special_needs"], dict(SpecialNeeds.choices)),
        ),
        "Looked-after status": (
            [label for _, label in LookedAfter.choices],
            lambda e: named(person(e)["looked_after"], dict(LookedAfter.choices)),
        ),
    }
    closed_only: dict[str, Any] = {
        "Ending reason": (
            [label for _, label in CLOSURE_REASONS],
            lambda e: named(e["ending_reason"], dict(EndingReason.choices)),
        ),
        "Weeks of work": (WEEKS, lambda e: weeks_of_work(e["started_on"], e["closed_on"])),
    }
    members = [[e for e in raw.episodes if in_cohort(e, i)] for i in range(len(COHORTS))]
    for i, (episodes_name, people_name) in enumerate(COHORTS):
        n = len(members[i])
        cells[(episodes_name, "All")] = Cell(n, n, True)
        people = len({e["young_person_id"] for e in members[i]})
        cells[(people_name, "All")] = Cell(people, people, True)
        dimensions = {**characteristics, **(closed_only if i == 4 else {})}
        for label, (expected, of) in dimensions.items():
            # Unexpected categories: any found in a cohort with this breakdown, in every one.
            with_it = [4] if label in closed_only else range(len(COHORTS))
            found = {of(e) for j in with_it for e in members[j]} - set(expected)
            for category in expected + sorted(found):
                count = sum(1 for e in members[i] if of(e) == category)
                cells[(episodes_name, f"{label}: {category}")] = Cell(count, count, True)

    # Sessions in the period.
    in_period = [
        (e, s)
        for e in raw.episodes
        for s in raw.sessions[e["id"]]
        if during(local_day(s["occurred_at"]))
    ]
    had = len({e["young_person_id"] for e, _ in in_period})
    by_attendance: dict[str, int] = defaultdict(int)
    for _, s in in_period:
        by_attendance[s["attendance"]] += 1
    for name, code in [
        ("Sessions attended", "attended"),
        ("Sessions not attended", "did_not_attend"),
        ("Sessions cancelled by the young person", "cancelled_young_person"),
        ("Sessions cancelled by the coach", "cancelled_coach"),
    ]:
        cells[(name, "All")] = Cell(by_attendance[code], had, False)
    offered = sum(
        by_attendance[c] for c in ("attended", "did_not_attend", "cancelled_young_person")
    )
    cells[("Attendance rate", "All")] = Cell(
        share(by_attendance["attended"], offered), had, False, 1
    )
    on_time = sum(
        1 for _, s in in_period if s["created_at"] - s["occurred_at"] <= timedelta(days=7)
    )
    cells[("Sessions logged within 7 days", "All")] = Cell(
        share(on_time, len(in_period)), had, False, 1
    )
    started = [e for e in raw.episodes if during(e["started_on"])]
    cells[("Median days from referral to first session (episodes started)", "All")] = Cell(
        middle([(e["started_on"] - e["referred_on"]).days for e in started]),
        len({e["young_person_id"] for e in started}),
        False,
        1,
    )

    # Dose over the period: every episode active in it.
    worked = [
        e
        for e in raw.episodes
        if e["started_on"] is not None
        and e["started_on"] <= end
        and (e["closed_on"] is None or e["closed_on"] >= start)
        and e["status"] != "not_taken_on"
    ]
    days = attended = 0
    for e in worked:
        first, last = max(e["started_on"], start), min(e["closed_on"] or end, end)
        days += (last - first).days + 1
        attended += sum(
            1
            for s in raw.sessions[e["id"]]
            if s["attendance"] == "attended" and first <= local_day(s["occurred_at"]) <= last
        )
    cells[("Dose: sessions a week", "All")] = Cell(
        Fraction(7 * attended, days) if days else None,
        len({e["young_person_id"] for e in worked}),
        False,
        2,
    )

    # Dose at closure: closed episodes that started, over their whole work.
    finished = [e for e in members[4] if e["started_on"] is not None]
    base = len({e["young_person_id"] for e in finished})
    weekly = long_enough = met = 0
    sessions_each = []
    for e in finished:
        n = sum(1 for s in raw.sessions[e["id"]] if s["attendance"] == "attended")
        sessions_each.append(n)
        length = (e["closed_on"] - e["started_on"]).days + 1
        three = 7 * n >= 3 * length
        weekly += three
        long_enough += length >= 84
        met += three and length >= 84
    cells[("Median attended sessions (closed episodes that started)", "All")] = Cell(
        middle(sessions_each), base, False, 1
    )
    for name, part in [
        ("Closed episodes averaging 3 sessions a week", weekly),
        ("Closed episodes reaching 12 weeks of work", long_enough),
        ("Closed episodes meeting the dose target", met),
    ]:
        cells[(name, "All")] = Cell(share(part, len(finished)), base, False, 1, part)

    # Goals of the episodes worked on in the period, the coach's ratings up to its end.
    changes: list[tuple[dict[str, Any], int]] = []
    for e in worked:
        for goal in raw.goals[e["id"]]:
            rated = sorted(
                (r for r in raw.ratings[goal] if r["rated_on"] <= end),
                key=lambda r: (r["rated_on"], r["id"]),
            )
            if len(rated) >= 2:
                changes.append((e, rated[-1]["score"] - rated[0]["score"]))
    best: dict[int, int] = {}
    for e, change in changes:
        best[e["id"]] = max(best.get(e["id"], change), change)
    goal_people = len({e["young_person_id"] for e, _ in changes})
    n_goals = len(changes)
    cells[("Episodes with a goal rated twice", "All")] = Cell(len(best), len(best), True)
    cells[("Goals rated twice", "All")] = Cell(n_goals, goal_people, False)
    cells[("Mean goal change (goals)", "All")] = Cell(
        mean(sum(c for _, c in changes), n_goals), goal_people, False, 2
    )
    rose = sum(1 for _, c in changes if c >= MEANINGFUL)
    fell = sum(1 for _, c in changes if c <= -MEANINGFUL)
    better = sum(1 for b in best.values() if b >= MEANINGFUL)
    cells[("Goals improved by 3 points or more", "All")] = Cell(
        share(rose, n_goals), goal_people, False, 1, rose
    )
    cells[("Goals fallen by 3 points or more", "All")] = Cell(
        share(fell, n_goals), goal_people, False, 1, fell
    )
    cells[("Episodes with a goal improved by 3 points or more", "All")] = Cell(
        share(better, len(best)), goal_people, False, 1, better
    )

    # SDQ for episodes closed in the period with a baseline and an end total.
    pairs = []
    for e in members[4]:
        totals = {
            m["occasion"]: m["total_score"]
            for m in raw.measures[e["id"]]
            if m["definition__code"] == "sdq-self-report" and m["total_score"] is not None
        }
        if "baseline" in totals and "end" in totals:
            pairs.append((e, totals["baseline"], totals["end"]))
    n, sdq_people = len(pairs), len({e["young_person_id"] for e, _, _ in pairs})
    cells[("Closed episodes with a baseline and end SDQ", "All")] = Cell(n, n, True)
    cells[("Mean total difficulties at baseline", "All")] = Cell(
        mean(sum(b for _, b, _ in pairs), n), sdq_people, False, 1
    )
    cells[("Mean total difficulties at end", "All")] = Cell(
        mean(sum(x for _, _, x in pairs), n), sdq_people, False, 1
    )
    cells[("Mean change in total difficulties", "All")] = Cell(
        mean(sum(x - b for _, b, x in pairs), n), sdq_people, False, 1
    )
    lower = sum(1 for _, b, x in pairs if sdq_band(x) < sdq_band(b))
    cells[("Closed episodes with a lower SDQ band at the end", "All")] = Cell(
        share(lower, n), sdq_people, False, 1, lower
    )

    # Completeness.
    with_end = sum(
        1 for e in members[4] if any(m["occasion"] == "end" for m in raw.measures[e["id"]])
    )
    cells[("Closed episodes with an end SDQ", "All")] = Cell(
        share(with_end, len(members[4])),
        len({e["young_person_id"] for e in members[4]}),
        False,
        1,
        with_end,
    )
    with_baseline = sum(
        1 for e in started if any(m["occasion"] == "baseline" for m in raw.measures[e["id"]])
    )
    cells[("Episodes started with a baseline SDQ", "All")] = Cell(
        share(with_baseline, len(started)),
        len({e["young_person_id"] for e in started}),
        False,
        1,
        with_baseline,
    )

    # Staff.
    held = sum(1 for day in raw.attendances if during(day))
    cells[("Supervision sessions per coach", "All")] = Cell(
        mean(held, len(raw.coaches)), None, False, 2
    )
    return cells


# --- The seeded programme -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def programme(django_db_setup, django_db_blocker) -> Iterator[dict[str, Any]]:
    """The scale demo data for a small programme, plus referrals the programme does not expect,
    kept for the module's tests and rolled back after them."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            if not Authority.objects.exists():  # flushed by an earlier test that committed
                load_reference_data()
            demo_scale.seed(scale=1, seed=5, today=TODAY, young_people=400)
            hackney = Authority.objects.get(gss_code=demo_scale.ANCHOR_AUTHORITY)
            yield {
                "hackney": hackney,
                "programme_lead": User.objects.get(email=demo.demo_email("programme")),
            }
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def unexpected(programme) -> None:
    """A ten-year-old's referral, and a young person whose looked-after status and ethnicity
    were never recorded, seen once: categories the programme's lists do not have."""
    hackney = programme["hackney"]
    lead = Membership.objects.filter(role="borough_lead", authority=hackney).first()
    coach = Membership.objects.filter(role=access.CASELOAD_ROLE, team__authority=hackney).first()
    assert lead is not None and coach is not None and coach.team is not None
    place = Place(hackney, coach.team, coach.user, coach.user, lead.user, lead.user)
    day = TODAY - timedelta(days=40)
    referral(place, given="Ten", age=10, received_on=day)
    episode = referral(place, given="Unrecorded", age=13, received_on=day)
    YoungPerson.objects.filter(pk=episode.young_person_id).update(looked_after="", ethnicity="")
    episode = case_services.episode_allocate(
        actor=lead.user, episode=episode, coach=coach.user, team=coach.team
    )
    logged_session(
        episode,
        coach=coach.user,
        occurred_at=timezone.make_aware(datetime.combine(day + timedelta(days=3), time(12))),
    )
    # An attended session dated after its case closed, as a hand-made repair could leave: the
    # dose in a period counts only the case's active days, so the report must read its days.
    late = (
        SessionLog.objects.filter(
            attendance="attended",
            episode__status="closed",
            episode__closed_on__gte=date(2026, 1, 1),
            episode__closed_on__lte=date(2026, 10, 1),
        )
        .select_related("episode")
        .order_by("pk")
        .first()
    )
    assert late is not None
    closed_on = late.episode.closed_on
    assert closed_on is not None
    SessionLog.objects.filter(pk=late.pk).update(
        occurred_at=timezone.make_aware(datetime.combine(closed_on + timedelta(days=3), time(12)))
    )
    summary.rebuild()  # the update went round the services, which keep the summary


def scopes(programme: dict[str, Any]) -> dict[str, tuple[Authority | None, date, date]]:
    small = (
        Authority.objects.filter(active=True)
        .exclude(pk=programme["hackney"].pk)
        .annotate(n=Count("episodes"))
        .order_by("n", "gss_code")
        .first()
    )
    return {
        # A year of London, a month of the busiest authority, a quarter of the quietest.
        "london-year": (None, date(2025, 12, 1), TODAY),
        "hackney-month": (programme["hackney"], date(2026, 11, 1), TODAY),
        "quiet-quarter": (small, date(2026, 9, 1), TODAY),
        # From and to dates: whole months with days either side, and days within one month
        # (the report reads the days at a period's edges from the sessions themselves).
        "london-dates": (None, date(2025, 12, 15), date(2026, 10, 20)),
        "hackney-days": (programme["hackney"], date(2026, 10, 3), date(2026, 10, 27)),
    }


SCOPES = ["london-year", "hackney-month", "quiet-quarter", "london-dates", "hackney-days"]


def authority_ids(authority: Authority | None) -> list[int]:
    if authority is not None:
        return [authority.pk]
    return list(Authority.objects.filter(active=True).values_list("pk", flat=True))


@pytest.mark.parametrize("name", SCOPES)
def test_every_figure_matches_a_second_simple_count(programme, unexpected, name):
    authority, start, end = scopes(programme)[name]
    ids = authority_ids(authority)
    expected = recompute(fetch(ids), start, end)
    report = {(f.indicator, f.breakdown): f for f in compute(Scope(ids, start, end))}
    assert sorted(report) == sorted(expected)
    wrong = [
        (key, report[key].value, report[key].base, cell.value, cell.base)
        for key, cell in expected.items()
        if report[key].value != cell.value
        or report[key].base != cell.base
        or report[key].places != cell.places
    ]
    assert wrong == []
    if name == "london-year":
        # The data hold what the definitions are about, so the comparison tests them.
        received = "Referrals received (episodes)"

        def count(indicator: str, breakdown: str = "All") -> int:
            return int(expected[(indicator, breakdown)].value or 0)

        assert count(received) > count("Young people referred")
        assert count(received, "Age at referral: 18 or over") > 0
        assert count(received, "Age at referral: Under 11") == 1
        assert count(received, "Looked-after status: Not recorded") == 1
        assert count("Episodes closed", "Weeks of work: No attended session") > 0
        assert 0 in [c.value for c in expected.values()]


@pytest.mark.parametrize("name", ["london-year", "london-dates", "hackney-days"])
def test_each_boroughs_figures_grouped_with_londons_are_its_own_report(programme, unexpected, name):
    # London's check reads every borough's figures from London's own queries, grouped by
    # authority too: each must be exactly the borough's own report, empty boroughs included
    # (a few days in October leave some boroughs with nothing to count).
    _, start, end = scopes(programme)[name]
    ids = authority_ids(None)
    each = compute_each(Scope(ids, start, end, apart=True))
    assert sorted(each, key=str) == sorted([None, *ids], key=str)
    assert each[None] == compute(Scope(ids, start, end))
    for pk in ids:
        assert each[pk] == compute(Scope([pk], start, end)), pk
    quiet = [pk for pk in ids if not any(f.value for f in each[pk] if f.kind == "count")]
    busy = [pk for pk in ids if pk not in quiet]
    assert len(busy) > 1
    assert quiet or name != "hackney-days"


@pytest.mark.parametrize("name", SCOPES)
def test_every_published_cell_matches_the_rules_applied_again(
    programme, unexpected, name, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    authority, start, end = scopes(programme)[name]
    expected = recompute(fetch(authority_ids(authority)), start, end)
    made, _ = services.report_request(
        actor=programme["programme_lead"], authority=authority, start=start, end=end
    )
    made = services.report_generate(made.pk)
    assert made.suppression_threshold == THRESHOLD
    csv_file = made.files.get(format="csv").file.name
    assert csv_file is not None
    text = (Path(settings.MEDIA_ROOT) / csv_file).read_text(encoding="utf-8-sig")
    rows = list(
        csv.DictReader(
            io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("# ")))
        )
    )
    published = {(r["indicator"], r["breakdown"]): r for r in rows}
    assert len(published) == len(rows) == len(expected)

    def primary(cell: Cell) -> bool:
        if cell.count:
            return 0 < int(cell.value or 0) < THRESHOLD
        small_part = cell.numerator is not None and 0 < cell.numerator < THRESHOLD
        return (cell.base is not None and cell.base < THRESHOLD) or small_part

    hidden = {key for key, r in published.items() if r["value"] == "c"}
    # The disclosure check hides more, counts or percentages, and lists what it hid.
    checked = {tuple(cell) for cell in made.disclosure_check["cells"]}
    for key, cell in expected.items():
        shown = published[key]["value"]
        if primary(cell):
            assert shown == "c", key
        elif key in hidden:
            assert cell.count or key in checked, key  # hidden only to protect others
        elif cell.value is None:
            assert shown == "", key
        else:
            assert Decimal(shown) == half_away(Fraction(cell.value), cell.places), (key, shown)
    assert made.cells_suppressed == len(hidden)
    # Secondary suppression: no table with a published total has exactly one hidden cell.
    for indicator, _ in COHORTS[:1] + COHORTS:
        if (indicator, "All") in hidden:
            continue
        tables: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key in published:
            if key[0] == indicator and key[1] != "All":
                tables[key[1].split(": ")[0]].append(key)
        for keys in tables.values():
            assert sum(1 for key in keys if key in hidden) != 1, keys
    if name == "quiet-quarter":
        assert hidden  # small numbers: the rules had something to do
