"""London's 12-month report phase by phase (bench/README.md, "London's report against its
floors"): the whole job (no PDF: it waits for its first download), London's own disclosure
check, the checks of the boroughs' reports it plans for, and the figures of London and every
borough. Each run in a transaction rolled back, so nothing is left behind; the last of
`--runs` is reported, after the first has warmed the caches.

    python -m bench phases [--runs 2]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from bench.common import answer, person
from bench.reports import _period
from outcomes.reports import indicators, linked, services


def _timed(times: dict[str, float], phase: Callable[[tuple], str], function: Callable) -> Callable:
    def timing(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            times[phase(args)] += time.perf_counter() - started

    return timing


def _run() -> dict[str, float]:
    times = dict.fromkeys(("report", "london_check", "planned_checks", "figures"), 0.0)
    check, compute_each = linked.check, indicators.compute_each
    linked.check = _timed(
        times,
        lambda args: "london_check" if args[0].place == linked.LONDON else "planned_checks",
        check,
    )
    indicators.compute_each = _timed(times, lambda args: "figures", compute_each)
    start, end = _period()
    try:
        with transaction.atomic():
            report, _ = services.report_request(
                actor=person("programme"), authority=None, start=start, end=end
            )
            started = time.perf_counter()
            services.report_generate(report.pk)
            times["report"] = time.perf_counter() - started
            transaction.set_rollback(True)
    finally:
        linked.check, indicators.compute_each = check, compute_each
    return {name: round(seconds, 3) for name, seconds in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench phases")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if not os.environ.get("MEDIA_ROOT"):  # bench.run gives one; alone, keep files apart
        settings.MEDIA_ROOT = str(Path(settings.BASE_DIR) / "var" / "bench" / "phases-media")
    runs = [_run() for _ in range(max(1, args.runs))]
    answer(runs[-1] | {"runs": len(runs)})
