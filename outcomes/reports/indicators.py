"""Outcome indicators, each defined once in plain English next to the SQL that computes it.

Everything is aggregated in PostgreSQL (FILTER, GROUPING SETS, window functions,
percentile_cont), so memory stays flat however much data there is. Every figure says what it
counts: episodes (a young person referred twice has two), young people (each counted once),
sessions or goals, in its name, its definition and its unit. Its base is the number of young
people it rests on, which disclosure control uses (docs/disclosure.md). The figures are listed,
with their definitions, in docs/measures.md ("Outcome report figures").

Values are exact (whole numbers, fractions of whole numbers, PostgreSQL numerics): rounding
happens once, when a figure is published (outcomes/reports/rounding.py).

Scope: the episodes of one authority, or of every authority for London. Period: start to end
inclusive, in Europe/London dates. The same queries give, grouped by authority as well, each
authority's figures beside London's (`compute_each`): what London's disclosure check needs to
know of the reports its boroughs would have, from the same snapshot and one read of the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db import connections, transaction

from accounts import access
from cases.models import CLOSURE_REASONS, EndingReason, Ethnicity, Gender, LookedAfter, SpecialNeeds
from cases.programme import (
    DAYS_PER_WEEK,
    MAX_AGE,
    MIN_AGE,
    TARGET_SESSIONS_PER_WEEK,
    TARGET_WEEKS_MAX,
    TARGET_WEEKS_MIN,
    WEEKS_OF_WORK,
    WEEKS_UNDER,
    active_days_sql,
    dose_target_met_sql,
    weekly_target_met_sql,
    weeks_of_work_sql,
)
from outcomes.models import MEANINGFUL_GOAL_CHANGE, SDQ_CODE, Rater
from outcomes.reports.rounding import exact, percentage, ratio
from outcomes.scoring import sdq as sdq_scoring
from yourchoice.data.db import reporting_alias

#: A count of young people or episodes: 1 to threshold-1 is suppressed, and breakdowns get
#: secondary suppression. Anything else (rates, means, medians, counts of sessions or goals) is
#: a STATISTIC, suppressed when its base (young people) is below the threshold.
COUNT = "count"
STATISTIC = "statistic"

#: What a figure counts, as its unit (the unit of a rate or mean is its own: %, points...).
EPISODES = "episodes"
YOUNG_PEOPLE = "young people"
SESSIONS = "sessions"
GOALS = "goals"

Value = int | Fraction | Decimal | None


@dataclass(frozen=True)
class Figure:
    section: str
    indicator: str
    definition: str
    breakdown: str  # "All" or "<dimension>: <category>"
    value: Value  # exact; rounded to `places` when published
    base: int | None  # young people the figure rests on (None for staff figures)
    kind: str  # COUNT (of young people or episodes) or STATISTIC (rate, mean, median...)
    unit: str = ""
    places: int = 0  # decimal places when published
    # A percentage's numerator and denominator (counts), for disclosure control: a percentage
    # whose numerator is 1 to threshold-1 episodes or goals is suppressed, and the disclosure
    # check (outcomes/reports/linked.py) knows what a published percentage and its base give.
    numerator: int | None = None
    denominator: int | None = None


#: Whose figures: an authority's id, or None for the whole scope.
Place = int | None
Placed = dict[Place, list[Figure]]


@dataclass(frozen=True)
class Scope:
    authority_ids: list[int]
    start: date
    end: date
    #: Each authority's figures too, not only the whole scope's (`compute_each`).
    apart: bool = False

    @property
    def places(self) -> list[Place]:
        return [None, *self.authority_ids] if self.apart else [None]

    @property
    def params(self) -> dict[str, Any]:
        return {
            "authorities": self.authority_ids,
            "start": self.start,
            "end": self.end,
            **month_split(self.start, self.end),
        }


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_split(start: date, end: date) -> dict[str, date | None]:
    """The period as whole calendar months (`full_from` up to, not including, `full_until`),
    read from the summary, and up to two runs of days at its edges (`e1_*`, `e2_*`), read
    from the sessions themselves. Months, quarters and years have no edges."""
    full_from = start if start.day == 1 else _next_month(start)
    full_until = _first_of_month(end + timedelta(days=1))
    split: dict[str, date | None] = dict.fromkeys(
        ("full_from", "full_until", "e1_from", "e1_to", "e2_from", "e2_to")
    )
    if full_from >= full_until:
        split |= {"e1_from": start, "e1_to": end}
        return split
    split |= {"full_from": full_from, "full_until": full_until}
    if start < full_from:
        split |= {"e1_from": start, "e1_to": full_from - timedelta(days=1)}
    if full_until <= end:
        split |= {"e2_from": full_until, "e2_to": end}
    return split


def _rows(sql: str, scope: Scope, **extra: Any) -> list[dict[str, Any]]:
    with connections[reporting_alias()].cursor() as cursor:
        cursor.execute(sql, {**scope.params, **extra})
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _grouped(scope: Scope, sets: Sequence[str] = (), column: str = "place") -> tuple[str, str]:
    """The select item naming a row's place (null for the whole scope) and the GROUP BY clause
    of a query's aggregate: the whole scope, each of `sets` (column lists) within it, and with
    `scope.apart` the same again within each authority (`column`, the episode's authority).
    The whole scope's row comes even when nothing is aggregated, as a plain aggregate's does."""
    whole = ["", *sets]
    if not scope.apart:
        return "NULL::bigint AS place", _sets(whole)
    apart = [f"{column}, {s}" if s else column for s in whole]
    return f"{column} AS place", _sets(whole + apart)


def _sets(sets: list[str]) -> str:
    return "GROUP BY GROUPING SETS (" + ", ".join(f"({s})" for s in sets) + ")"


def _each(sql: str, scope: Scope, **extra: Any) -> dict[Place, dict[str, Any]]:
    """A query's one row per place (its `place` column). A place with nothing to aggregate
    has no row: it gets what an empty scope's aggregate is, counts 0 and medians none."""
    by = {row["place"]: row for row in _rows(sql, scope, **extra)}
    empty = {name: None if name.startswith("median_") else 0 for name in by[None]}
    return {place: by.get(place, empty) for place in scope.places}


def _exact(value: Any) -> Value:
    return None if value is None else exact(value)


# --- Breakdowns -----------------------------------------------------------------------------

#: The label of a category with nothing recorded (an empty code).
NOT_RECORDED = "Not recorded"

#: Age at referral, in the programme's bands. An age outside the programme's 11 to 17 is a
#: referral it does not expect: it gets a row of its own, never folded into a neighbour.
AGE_BANDS = [(11, 12), (13, 14), (15, 17)]
AGE_UNDER = "under"
AGE_OVER = "over"
assert AGE_BANDS[0][0] == MIN_AGE and AGE_BANDS[-1][1] == MAX_AGE  # noqa: S101 - a definition


def _band_code(low: int, high: int) -> str:
    return f"{low}-{high}"


def age_band_sql(day: str, date_of_birth: str) -> str:
    """The age band code of a young person born on `date_of_birth` on `day` (whole years)."""
    age = f"date_part('year', age({day}, {date_of_birth}))"
    whens = " ".join(
        f"WHEN {age} <= {high:d} THEN '{_band_code(low, high)}'" for low, high in AGE_BANDS
    )
    return (
        f"CASE WHEN {day} IS NULL OR {date_of_birth} IS NULL THEN '' "
        f"WHEN {age} < {MIN_AGE:d} THEN '{AGE_UNDER}' {whens} ELSE '{AGE_OVER}' END"
    )


def _ethnicity_groups() -> list[tuple[str, str]]:
    """The ONS 2021 high-level groups, in the order of the categories (the code before "_")."""
    names = {
        "asian": "Asian or Asian British",
        "black": "Black, Black British, Caribbean or African",
        "mixed": "Mixed or multiple ethnic groups",
        "white": "White",
        "other": "Other ethnic group",
        "notknown": "Not known",
    }
    groups = dict.fromkeys(code.split("_")[0] for code in Ethnicity.values)
    return [(group, names[group]) for group in groups]


@dataclass(frozen=True)
class Dimension:
    """One breakdown: every expected category is listed, in this order, zeros included; any
    other code in the data gets its own row: before them if it is one of `leading` (an age under
    the programme's), else after them, with "not recorded" last."""

    label: str
    column: str
    expected: list[tuple[str, str]]  # (code, label)
    others: dict[str, str] = field(default_factory=dict)  # labels of unexpected known codes
    leading: tuple[str, ...] = ()

    def name(self, code: str) -> str:
        if code == "":
            return NOT_RECORDED
        return dict(self.expected).get(code) or self.others.get(code) or code

    def categories(self, found: set[str]) -> list[str]:
        known = [code for code, _ in self.expected]
        extra = found - set(known)
        order = list(self.others)
        first = [code for code in self.leading if code in extra]
        rest = sorted(
            extra - set(first),
            key=lambda code: (code == "", order.index(code) if code in order else len(order), code),
        )
        return first + known + rest


AGE = Dimension(
    "Age at referral",
    "age_band",
    [(_band_code(low, high), f"{low} to {high}") for low, high in AGE_BANDS],
    {AGE_UNDER: f"Under {MIN_AGE}", AGE_OVER: f"{MAX_AGE + 1} or over"},
    leading=(AGE_UNDER,),
)
CHARACTERISTICS = [
    AGE,
    Dimension("Gender", "gender", list(Gender.choices)),
    Dimension("Ethnicity group", "ethnicity_group", _ethnicity_groups()),
    Dimension("Special educational needs", "special_needs", list(SpecialNeeds.choices)),
    Dimension("Looked-after status", "looked_after", list(LookedAfter.choices)),
]
ENDING_REASON = Dimension(
    "Ending reason", "ending_reason", list(CLOSURE_REASONS), dict(EndingReason.choices)
)
WEEKS = Dimension("Weeks of work", "weeks_of_work", list(WEEKS_OF_WORK.items()))
DIMENSIONS = [*CHARACTERISTICS, ENDING_REASON, WEEKS]

# Episodes in scope, with the young person's characteristics for breakdowns. Age band is age at
# referral; ethnicity group is the ONS 2021 high-level group (the part of the code before "_");
# weeks of work, for a closed episode, is its length against the target's 12 to 18 weeks.
# A missing code is kept as '' ("not recorded"), never dropped.
EPISODES_SQL = f"""
    WITH ep AS (
        SELECT e.id, e.young_person_id, e.status, e.referred_on, e.started_on, e.closed_on,
               COALESCE(e.ending_reason, '') AS ending_reason,
               e.coach_id,
               r.eligible,
               {age_band_sql("e.referred_on", "yp.date_of_birth")} AS age_band,
               COALESCE(yp.gender, '') AS gender,
               split_part(COALESCE(yp.ethnicity, ''), '_', 1) AS ethnicity_group,
               COALESCE(yp.special_needs, '') AS special_needs,
               COALESCE(yp.looked_after, '') AS looked_after,
               CASE WHEN e.closed_on IS NULL THEN ''
                    ELSE {weeks_of_work_sql("e.started_on", "e.closed_on")} END AS weeks_of_work,
               e.authority_id AS place
        FROM cases_episode e
        JOIN cases_youngperson yp ON yp.id = e.young_person_id
        LEFT JOIN cases_referral r ON r.episode_id = e.id
        WHERE e.authority_id = ANY(%(authorities)s)
    )
"""

# Episodes in scope without the breakdowns, for the figures that need none: the young person's
# characteristics cost more to work out than some of those figures' own queries.
CASES_SQL = """
    WITH ep AS (
        SELECT e.id, e.young_person_id, e.status, e.referred_on, e.started_on, e.closed_on,
               e.authority_id AS place
        FROM cases_episode e
        WHERE e.authority_id = ANY(%(authorities)s)
    )
"""

SECTION_EPISODES = "Referrals and episodes"

# Names other modules look figures up by (the pan-London table, the report's charts).
REFERRALS_RECEIVED = "Referrals received (episodes)"
EPISODES_STARTED = "Episodes started"
EPISODES_ACTIVE = "Episodes active at period end"
EPISODES_CLOSED = "Episodes closed"
ATTENDANCE_RATE = "Attendance rate"
DOSE_PER_WEEK = "Dose: sessions a week"
GOAL_IMPROVED_EPISODES = f"Episodes with a goal improved by {MEANINGFUL_GOAL_CHANGE} points or more"
SDQ_BAND_LOWER = "Closed episodes with a lower SDQ band at the end"
ELIGIBLE_REFERRALS = "Eligible referrals (episodes)"
GOAL_EPISODES = "Episodes with a goal rated twice"
GOALS_RATED = "Goals rated twice"
GOALS_IMPROVED = f"Goals improved by {MEANINGFUL_GOAL_CHANGE} points or more"
GOALS_FALLEN = f"Goals fallen by {MEANINGFUL_GOAL_CHANGE} points or more"
SDQ_PAIRS = "Closed episodes with a baseline and end SDQ"
SDQ_END_RECORDED = "Closed episodes with an end SDQ"
SDQ_BASELINE_RECORDED = "Episodes started with a baseline SDQ"
DOSE_WEEKLY = f"Closed episodes averaging {TARGET_SESSIONS_PER_WEEK} sessions a week"
DOSE_LONG_ENOUGH = f"Closed episodes reaching {TARGET_WEEKS_MIN} weeks of work"
DOSE_MET = "Closed episodes meeting the dose target"


@dataclass(frozen=True)
class Cohort:
    """A count of episodes in the period, broken down, with the young people it covers."""

    episodes: str  # indicator counting episodes
    episodes_definition: str
    young_people: str  # indicator counting the distinct young people of those episodes
    young_people_definition: str
    condition: str  # SQL on ep
    dimensions: list[Dimension]


REFERRED = "ep.referred_on BETWEEN %(start)s AND %(end)s"
CLOSED = "ep.status = 'closed' AND ep.closed_on BETWEEN %(start)s AND %(end)s"
TWICE = "Each referral opens an episode: a young person referred twice counts twice."
ONCE = "Each young person counts once, however many episodes they had."

COHORTS = [
    Cohort(
        REFERRALS_RECEIVED,
        f"Referrals received in the period. {TWICE}",
        "Young people referred",
        f"Young people with a referral received in the period. {ONCE}",
        REFERRED,
        CHARACTERISTICS,
    ),
    Cohort(
        ELIGIBLE_REFERRALS,
        f"Referrals received in the period that met the eligibility criteria. {TWICE}",
        "Young people with an eligible referral",
        f"Young people with an eligible referral received in the period. {ONCE}",
        f"{REFERRED} AND ep.eligible",
        CHARACTERISTICS,
    ),
    Cohort(
        EPISODES_STARTED,
        "Episodes whose first attended session was in the period.",
        "Young people who started",
        f"Young people with an episode whose first attended session was in the period. {ONCE}",
        "ep.started_on BETWEEN %(start)s AND %(end)s",
        CHARACTERISTICS,
    ),
    Cohort(
        EPISODES_ACTIVE,
        "Episodes started on or before the last day of the period and not closed by then.",
        "Young people active at period end",
        "Young people with an episode started on or before the last day of the period and "
        "not closed by then.",
        "ep.started_on <= %(end)s AND (ep.closed_on IS NULL OR ep.closed_on > %(end)s) "
        "AND ep.status <> 'not_taken_on'",
        CHARACTERISTICS,
    ),
    Cohort(
        EPISODES_CLOSED,
        "Episodes closed (with supervisor approval) in the period, by the young person's "
        "characteristics, the ending reason, and the weeks of work from the first attended "
        f"session to closure against the target of {TARGET_WEEKS_MIN} to {TARGET_WEEKS_MAX} weeks.",
        "Young people with an episode closed",
        f"Young people with an episode closed in the period. {ONCE}",
        CLOSED,
        [*CHARACTERISTICS, ENDING_REASON, WEEKS],
    ),
]


def cohort_counts(scope: Scope) -> Placed:
    """Each cohort count in total and broken down by every category, in one query: a grouping
    set per dimension, a FILTER per cohort."""
    counts = ", ".join(
        f"count(*) FILTER (WHERE {c.condition}) AS n{i}" for i, c in enumerate(COHORTS)
    )
    # Young people are counted in total only, once: a distinct count in every grouping set
    # would sort the episodes again for each set.
    people = ", ".join(
        f"count(DISTINCT ep.young_person_id) FILTER (WHERE {c.condition}) AS p{i}"
        for i, c in enumerate(COHORTS)
    )
    columns = [d.column for d in DIMENSIONS]
    groupings = ", ".join(f"GROUPING({col}) AS g_{col}" for col in columns)
    place, whole = _grouped(scope)
    _, sets = _grouped(scope, columns)
    totals = ", ".join(f"people.p{i}" for i in range(len(COHORTS)))
    rows = _rows(
        EPISODES_SQL + f", people AS (SELECT {place}, {people} FROM ep {whole}), grouped AS ("
        f"SELECT {place}, {groupings}, {', '.join(columns)}, {counts} FROM ep {sets}) "
        f"SELECT grouped.*, {totals} FROM grouped "
        "JOIN people ON people.place IS NOT DISTINCT FROM grouped.place",
        scope,
    )
    of: dict[Place, list[dict[str, Any]]] = {p: [] for p in scope.places}
    for row in rows:
        of[row["place"]].append(row)
    return {p: _cohort_figures(place_rows) for p, place_rows in of.items()}


def _cohort_figures(rows: list[dict[str, Any]]) -> list[Figure]:
    """One place's cohort counts from its rows: its total, and each dimension's categories."""
    columns = [d.column for d in DIMENSIONS]
    total: dict[str, Any] = {}
    by: dict[str, dict[str, dict[str, Any]]] = {col: {} for col in columns}
    for row in rows:
        grouped = [col for col in columns if row[f"g_{col}"] == 0]
        if not grouped:
            total = row
        else:
            (col,) = grouped
            by[col][row[col]] = row
    # An unexpected category found in any cohort of the period gets a row in every cohort's
    # breakdown by that dimension, so the tables have the same rows.
    found = {
        d.column: {
            code
            for code, row in by[d.column].items()
            if any(row[f"n{i}"] for i, c in enumerate(COHORTS) if d in c.dimensions)
        }
        for d in DIMENSIONS
    }
    figures = []
    for i, cohort in enumerate(COHORTS):
        n = total.get(f"n{i}", 0)
        figures.append(
            Figure(
                SECTION_EPISODES,
                cohort.episodes,
                cohort.episodes_definition,
                "All",
                n,
                n,
                COUNT,
                EPISODES,
            )
        )
        people = total.get(f"p{i}", 0)
        figures.append(
            Figure(
                SECTION_EPISODES,
                cohort.young_people,
                cohort.young_people_definition,
                "All",
                people,
                people,
                COUNT,
                YOUNG_PEOPLE,
            )
        )
        for dimension in cohort.dimensions:
            for code in dimension.categories(found[dimension.column]):
                counted = by[dimension.column].get(code)
                value = counted[f"n{i}"] if counted else 0
                figures.append(
                    Figure(
                        SECTION_EPISODES,
                        cohort.episodes,
                        cohort.episodes_definition,
                        f"{dimension.label}: {dimension.name(code)}",
                        value,
                        value,
                        COUNT,
                        EPISODES,
                    )
                )
    return figures


# --- Sessions and dose ------------------------------------------------------------------------

SECTION_SESSIONS = "Sessions"
SECTION_DOSE = "Dose"
SECTION_GOALS = "Goals"
SECTION_SDQ = "SDQ"
SECTION_COMPLETENESS = "Data completeness"
SECTION_SUPERVISION = "Supervision"


def _edge(n: int) -> str:
    """Sessions on the days of edge run `n`, by London day, as a range of moments (so the
    index on the episode and moment serves it)."""
    return (
        f"(s.occurred_at >= (%(e{n}_from)s::date::timestamp AT TIME ZONE 'Europe/London') "
        f"AND s.occurred_at < ((%(e{n}_to)s::date + 1)::timestamp AT TIME ZONE 'Europe/London'))"
    )


# Each episode's sessions in the period: whole months from the summary (outcomes/summary.py),
# the days at the period's edges, if any, from the sessions themselves.
PERIOD_SESSIONS = f"""
    , period_sessions AS (
        SELECT x.episode_id, ep.young_person_id, ep.place, sum(x.sessions) AS sessions,
               sum(x.attended) AS attended, sum(x.did_not_attend) AS dna,
               sum(x.cancelled_young_person) AS cancelled_yp,
               sum(x.cancelled_coach) AS cancelled_coach, sum(x.logged_on_time) AS on_time
        FROM (
            SELECT m.episode_id, m.sessions, m.attended, m.did_not_attend,
                   m.cancelled_young_person, m.cancelled_coach, m.logged_on_time
            FROM outcomes_episodesessionmonth m
            WHERE m.month >= %(full_from)s AND m.month < %(full_until)s
            UNION ALL
            SELECT s.episode_id, 1, (s.attendance = 'attended')::int,
                   (s.attendance = 'did_not_attend')::int,
                   (s.attendance = 'cancelled_young_person')::int,
                   (s.attendance = 'cancelled_coach')::int,
                   (s.created_at - s.occurred_at <= interval '7 days')::int
            FROM coaching_sessionlog s
            WHERE {_edge(1)} OR {_edge(2)}
        ) x
        JOIN ep ON ep.id = x.episode_id
        GROUP BY x.episode_id, ep.young_person_id, ep.place
    )
"""


def sessions(scope: Scope) -> Placed:
    """Sessions in the period by attendance, the attendance rate and completeness."""
    place, group = _grouped(scope)
    rows = _each(
        CASES_SQL
        + PERIOD_SESSIONS
        + f"""
        SELECT {place},
            COALESCE(sum(attended), 0)::bigint AS attended,
            COALESCE(sum(dna), 0)::bigint AS dna,
            COALESCE(sum(cancelled_yp), 0)::bigint AS cancelled_yp,
            COALESCE(sum(cancelled_coach), 0)::bigint AS cancelled_coach,
            COALESCE(sum(sessions), 0)::bigint AS sessions,
            COALESCE(sum(on_time), 0)::bigint AS on_time,
            count(DISTINCT young_person_id) AS young_people
        FROM period_sessions {group}""",
        scope,
    )
    return {p: _sessions(row) for p, row in rows.items()}


def _sessions(row: dict[str, Any]) -> list[Figure]:
    yp = row["young_people"]
    offered = row["attended"] + row["dna"] + row["cancelled_yp"]

    def count(indicator: str, definition: str, value: int) -> Figure:
        # Counts of sessions, resting on the young people who had them.
        return Figure(
            SECTION_SESSIONS, indicator, definition, "All", value, yp, STATISTIC, SESSIONS
        )

    return [
        count(
            "Sessions attended",
            "Sessions in the period that the young person attended.",
            row["attended"],
        ),
        count(
            "Sessions not attended",
            "Sessions in the period the young person did not attend.",
            row["dna"],
        ),
        count(
            "Sessions cancelled by the young person",
            "Sessions in the period cancelled by the young person.",
            row["cancelled_yp"],
        ),
        count(
            "Sessions cancelled by the coach",
            "Sessions in the period cancelled by the coach.",
            row["cancelled_coach"],
        ),
        Figure(
            SECTION_SESSIONS,
            ATTENDANCE_RATE,
            "Sessions attended as a share of sessions in the period attended, missed or "
            "cancelled by the young person (cancellations by the coach are not the young "
            "person's).",
            "All",
            percentage(row["attended"], offered),
            yp,
            STATISTIC,
            "%",
            1,
        ),
        Figure(
            SECTION_COMPLETENESS,
            "Sessions logged within 7 days",
            "Sessions in the period recorded in the service within 7 days of taking place, as "
            "a share of all sessions in the period.",
            "All",
            percentage(row["on_time"], row["sessions"]),
            yp,
            STATISTIC,
            "%",
            1,
        ),
    ]


def dose_in_period(scope: Scope) -> Placed:
    """Attended sessions per week of active work, over every episode active in the period."""
    # An episode whose attended sessions all fall between its start and its closure (every
    # episode the services keep: its start is its first attended session, and nothing is
    # logged on a closed case) has, within its active days in the period, exactly its
    # attended sessions in the period. Any other episode's are counted from its sessions.
    place, group = _grouped(scope, column="a.place")
    rows = _each(
        CASES_SQL
        + PERIOD_SESSIONS
        + f"""
        , active AS (
            SELECT ep.id, ep.place, ep.young_person_id, ep.started_on, ep.closed_on,
                   GREATEST(ep.started_on, %(start)s) AS from_day,
                   LEAST(COALESCE(ep.closed_on, %(end)s), %(end)s) AS to_day
            FROM ep
            WHERE ep.started_on <= %(end)s AND (ep.closed_on IS NULL OR ep.closed_on >= %(start)s)
              AND ep.status <> 'not_taken_on'
        )
        SELECT {place}, count(DISTINCT a.young_person_id) AS young_people,
               COALESCE(sum("""
        + active_days_sql("a.from_day", "a.to_day")
        + """), 0) AS days,
               COALESCE(sum(CASE
                   WHEN t.episode_id IS NULL THEN 0
                   WHEN t.first_attended_on >= a.started_on
                        AND (a.closed_on IS NULL OR t.last_attended_on <= a.closed_on)
                   THEN COALESCE(p.attended, 0)
                   ELSE (SELECT count(*) FROM coaching_sessionlog s
                         WHERE s.episode_id = a.id AND s.attendance = 'attended'
                           AND (s.occurred_at AT TIME ZONE 'Europe/London')::date
                               BETWEEN a.from_day AND a.to_day)
               END), 0)::bigint AS attended
        FROM active a
        LEFT JOIN outcomes_episodesessions t ON t.episode_id = a.id
        LEFT JOIN period_sessions p ON p.episode_id = a.id """
        + group,
        scope,
    )
    return {p: _dose_in_period(row) for p, row in rows.items()}


def _dose_in_period(dose: dict[str, Any]) -> list[Figure]:
    return [
        Figure(
            SECTION_DOSE,
            DOSE_PER_WEEK,
            "Over every episode active in the period: attended sessions in the period divided "
            "by the weeks of active work in it (from the first attended session, or the "
            "period's start, to closure, or the period's end), against a target of "
            f"{TARGET_SESSIONS_PER_WEEK}.",
            "All",
            ratio(dose["attended"] * DAYS_PER_WEEK, dose["days"]),
            dose["young_people"],
            STATISTIC,
            "sessions a week",
            2,
        )
    ]


def timeliness(scope: Scope) -> Placed:
    place, group = _grouped(scope)
    rows = _each(
        CASES_SQL
        + f"""
        SELECT {place}, count(DISTINCT ep.young_person_id) AS young_people,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY ep.started_on - ep.referred_on)
                   AS median_days
        FROM ep WHERE ep.started_on BETWEEN %(start)s AND %(end)s {group}
        """,
        scope,
    )
    return {p: _timeliness(row) for p, row in rows.items()}


def _timeliness(row: dict[str, Any]) -> list[Figure]:
    return [
        Figure(
            SECTION_SESSIONS,
            "Median days from referral to first session (episodes started)",
            "For episodes started in the period: the middle value of the days between the "
            "referral and the first attended session.",
            "All",
            _exact(row["median_days"]),
            row["young_people"],
            STATISTIC,
            "days",
            1,
        ),
    ]


CLOSED_STARTED = "closed episodes that started"


def dose_at_closure(scope: Scope) -> Placed:
    """The dose of each episode closed in the period that had an attended session, over the
    whole of its work: from its first attended session to closure (cases/programme.py)."""
    attended = "c.attended"
    first, last = "c.started_on", "c.closed_on"
    place, group = _grouped(scope)
    rows = _each(
        CASES_SQL
        + f"""
        , c AS (
            SELECT ep.place, ep.young_person_id, ep.started_on, ep.closed_on,
                   COALESCE((SELECT t.attended FROM outcomes_episodesessions t
                             WHERE t.episode_id = ep.id), 0) AS attended
            FROM ep
            WHERE ep.status = 'closed' AND ep.closed_on BETWEEN %(start)s AND %(end)s
              AND ep.started_on IS NOT NULL
        )
        SELECT {place}, count(*) AS episodes, count(DISTINCT young_person_id) AS young_people,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY attended) AS median_sessions,
               count(*) FILTER (WHERE """
        + weekly_target_met_sql(attended, first, last)
        + """) AS weekly,
               count(*) FILTER (WHERE """
        + weeks_of_work_sql(first, last)
        + f""" <> '{WEEKS_UNDER}') AS long_enough,
               count(*) FILTER (WHERE """
        + dose_target_met_sql(attended, first, last)
        + f""") AS met
        FROM c {group}
        """,
        scope,
    )
    return {p: _dose_at_closure(row) for p, row in rows.items()}


def _dose_at_closure(row: dict[str, Any]) -> list[Figure]:
    n, yp = row["episodes"], row["young_people"]
    whole = "from the first attended session to closure"
    return [
        Figure(
            SECTION_DOSE,
            "Median attended sessions (closed episodes that started)",
            "For episodes closed in the period that had at least one attended session: the "
            "middle value of their attended sessions. Episodes closed with no attended session "
            "are counted under 'Episodes closed', weeks of work 'No attended session'.",
            "All",
            _exact(row["median_sessions"]),
            yp,
            STATISTIC,
            "sessions",
            1,
        ),
        Figure(
            SECTION_DOSE,
            DOSE_WEEKLY,
            f"Share of {CLOSED_STARTED} whose attended sessions averaged "
            f"{TARGET_SESSIONS_PER_WEEK} or more a week of active work, {whole}.",
            "All",
            percentage(row["weekly"], n),
            yp,
            STATISTIC,
            "%",
            1,
            numerator=row["weekly"],
            denominator=n,
        ),
        Figure(
            SECTION_DOSE,
            DOSE_LONG_ENOUGH,
            f"Share of {CLOSED_STARTED} with {TARGET_WEEKS_MIN} weeks or more of active work, "
            f"{whole} (the target is {TARGET_WEEKS_MIN} to {TARGET_WEEKS_MAX} weeks).",
            "All",
            percentage(row["long_enough"], n),
            yp,
            STATISTIC,
            "%",
            1,
            numerator=row["long_enough"],
            denominator=n,
        ),
        Figure(
            SECTION_DOSE,
            DOSE_MET,
            f"Share of {CLOSED_STARTED} with both: {TARGET_WEEKS_MIN} weeks or more of work "
            f"and an average of {TARGET_SESSIONS_PER_WEEK} or more attended sessions a week.",
            "All",
            percentage(row["met"], n),
            yp,
            STATISTIC,
            "%",
            1,
            numerator=row["met"],
            denominator=n,
        ),
    ]


# --- Goals --------------------------------------------------------------------------------------

# Episodes worked on in the period: started on or before its end, and not closed before its
# start. Goal figures use ratings up to the end of the period.
WORKED = """
    , worked AS (
        SELECT ep.id, ep.young_person_id, ep.place FROM ep
        WHERE ep.started_on <= %(end)s AND (ep.closed_on IS NULL OR ep.closed_on >= %(start)s)
          AND ep.status <> 'not_taken_on'
    )
"""


def goals(scope: Scope) -> Placed:
    place, group = _grouped(scope)
    rows = _each(
        CASES_SQL
        + WORKED
        + f"""
        , change AS (
            -- Each goal's latest rating by the coach up to the period's end minus its first
            -- (docs/measures.md). A goal not rated since has both in the summary
            -- (outcomes/summary.py)...
            SELECT w.id AS episode_id, w.young_person_id, w.place, gr.goal_id,
                   gr.latest_score - gr.first_score AS change
            FROM outcomes_goalratings gr
            JOIN worked w ON w.id = gr.episode_id
            WHERE gr.ratings >= 2 AND gr.latest_rated_on <= %(end)s
            UNION ALL
            -- ...one rated again after it has its latest rating up to the end looked up in
            -- its ratings (an index lookup), if it had a second by then.
            SELECT w.id, w.young_person_id, w.place, gr.goal_id, latest.score - gr.first_score
            FROM outcomes_goalratings gr
            JOIN worked w ON w.id = gr.episode_id
            CROSS JOIN LATERAL (
                SELECT r.score FROM outcomes_goalrating r
                WHERE r.goal_id = gr.goal_id AND r.rated_on <= %(end)s AND r.rater = %(coach)s
                ORDER BY r.rated_on DESC, r.id DESC LIMIT 1
            ) latest
            WHERE gr.first_rated_on <= %(end)s AND gr.latest_rated_on > %(end)s
              AND EXISTS (
                SELECT 1 FROM outcomes_goalrating r
                WHERE r.goal_id = gr.goal_id AND r.rated_on <= %(end)s AND r.rater = %(coach)s
                OFFSET 1
              )
        ), per_episode AS (
            SELECT episode_id, place, max(change) AS best FROM change GROUP BY episode_id, place
        )
        -- Goals and episodes are aggregated apart, then put side by side place by place.
        SELECT place, sum(episodes)::bigint AS episodes,
               sum(young_people)::bigint AS young_people, sum(goals)::bigint AS goals,
               sum(total_change)::bigint AS total_change,
               sum(goals_improved)::bigint AS goals_improved,
               sum(goals_fallen)::bigint AS goals_fallen, sum(improved)::bigint AS improved
        FROM (
            SELECT {place}, 0 AS episodes, count(DISTINCT young_person_id) AS young_people,
                   count(*) AS goals, COALESCE(sum(change), 0) AS total_change,
                   count(*) FILTER (WHERE change >= %(meaningful)s) AS goals_improved,
                   count(*) FILTER (WHERE change <= -%(meaningful)s) AS goals_fallen,
                   0 AS improved
            FROM change {group}
            UNION ALL
            SELECT {place}, count(*), 0, 0, 0, 0, 0,
                   count(*) FILTER (WHERE best >= %(meaningful)s)
            FROM per_episode {group}
        ) x
        GROUP BY place
        """,
        scope,
        meaningful=MEANINGFUL_GOAL_CHANGE,
        coach=Rater.COACH.value,
    )
    return {p: _goals(row) for p, row in rows.items()}


def _goals(data: dict[str, Any]) -> list[Figure]:
    yp, episodes, n_goals = data["young_people"], data["episodes"], data["goals"]
    points = MEANINGFUL_GOAL_CHANGE
    twice = "goals rated twice or more by the coach up to the end of the period"
    return [
        Figure(
            SECTION_GOALS,
            GOAL_EPISODES,
            "Episodes worked on in the period with at least one goal rated twice or more.",
            "All",
            episodes,
            episodes,
            COUNT,
            EPISODES,
        ),
        Figure(
            SECTION_GOALS,
            GOALS_RATED,
            f"The {twice}, in those episodes.",
            "All",
            n_goals,
            yp,
            STATISTIC,
            GOALS,
        ),
        Figure(
            SECTION_GOALS,
            "Mean goal change (goals)",
            f"For {twice}: the latest rating minus the first, averaged over the goals.",
            "All",
            ratio(data["total_change"], n_goals),
            yp,
            STATISTIC,
            "points",
            2,
        ),
        Figure(
            SECTION_GOALS,
            GOALS_IMPROVED,
            f"Share of {twice} whose latest rating is {points} or more above the first.",
            "All",
            percentage(data["goals_improved"], n_goals),
            yp,
            STATISTIC,
            "%",
            1,
            numerator=data["goals_improved"],
            denominator=n_goals,
        ),
        Figure(
            SECTION_GOALS,
            GOALS_FALLEN,
            f"Share of {twice} whose latest rating is {points} or more below the first.",
            "All",
            percentage(data["goals_fallen"], n_goals),
            yp,
            STATISTIC,
            "%",
            1,
            numerator=data["goals_fallen"],
            denominator=n_goals,
        ),
        Figure(
            SECTION_GOALS,
            GOAL_IMPROVED_EPISODES,
            f"Share of episodes with a goal rated twice where at least one goal rose {points} "
            "points or more (meaningful improvement); their other goals may have stayed put "
            "or fallen.",
            "All",
            percentage(data["improved"], episodes),
            yp,
            STATISTIC,
            "%",
            1,
            numerator=data["improved"],
            denominator=episodes,
        ),
    ]


# --- SDQ ---------------------------------------------------------------------------------------

# SDQ total difficulties bands come from the scorer's table (outcomes/scoring/sdq.py), passed to
# the SQL as parameters, so the report and the young person's page band a score the same way.
SDQ_TOTAL_BANDS = sdq_scoring.BANDS["total_difficulties"]
SDQ_BAND_PARAMS = {f"sdq_band_{i}": upper for i, (upper, _) in enumerate(SDQ_TOTAL_BANDS[:-1])}


def sdq_band_sql(col: str) -> str:
    """The band of a total difficulties score as a number, 0 for the lowest band upwards."""
    whens = " ".join(f"WHEN {col} <= %({name})s THEN {i}" for i, name in enumerate(SDQ_BAND_PARAMS))
    return f" CASE {whens} ELSE {len(SDQ_BAND_PARAMS)} END "


def sdq(scope: Scope) -> Placed:
    """SDQ for episodes closed in the period with both a baseline and an end total."""
    place, group = _grouped(scope)
    rows = _each(
        CASES_SQL
        + """
        , closed AS (
            SELECT ep.id, ep.young_person_id, ep.place FROM ep
            WHERE ep.status = 'closed' AND ep.closed_on BETWEEN %(start)s AND %(end)s
        ), pairs AS (
            SELECT c.young_person_id, c.place, b.total_score AS baseline, e.total_score AS ending
            FROM closed c
            JOIN outcomes_measureresponse b ON b.episode_id = c.id AND b.occasion = 'baseline'
            JOIN outcomes_measureresponse e ON e.episode_id = c.id AND e.occasion = 'end'
            JOIN outcomes_measuredefinition d ON d.id = b.definition_id AND d.id = e.definition_id
            WHERE d.code = '"""
        + SDQ_CODE
        + """'
              AND b.total_score IS NOT NULL AND e.total_score IS NOT NULL
        )
        -- Pairs and closed episodes are aggregated apart, then put side by side by place.
        SELECT place, sum(episodes)::bigint AS episodes,
               sum(young_people)::bigint AS young_people,
               sum(sum_baseline)::bigint AS sum_baseline, sum(sum_end)::bigint AS sum_end,
               sum(improved_band)::bigint AS improved_band, sum(closed)::bigint AS closed,
               sum(closed_young_people)::bigint AS closed_young_people,
               sum(closed_with_end)::bigint AS closed_with_end
        FROM (
            SELECT """
        + place
        + """, count(*) AS episodes, count(DISTINCT young_person_id) AS young_people,
                   COALESCE(sum(baseline), 0) AS sum_baseline,
                   COALESCE(sum(ending), 0) AS sum_end,
                   count(*) FILTER (WHERE """
        + sdq_band_sql("ending")
        + " < "
        + sdq_band_sql("baseline")
        + f""") AS improved_band,
                   0 AS closed, 0 AS closed_young_people, 0 AS closed_with_end
            FROM pairs {group}
            UNION ALL
            SELECT {place}, 0, 0, 0, 0, 0, count(*), count(DISTINCT young_person_id),
                   count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM outcomes_measureresponse m
                       WHERE m.episode_id = c.id AND m.occasion = 'end'))
            FROM closed c {group}
        ) x
        GROUP BY place
        """,
        scope,
        **SDQ_BAND_PARAMS,
    )
    return {p: _sdq(row) for p, row in rows.items()}


def _sdq(data: dict[str, Any]) -> list[Figure]:
    n, yp = data["episodes"], data["young_people"]
    those = "For closed episodes with a baseline and an end SDQ"
    return [
        Figure(
            SECTION_SDQ,
            SDQ_PAIRS,
            "Episodes closed in the period with a total difficulties score at baseline and end.",
            "All",
            n,
            n,
            COUNT,
            EPISODES,
        ),
        Figure(
            SECTION_SDQ,
            "Mean total difficulties at baseline",
            f"{those}: the baseline total difficulties score, averaged over the episodes.",
            "All",
            ratio(data["sum_baseline"], n),
            yp,
            STATISTIC,
            "points",
            1,
        ),
        Figure(
            SECTION_SDQ,
            "Mean total difficulties at end",
            f"{those}: the end total difficulties score, averaged over the episodes.",
            "All",
            ratio(data["sum_end"], n),
            yp,
            STATISTIC,
            "points",
            1,
        ),
        Figure(
            SECTION_SDQ,
            "Mean change in total difficulties",
            f"{those}: end minus baseline, averaged over the episodes. A fall is an improvement.",
            "All",
            ratio(data["sum_end"] - data["sum_baseline"], n),
            yp,
            STATISTIC,
            "points",
            1,
        ),
        Figure(
            SECTION_SDQ,
            SDQ_BAND_LOWER,
            "Share of closed episodes with a baseline and an end SDQ whose total difficulties "
            "band was lower at the end.",
            "All",
            percentage(data["improved_band"], n),
            yp,
            STATISTIC,
            "%",
            1,
            numerator=data["improved_band"],
            denominator=n,
        ),
        Figure(
            SECTION_COMPLETENESS,
            SDQ_END_RECORDED,
            "Share of episodes closed in the period with an end SDQ recorded.",
            "All",
            percentage(data["closed_with_end"], data["closed"]),
            data["closed_young_people"],
            STATISTIC,
            "%",
            1,
            numerator=data["closed_with_end"],
            denominator=data["closed"],
        ),
    ]


def baseline_completeness(scope: Scope) -> Placed:
    place, group = _grouped(scope)
    rows = _each(
        CASES_SQL
        + f"""
        SELECT {place}, count(*) AS started, count(DISTINCT ep.young_person_id) AS young_people,
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM outcomes_measureresponse m
                   WHERE m.episode_id = ep.id AND m.occasion = 'baseline')) AS with_baseline
        FROM ep WHERE ep.started_on BETWEEN %(start)s AND %(end)s {group}
        """,
        scope,
    )
    return {p: _baseline_completeness(row) for p, row in rows.items()}


def _baseline_completeness(data: dict[str, Any]) -> list[Figure]:
    return [
        Figure(
            SECTION_COMPLETENESS,
            SDQ_BASELINE_RECORDED,
            "Share of episodes started in the period that have a baseline SDQ.",
            "All",
            percentage(data["with_baseline"], data["started"]),
            data["young_people"],
            STATISTIC,
            "%",
            1,
            numerator=data["with_baseline"],
            denominator=data["started"],
        ),
    ]


def supervision(scope: Scope) -> Placed:
    """Staff figures: not about young people, so not suppressed. A coach in teams of two
    authorities is a coach in each, and once in the whole scope."""
    place, group = _grouped(scope)
    rows = _each(
        f"""
        WITH coaches AS (
            SELECT m.user_id, t.authority_id AS place FROM accounts_membership m
            JOIN accounts_team t ON t.id = m.team_id
            WHERE m.role = %(caseload_role)s AND t.authority_id = ANY(%(authorities)s)
        ), attended AS (
            SELECT t.authority_id AS place FROM supervision_supervisionattendee a
            JOIN supervision_supervisionrecord r ON r.id = a.record_id
            JOIN accounts_team t ON t.id = r.team_id
            WHERE t.authority_id = ANY(%(authorities)s)
              AND r.held_on BETWEEN %(start)s AND %(end)s
        )
        SELECT place, sum(coaches)::bigint AS coaches, sum(attendances)::bigint AS attendances
        FROM (
            SELECT {place}, count(DISTINCT user_id) AS coaches, 0 AS attendances
            FROM coaches {group}
            UNION ALL
            SELECT {place}, 0, count(*) FROM attended {group}
        ) x
        GROUP BY place
        """,
        scope,
        caseload_role=access.CASELOAD_ROLE,
    )
    return {p: _supervision(row) for p, row in rows.items()}


def _supervision(data: dict[str, Any]) -> list[Figure]:
    return [
        Figure(
            SECTION_SUPERVISION,
            "Supervision sessions per coach",
            "Supervision attendances in the period divided by the coaches in the teams.",
            "All",
            ratio(data["attendances"], data["coaches"]),
            None,
            STATISTIC,
            "sessions",
            2,
        ),
    ]


#: The report's sections, in order.
SECTIONS = [
    SECTION_EPISODES,
    SECTION_SESSIONS,
    SECTION_DOSE,
    SECTION_GOALS,
    SECTION_SDQ,
    SECTION_COMPLETENESS,
    SECTION_SUPERVISION,
]


#: Each section's query, giving its figures place by place.
_QUERIES = [
    cohort_counts,
    sessions,
    timeliness,
    dose_in_period,
    dose_at_closure,
    goals,
    sdq,
    baseline_completeness,
    supervision,
]


def compute(scope: Scope) -> list[Figure]:
    """Every indicator for the scope and period, in report order: section by section."""
    return compute_each(replace(scope, apart=False))[None]


def compute_each(scope: Scope) -> Placed:
    """Every indicator for the whole scope (None) and, with `scope.apart`, for each of its
    authorities on its own, as `compute` would give for that authority alone: the same queries,
    grouped by authority as well, read the rows once for them all."""
    alias = reporting_alias()
    placed: Placed = {place: [] for place in scope.places}
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            # Each query takes milliseconds to a second, but their cost estimates start
            # PostgreSQL's JIT compiler, which spent 0.8 s compiling one at scale 10.
            cursor.execute("SET LOCAL jit = off")
        for query in _QUERIES:
            for place, figures in query(scope).items():
                placed[place] += figures
    return {
        place: sorted(figures, key=lambda f: SECTIONS.index(f.section))
        for place, figures in placed.items()
    }
