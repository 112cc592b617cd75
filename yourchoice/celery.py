"""The Celery application. Schedules are defined in code (yourchoice/schedules.py)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yourchoice.settings")

# Every task claims its outbox job before it runs, so a job sent twice runs once (jobs/queue.py).
app = Celery("yourchoice", task_cls="yourchoice.jobs.queue:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The sweep of jobs that waited for the queue lives beside the outbox it empties.
app.autodiscover_tasks(["yourchoice.jobs"], related_name="queue")
