"""Figures kept ahead of time, so a report reads a row per episode (or per episode and month,
or per goal) instead of every session and rating (docs/measures.md, "Summary").

Three tables, each a function of raw rows only, never of an episode's dates or status (so a
closure, transfer or reopening changes none of them):

- `EpisodeSessions`: an episode's attended sessions, with the first and last day attended;
- `EpisodeSessionMonth`: an episode's sessions in each calendar month, by attendance, and how
  many were recorded within 7 days;
- `GoalRatings`: a goal's coach ratings, with the first and the latest.

`refresh(episode_ids)` recomputes the rows of those episodes from their sessions and ratings.
Every service that writes a session or a goal rating calls it in its own transaction, so the
summary commits, or rolls back, with the change; it locks the episodes first, so two people
logging for one young person at once each recompute after the other's commit. `rebuild()`
recomputes everything, with the same SQL (`manage.py rebuild_summary`, the migration that made
the tables, bulk loads of demo data). A test keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from outcomes.models import Rater

#: The programme's days are London's (the report's SQL reads the same zone).
ZONE = "Europe/London"

_DAY = f"(s.occurred_at AT TIME ZONE '{ZONE}')::date"

_SESSIONS = f"""
    INSERT INTO outcomes_episodesessions (episode_id, attended, first_attended_on, last_attended_on)
    SELECT s.episode_id, count(*), min({_DAY}), max({_DAY})
    FROM coaching_sessionlog s
    WHERE s.attendance = 'attended' {{where}}
    GROUP BY s.episode_id
"""  # noqa: S608 - our own constants

_MONTHS = f"""
    INSERT INTO outcomes_episodesessionmonth (episode_id, month, sessions, attended,
        did_not_attend, cancelled_young_person, cancelled_coach, logged_on_time)
    SELECT s.episode_id, date_trunc('month', {_DAY})::date, count(*),
           count(*) FILTER (WHERE s.attendance = 'attended'),
           count(*) FILTER (WHERE s.attendance = 'did_not_attend'),
           count(*) FILTER (WHERE s.attendance = 'cancelled_young_person'),
           count(*) FILTER (WHERE s.attendance = 'cancelled_coach'),
           count(*) FILTER (WHERE s.created_at - s.occurred_at <= interval '7 days')
    FROM coaching_sessionlog s
    WHERE true {{where}}
    GROUP BY 1, 2
"""  # noqa: S608 - our own constants

# Ordered aggregates within each goal: the first rating by day then entry, and the latest.
_GOALS = """
    INSERT INTO outcomes_goalratings (goal_id, episode_id, ratings, first_score, first_rated_on,
        latest_score, latest_rated_on)
    SELECT g.id, g.episode_id, count(*),
           (array_agg(r.score ORDER BY r.rated_on, r.id))[1], min(r.rated_on),
           (array_agg(r.score ORDER BY r.rated_on DESC, r.id DESC))[1], max(r.rated_on)
    FROM outcomes_goal g
    JOIN outcomes_goalrating r ON r.goal_id = g.id AND r.rater = '{coach}'
    WHERE true {where}
    GROUP BY g.id, g.episode_id
""".replace("{coach}", Rater.COACH.value)

_TABLES = ("outcomes_episodesessions", "outcomes_episodesessionmonth", "outcomes_goalratings")


def refresh(episode_ids: Iterable[int]) -> None:
    """Recompute the summary of these episodes from their sessions and ratings."""
    ids = sorted(set(episode_ids))
    if not ids:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # In id order, so two refreshes of overlapping episodes cannot deadlock.
        cursor.execute(
            "SELECT id FROM cases_episode WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [ids]
        )
        for table in _TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE episode_id = ANY(%s)", [ids])  # noqa: S608 - our table names
        cursor.execute(_SESSIONS.format(where="AND s.episode_id = ANY(%s)"), [ids])
        cursor.execute(_MONTHS.format(where="AND s.episode_id = ANY(%s)"), [ids])
        cursor.execute(_GOALS.format(where="AND g.episode_id = ANY(%s)"), [ids])


def rebuild(using: str = DEFAULT_DB_ALIAS) -> None:
    """Recompute the whole summary from every session and rating."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        for table in _TABLES:
            # Refreshes wait for the rebuild, then recompute their episodes after it.
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our table names
        cursor.execute(_SESSIONS.format(where=""))
        cursor.execute(_MONTHS.format(where=""))
        cursor.execute(_GOALS.format(where=""))
