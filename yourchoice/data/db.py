"""Where queries run: the primary, or a read replica for reports and extracts.

Reports and extracts read a great deal and write nothing while they compute, so with
DATABASE_REPLICA_URL set they run on the replica and leave the primary to coaches logging
sessions. Everything else, and every write, stays on the primary. A replica a few seconds
behind only moves a report's data cut-off, which the report states.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
_reporting: ContextVar[bool] = ContextVar("reporting", default=False)


def reporting_alias() -> str:
    """The database reports and extracts read from."""
    return REPLICA if settings.REPORTS_ON_REPLICA else DEFAULT_DB_ALIAS


@contextmanager
def reporting() -> Iterator[str]:
    """Within the block, ORM reads go to the reporting database; yields its alias for raw SQL."""
    token = _reporting.set(True)
    try:
        yield reporting_alias()
    finally:
        _reporting.reset(token)


class ReplicaRouter:
    """Reads inside `reporting()` go to the replica when there is one; all else to the primary."""

    def db_for_read(self, model: type, **hints: object) -> str | None:
        return reporting_alias() if _reporting.get() else None

    def db_for_write(self, model: type, **hints: object) -> str | None:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: object, obj2: object, **hints: object) -> bool:
        return True  # the replica holds the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool:
        return db == DEFAULT_DB_ALIAS
