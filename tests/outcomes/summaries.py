"""Comparing the reports' summary the services keep with what a rebuild gives."""

from __future__ import annotations

from django.db import connection

from outcomes import summary

#: Each table's columns, less a generated id, in a stable order.
TABLES = {
    "outcomes_episodesessions": "episode_id, attended, first_attended_on, last_attended_on",
    "outcomes_episodesessionmonth": "episode_id, month, sessions, attended, did_not_attend, "
    "cancelled_young_person, cancelled_coach, logged_on_time",
    "outcomes_goalratings": "goal_id, episode_id, ratings, first_score, first_rated_on, "
    "latest_score, latest_rated_on",
}


def snapshot() -> dict[str, list[tuple]]:
    rows = {}
    with connection.cursor() as cursor:
        for table, columns in TABLES.items():
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {columns}")  # noqa: S608
            rows[table] = cursor.fetchall()
    return rows


def kept_equals_rebuilt() -> dict[str, list[tuple]]:
    kept = snapshot()
    summary.rebuild()
    assert snapshot() == kept
    return kept
