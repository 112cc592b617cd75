"""Enqueueing background work so that a broken queue never breaks a coach's save.

Tasks are sent after the transaction commits. If Redis is unreachable the record is already
saved; the failure is logged (ids only) and the caller is told, so the page can say what is
delayed instead of failing.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def send_after_commit(task: Task, *args: Any) -> None:
    def send() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except Exception:  # noqa: BLE001 - any broker failure must not undo the user's work
            logger.warning("Could not queue %s for %s; it will need to be re-sent", task.name, args)

    transaction.on_commit(send)
