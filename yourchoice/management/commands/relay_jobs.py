"""`manage.py relay_jobs`: move background jobs from the outbox to the queue (Redis), at once
when one is committed (yourchoice/jobs/queue.py, docs/faults.md). Safe to run more than one."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from yourchoice.jobs import queue


class Command(BaseCommand):
    help = "Send committed background jobs from the outbox to the queue until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--poll",
            type=float,
            default=settings.OUTBOX_RELAY_POLL_SECONDS,
            help="Seconds between rounds when no job wakes the relay (OUTBOX_RELAY_POLL_SECONDS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        # SIGTERM (docker compose stop, make run's Ctrl-C) ends the round in hand, then exits.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"Relaying jobs from the outbox (every {options['poll']:g} s at most).")
        queue.relay(poll=options["poll"], stop=stop)
        self.stdout.write("Relay stopped.")
