"""Recompute the reports' summary (outcomes/summary.py) from every session and goal rating:
after rows were written round the services (a bulk load, a repair made by hand)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from outcomes import summary


class Command(BaseCommand):
    help = "Recompute the reports' per-episode summary from every session and goal rating."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        summary.rebuild()
        self.stdout.write(f"Summary rebuilt in {time.perf_counter() - started:.1f} s.")
