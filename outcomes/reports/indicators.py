"""Outcome indicators, each defined once in plain English next to the SQL that computes it.

Everything is aggregated in PostgreSQL (FILTER, window functions, percentile_cont), so memory
stays flat however much data there is. Every figure says what it counts and its base: the
number of young people it rests on, which disclosure control uses (docs/disclosure.md).

Scope: the episodes of one authority, or of every authority for London. Period: start to end
inclusive, in Europe/London dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connections

from accounts import access
from cases.models import EndingReason, Gender, LookedAfter, SpecialNeeds
from cases.programme import TARGET_SESSIONS_PER_WEEK, active_weeks_sql
from outcomes.models import MEANINGFUL_GOAL_CHANGE
from outcomes.scoring import sdq as sdq_scoring
from yourchoice.data.db import reporting_alias

#: A count of young people: 1 to threshold-1 is suppressed, and breakdowns get secondary
#: suppression. Anything else (rates, means, medians, counts of sessions) is a STATISTIC,
#: suppressed when its base (young people) is below the threshold.
COUNT = "count"
STATISTIC = "statistic"


@dataclass(frozen=True)
class Figure:
    section: str
    indicator: str
    definition: str
    breakdown: str  # "All" or "<dimension>: <category>"
    value: float | int | None
    base: int | None  # young people the figure rests on (None for staff figures)
    kind: str  # COUNT (of young people or sessions) or STATISTIC (rate, mean, median)
    unit: str = ""


@dataclass(frozen=True)
class Scope:
    authority_ids: list[int]
    start: date
    end: date

    @property
    def params(self) -> dict[str, Any]:
        return {"authorities": self.authority_ids, "start": self.start, "end": self.end}


def _rows(sql: str, scope: Scope, **extra: Any) -> list[dict[str, Any]]:
    with connections[reporting_alias()].cursor() as cursor:
        cursor.execute(sql, {**scope.params, **extra})
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _one(sql: str, scope: Scope, **extra: Any) -> dict[str, Any]:
    return _rows(sql, scope, **extra)[0]


# Episodes in scope, with the young person's characteristics for breakdowns. Age band is age at
# referral; ethnicity group is the ONS 2021 high-level group (the part of the code before "_").
EPISODES = """
    WITH ep AS (
        SELECT e.id, e.status, e.referred_on, e.started_on, e.closed_on, e.ending_reason,
               e.coach_id,
               r.eligible,
               CASE
                   WHEN date_part('year', age(e.referred_on, yp.date_of_birth)) <= 12 THEN '11 to 12'
                   WHEN date_part('year', age(e.referred_on, yp.date_of_birth)) <= 14 THEN '13 to 14'
                   ELSE '15 to 17'
               END AS age_band,
               yp.gender, split_part(yp.ethnicity, '_', 1) AS ethnicity_group,
               yp.special_needs, yp.looked_after
        FROM cases_episode e
        JOIN cases_youngperson yp ON yp.id = e.young_person_id
        LEFT JOIN cases_referral r ON r.episode_id = e.id
        WHERE e.authority_id = ANY(%(authorities)s)
    )
