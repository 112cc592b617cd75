"""Exact query counts that show their SQL when they are wrong.

A bound such as "at most 16" hides a new query until the bound is reached, and a bare count
says nothing about which query is new. `assert_database_query_count` wants the exact number
and, when it differs, lists every statement that ran, numbered, so the failure itself says
what changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def itemised(queries: list[dict[str, Any]]) -> str:
    return "\n".join(f"QUERY {n}: {query['sql']}" for n, query in enumerate(queries, start=1))


@contextmanager
def assert_database_query_count(count: int) -> Iterator[CaptureQueriesContext]:
    """The block runs exactly `count` queries; if not, the message lists them all."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    queries = captured.captured_queries
    assert len(queries) == count, (
        f"Expected {count} queries, ran {len(queries)}:\n{itemised(queries)}"
    )


def get_queries(client: Any, url: str) -> int:
    """The number of queries a second GET of `url` runs (the first warms per-process caches:
    content types, the session), with the page answered 200."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def assert_get_queries(client: Any, url: str, count: int) -> Any:
    """A second GET of `url` (the first warms caches) runs exactly `count` queries."""
    client.get(url)
    with assert_database_query_count(count):
        response = client.get(url)
    assert response.status_code == 200
    return response