"""


def _labels() -> dict[str, dict[str, str]]:
    """Plain-English names for the categories the SQL returns as codes."""

    return {
        "gender": dict(Gender.choices),
        "special_needs": dict(SpecialNeeds.choices),
        "looked_after": dict(LookedAfter.choices),
        "ethnicity_group": {
            "asian": "Asian or Asian British",
            "black": "Black, Black British, Caribbean or African",
            "mixed": "Mixed or multiple ethnic groups",
            "white": "White",
            "other": "Other ethnic group",
            "notknown": "Not known",
        },
    }


BREAKDOWNS = {
    "Age at referral": "age_band",
    "Gender": "gender",
    "Ethnicity group": "ethnicity_group",
    "Special educational needs": "special_needs",
    "Looked-after status": "looked_after",
}

# (indicator, definition, SQL condition on ep for the period)
COHORT_COUNTS = [
    (
        "Referrals received",
        "Referrals received in the period.",
        "ep.referred_on BETWEEN %(start)s AND %(end)s",
    ),
    (
        "Referrals eligible",
        "Referrals received in the period that met the eligibility criteria.",
        "ep.referred_on BETWEEN %(start)s AND %(end)s AND ep.eligible",
    ),
    (
        "Episodes started",
        "Episodes whose first attended session was in the period.",
        "ep.started_on BETWEEN %(start)s AND %(end)s",
    ),
    (
        "Active at period end",
        "Episodes started on or before the last day of the period and not closed by then.",
        "ep.started_on <= %(end)s AND (ep.closed_on IS NULL OR ep.closed_on > %(end)s) "
        "AND ep.status <> 'not_taken_on'",
    ),
    (
        "Closed",
        "Episodes closed (with supervisor approval) in the period.",
        "ep.status = 'closed' AND ep.closed_on BETWEEN %(start)s AND %(end)s",
    ),
]


def cohort_counts(scope: Scope) -> list[Figure]:
    """Each cohort count in total and broken down by each characteristic."""
    figures = []
    labels = _labels()
    for indicator, definition, condition in COHORT_COUNTS:
        # One grouped query per dimension keeps the SQL plain: small scans of one CTE.
        total = _one(EPISODES + f"SELECT count(*) AS n FROM ep WHERE {condition}", scope)["n"]
        figures.append(Figure("Young people", indicator, definition, "All", total, total, COUNT))
        for label, column in BREAKDOWNS.items():
            for row in _rows(
                EPISODES + f"SELECT {column} AS category, count(*) AS n FROM ep WHERE {condition} "
                f"GROUP BY {column} ORDER BY {column}",
                scope,
            ):
                figures.append(
                    Figure(
                        "Young people",
                        indicator,
                        definition,
                        f"{label}: {labels.get(column, {}).get(row['category'], row['category'])}",
                        row["n"],
                        row["n"],
                        COUNT,
                    )
                )
    return figures


def closed_by_reason(scope: Scope) -> list[Figure]:

    rows = _rows(
        EPISODES
        + """
        SELECT ep.ending_reason AS reason, count(*) AS n FROM ep
        WHERE ep.status = 'closed' AND ep.closed_on BETWEEN %(start)s AND %(end)s
        GROUP BY ep.ending_reason ORDER BY ep.ending_reason""",
        scope,
    )
    return [
        Figure(
            "Young people",
            "Closed",
            "Episodes closed in the period, by ending reason.",
            f"Ending reason: {EndingReason(row['reason']).label}",
            row["n"],
            row["n"],
            COUNT,
        )
        for row in rows
    ]


def sessions(scope: Scope) -> list[Figure]:
    """Sessions in the period by attendance, the attendance rate, dose and completeness."""
    row = _one(
        EPISODES
        + """
        , s AS (
            SELECT s.*, ep.id AS ep_id FROM coaching_sessionlog s JOIN ep ON ep.id = s.episode_id
            WHERE (s.occurred_at AT TIME ZONE 'Europe/London')::date BETWEEN %(start)s AND %(end)s
        )
        SELECT
            count(*) FILTER (WHERE attendance = 'attended') AS attended,
            count(*) FILTER (WHERE attendance = 'did_not_attend') AS dna,
            count(*) FILTER (WHERE attendance = 'cancelled_young_person') AS cancelled_yp,
            count(*) FILTER (WHERE attendance = 'cancelled_coach') AS cancelled_coach,
            count(*) AS sessions,
            count(*) FILTER (WHERE created_at - occurred_at <= interval '7 days') AS on_time,
            count(DISTINCT ep_id) AS young_people
        FROM s""",
        scope,
    )
    yp = row["young_people"]
    offered = row["attended"] + row["dna"] + row["cancelled_yp"]
    section = "Sessions"
    figures = [
        Figure(
            section,
            "Sessions attended",  # counts of sessions, resting on the young people who had them
            "Sessions in the period that the young person attended.",
            "All",
            row["attended"],
            yp,
            STATISTIC,
        ),
        Figure(
            section,
            "Sessions not attended",
            "Sessions the young person did not attend.",
            "All",
            row["dna"],
            yp,
            STATISTIC,
        ),
        Figure(
            section,
            "Sessions cancelled by the young person",
            "Sessions cancelled by the young person.",
            "All",
            row["cancelled_yp"],
            yp,
            STATISTIC,
        ),
        Figure(
            section,
            "Sessions cancelled by the coach",
            "Sessions cancelled by the coach.",
            "All",
            row["cancelled_coach"],
            yp,
            STATISTIC,
        ),
        Figure(
            section,
            "Attendance rate",
            "Attended sessions as a share of sessions attended, missed or cancelled by the "
            "young person (cancellations by the coach are not the young person's).",
            "All",
            round(100 * row["attended"] / offered, 1) if offered else None,
            yp,
            STATISTIC,
            "%",
        ),
        Figure(
            "Data completeness",
            "Sessions logged within 7 days",
            "Sessions recorded in the service within 7 days of taking place.",
            "All",
            round(100 * row["on_time"] / row["sessions"], 1) if row["sessions"] else None,
            yp,
            STATISTIC,
            "%",
        ),
    ]
    dose = _one(
        EPISODES
        + """
        , active AS (
            SELECT ep.id,
                   GREATEST(ep.started_on, %(start)s) AS from_day,
                   LEAST(COALESCE(ep.closed_on, %(end)s), %(end)s) AS to_day
            FROM ep
            WHERE ep.started_on <= %(end)s AND (ep.closed_on IS NULL OR ep.closed_on >= %(start)s)
              AND ep.status <> 'not_taken_on'
        )
        SELECT count(*) AS young_people,
               COALESCE(sum("""
        + active_weeks_sql("from_day", "to_day")
        + """), 0) AS weeks,
               (SELECT count(*) FROM coaching_sessionlog s JOIN active a ON a.id = s.episode_id
                WHERE s.attendance = 'attended'
                  AND (s.occurred_at AT TIME ZONE 'Europe/London')::date BETWEEN a.from_day AND a.to_day
               ) AS attended
        FROM active""",
        scope,
    )
    figures.append(
        Figure(
            section,
            "Dose: sessions a week",
            f"Attended sessions per week of active work in the period, against a target of "
            f"{TARGET_SESSIONS_PER_WEEK}.",
            "All",
            round(float(dose["attended"]) / float(dose["weeks"]), 2) if dose["weeks"] else None,
            dose["young_people"],
            STATISTIC,
            "sessions a week",
        )
    )
    return figures


def timeliness_and_closure(scope: Scope) -> list[Figure]:
    row = _one(
        EPISODES
        + """
        , started AS (
            SELECT ep.started_on - ep.referred_on AS days FROM ep
            WHERE ep.started_on BETWEEN %(start)s AND %(end)s
        ), closed AS (
            SELECT ep.id,
                   (SELECT count(*) FROM coaching_sessionlog s
                    WHERE s.episode_id = ep.id AND s.attendance = 'attended') AS attended
            FROM ep WHERE ep.status = 'closed' AND ep.closed_on BETWEEN %(start)s AND %(end)s
        )
        SELECT (SELECT count(*) FROM started) AS started,
               (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FROM started) AS median_days,
               (SELECT count(*) FROM closed) AS closed,
               (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY attended) FROM closed) AS median_sessions
        """,
        scope,
    )
    return [
        Figure(
            "Sessions",
            "Median days from referral to first session",
            "For episodes started in the period: the middle value of days between the referral "
            "and the first attended session.",
            "All",
            row["median_days"],
            row["started"],
            STATISTIC,
            "days",
        ),
        Figure(
            "Sessions",
            "Median attended sessions per closed episode",
            "For episodes closed in the period: the middle value of their attended sessions.",
            "All",
            row["median_sessions"],
            row["closed"],
            STATISTIC,
            "sessions",
        ),
    ]


# Episodes worked on in the period: started on or before its end, and not closed before its
# start. Goal figures use ratings up to the end of the period.
WORKED = """
    , worked AS (
        SELECT ep.id FROM ep
        WHERE ep.started_on <= %(end)s AND (ep.closed_on IS NULL OR ep.closed_on >= %(start)s)
          AND ep.status <> 'not_taken_on'
    )
"""


def goals(scope: Scope) -> list[Figure]:
    data = _one(
        EPISODES
        + WORKED
        + """
        , rated AS (
            SELECT g.episode_id, g.id AS goal_id, r.score,
                   row_number() OVER (PARTITION BY g.id ORDER BY r.rated_on, r.id) AS n_first,
                   row_number() OVER (PARTITION BY g.id ORDER BY r.rated_on DESC, r.id DESC) AS n_last,
                   count(*) OVER (PARTITION BY g.id) AS ratings
            FROM outcomes_goal g
            JOIN worked w ON w.id = g.episode_id
            -- The coach's ratings only, as the report always counted (docs/measures.md).
            JOIN outcomes_goalrating r ON r.goal_id = g.id AND r.rated_on <= %(end)s
                 AND r.rater = 'coach'
        ), change AS (
            SELECT episode_id, goal_id,
                   max(score) FILTER (WHERE n_last = 1) - max(score) FILTER (WHERE n_first = 1)
                       AS change
            FROM rated WHERE ratings >= 2 GROUP BY episode_id, goal_id
        ), per_episode AS (
            SELECT episode_id, max(change) AS best FROM change GROUP BY episode_id
        )
        SELECT (SELECT count(*) FROM per_episode) AS young_people,
               (SELECT avg(change) FROM change) AS mean_change,
               (SELECT count(*) FROM per_episode WHERE best >= %(meaningful)s) AS improved
        """,
        scope,
        meaningful=MEANINGFUL_GOAL_CHANGE,
    )
    yp = data["young_people"]
    mean = data["mean_change"]
    return [
        Figure(
            "Goals",
            "Young people with a goal rated twice",
            "Young people worked with in the period with at least one goal rated twice or more.",
            "All",
            yp,
            yp,
            COUNT,
        ),
        Figure(
            "Goals",
            "Mean goal change",
            "For goals rated twice or more: the latest rating minus the first, averaged.",
            "All",
            round(float(mean), 2) if mean is not None else None,
            yp,
            STATISTIC,
            "points",
        ),
        Figure(
            "Goals",
            "Meaningful improvement",
            f"Share of those young people with a rise of {MEANINGFUL_GOAL_CHANGE} points or more "
            "on at least one goal.",
            "All",
            round(100 * data["improved"] / yp, 1) if yp else None,
            yp,
            STATISTIC,
            "%",
        ),
    ]


# SDQ total difficulties bands come from the scorer's table (outcomes/scoring/sdq.py), passed to
# the SQL as parameters, so the report and the young person's page band a score the same way.
SDQ_TOTAL_BANDS = sdq_scoring.BANDS["total_difficulties"]
SDQ_BAND_PARAMS = {f"sdq_band_{i}": upper for i, (upper, _) in enumerate(SDQ_TOTAL_BANDS[:-1])}


def sdq_band_sql(col: str) -> str:
    """The band of a total difficulties score as a number, 0 for the lowest band upwards."""
    whens = " ".join(f"WHEN {col} <= %({name})s THEN {i}" for i, name in enumerate(SDQ_BAND_PARAMS))
    return f" CASE {whens} ELSE {len(SDQ_BAND_PARAMS)} END "


def sdq(scope: Scope) -> list[Figure]:
    """SDQ for episodes closed in the period with both a baseline and an end total."""
    data = _one(
        EPISODES
        + """
        , closed AS (
            SELECT ep.id FROM ep
            WHERE ep.status = 'closed' AND ep.closed_on BETWEEN %(start)s AND %(end)s
        ), pairs AS (
            SELECT b.total_score AS baseline, e.total_score AS ending
            FROM closed c
            JOIN outcomes_measureresponse b ON b.episode_id = c.id AND b.occasion = 'baseline'
            JOIN outcomes_measureresponse e ON e.episode_id = c.id AND e.occasion = 'end'
            JOIN outcomes_measuredefinition d ON d.id = b.definition_id AND d.id = e.definition_id
            WHERE d.code = 'sdq-self-report'
              AND b.total_score IS NOT NULL AND e.total_score IS NOT NULL
        )
        SELECT count(*) AS young_people, avg(baseline) AS mean_baseline, avg(ending) AS mean_end,
               avg(ending - baseline) AS mean_change,
               count(*) FILTER (WHERE """
        + sdq_band_sql("ending")
        + " < "
        + sdq_band_sql("baseline")
        + """) AS improved_band,
               (SELECT count(*) FROM closed) AS closed,
               (SELECT count(*) FROM closed c WHERE EXISTS (
                    SELECT 1 FROM outcomes_measureresponse m
                    WHERE m.episode_id = c.id AND m.occasion = 'end')) AS closed_with_end
        FROM pairs
        """,
        scope,
        **SDQ_BAND_PARAMS,
    )
    yp = data["young_people"]

    def avg(value: Any) -> float | None:
        return round(float(value), 1) if value is not None else None

    closed = data["closed"]
    return [
        Figure(
            "SDQ",
            "Young people with baseline and end SDQ",
            "Episodes closed in the period with a total difficulties score at baseline and end.",
            "All",
            yp,
            yp,
            COUNT,
        ),
        Figure(
            "SDQ",
            "Mean total difficulties at baseline",
            "For those young people.",
            "All",
            avg(data["mean_baseline"]),
            yp,
            STATISTIC,
            "points",
        ),
        Figure(
            "SDQ",
            "Mean total difficulties at end",
            "For those young people.",
            "All",
            avg(data["mean_end"]),
            yp,
            STATISTIC,
            "points",
        ),
        Figure(
            "SDQ",
            "Mean change in total difficulties",
            "End minus baseline: a fall is an improvement.",
            "All",
            avg(data["mean_change"]),
            yp,
            STATISTIC,
            "points",
        ),
        Figure(
            "SDQ",
            "Improved by a band",
            "Share of those young people whose total difficulties band was lower at the end.",
            "All",
            round(100 * data["improved_band"] / yp, 1) if yp else None,
            yp,
            STATISTIC,
            "%",
        ),
        Figure(
            "Data completeness",
            "Closed episodes with an end SDQ",
            "Episodes closed in the period with an end SDQ recorded.",
            "All",
            round(100 * data["closed_with_end"] / closed, 1) if closed else None,
            closed,
            STATISTIC,
            "%",
        ),
    ]


def baseline_completeness(scope: Scope) -> list[Figure]:
    data = _one(
        EPISODES
        + """
        SELECT count(*) AS started,
               count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM outcomes_measureresponse m
                   WHERE m.episode_id = ep.id AND m.occasion = 'baseline')) AS with_baseline
        FROM ep WHERE ep.started_on BETWEEN %(start)s AND %(end)s
        """,
        scope,
    )
    started = data["started"]
    return [
        Figure(
            "Data completeness",
            "Episodes started with a baseline SDQ",
            "Episodes started in the period that have a baseline SDQ.",
            "All",
            round(100 * data["with_baseline"] / started, 1) if started else None,
            started,
            STATISTIC,
            "%",
        ),
    ]


def supervision(scope: Scope) -> list[Figure]:
    """Staff figures: not about young people, so not suppressed."""
    data = _one(
        """
        WITH coaches AS (
            SELECT DISTINCT m.user_id FROM accounts_membership m
            JOIN accounts_team t ON t.id = m.team_id
            WHERE m.role = %(caseload_role)s AND t.authority_id = ANY(%(authorities)s)
        )
        SELECT (SELECT count(*) FROM coaches) AS coaches,
               (SELECT count(*) FROM supervision_supervisionattendee a
                JOIN supervision_supervisionrecord r ON r.id = a.record_id
                JOIN accounts_team t ON t.id = r.team_id
                WHERE t.authority_id = ANY(%(authorities)s)
                  AND r.held_on BETWEEN %(start)s AND %(end)s) AS attendances
        """,
        scope,
        caseload_role=access.CASELOAD_ROLE,
    )
    coaches = data["coaches"]
    return [
        Figure(
            "Supervision",
            "Supervision sessions per coach",
            "Supervision attendances in the period divided by the coaches in the teams.",
            "All",
            round(data["attendances"] / coaches, 2) if coaches else None,
            None,
            STATISTIC,
            "sessions",
        ),
    ]


def compute(scope: Scope) -> list[Figure]:
    """Every indicator for the scope and period, in report order."""
    return [
        *cohort_counts(scope),
        *closed_by_reason(scope),
        *sessions(scope),
        *timeliness_and_closure(scope),
        *goals(scope),
        *sdq(scope),
        *baseline_completeness(scope),
        *supervision(scope),
    ]
