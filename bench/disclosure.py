"""The disclosure check (docs/disclosure.md, "Time"): each report for the last twelve whole months
made through the real services, its check's own time read from what the report records.

Two orders, each in a transaction rolled back afterwards (nothing is left behind): every borough
first and then London (London's check against all 33 published), and London first (its check
plans for the 33 boroughs) with the boroughs after it (each checked against London and the
boroughs before it). `--runs N` repeats each order; the medians are reported.

    python -m bench disclosure [--runs 3] [--boroughs 33] [--dump DIR]

`--dump DIR` also pickles each check's inputs (the sheets), so the check can be timed alone.
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction

from accounts.models import Authority
from bench.common import answer, person
from bench.reports import _period
from outcomes.models import Report, ReportStatus
from outcomes.reports import linked, services


class _Rollback(Exception):
    pass


def _order(london_first: bool, boroughs: list[Authority], dump: Path | None, run: int) -> dict:
    start, end = _period()
    actor = person("programme")
    places: list[Authority | None] = list(boroughs)
    places = [None, *places] if london_first else [*places, None]
    checks: list[tuple[str, dict, float]] = []
    original = linked.check
    calls: list[tuple] = []

    def recording(*args, **kwargs):  # noqa: ANN002, ANN003 - linked.check's own arguments
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    if dump is not None:
        services.linked.check = recording
    try:
        with transaction.atomic():
            # Reports already made for the period (the reports step's London and Hackney)
            # would be checked against: each order starts from none, as its name says.
            Report.objects.filter(
                period_start=start, period_end=end, status=ReportStatus.READY
            ).update(status=ReportStatus.FAILED, failure_reason="Set aside by the benchmark.")
            for place in places:
                report, _ = services.report_request(
                    actor=actor, authority=place, start=start, end=end
                )
                started = time.perf_counter()
                report = services.report_generate(report.pk)
                whole = time.perf_counter() - started
                name = "london" if place is None else place.name
                checks.append((name, report.disclosure_check, whole))
                if dump is not None:
                    tag = f"{'london-first' if london_first else 'boroughs-first'}-{run}-{name}"
                    (dump / f"{tag}.pickle").write_bytes(pickle.dumps(calls[-1]))
            raise _Rollback
    except _Rollback:
        pass
    finally:
        services.linked.check = original
    london = next(c for name, c, _ in checks if name == "london")
    borough = [c["seconds"] for name, c, _ in checks if name != "london"]
    return {
        "london_seconds": london["seconds"],
        "london_report_seconds": next(w for name, _, w in checks if name == "london"),
        "london_counts_checked": london["counts_checked"],
        "london_cells_added": london["cells_added"],
        "london_unresolved": london["unresolved"],
        "london_programmes": london["programmes"],
        "london_integer_programmes": london["integer_programmes"],
        "borough_median_seconds": statistics.median(borough),
        "borough_max_seconds": max(borough),
        "borough_cells_added": sum(c["cells_added"] for name, c, _ in checks if name != "london"),
        "borough_unresolved": sum(c["unresolved"] for name, c, _ in checks if name != "london"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench disclosure")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--boroughs", type=int, default=0, help="0: every active authority")
    parser.add_argument("--dump", type=Path, default=None)
    parser.add_argument("--orders", default="boroughs-first,london-first")
    args = parser.parse_args()
    if not os.environ.get("MEDIA_ROOT"):  # bench.run gives one; alone, keep files apart
        settings.MEDIA_ROOT = str(Path(settings.BASE_DIR) / "var" / "bench" / "disclosure-media")
    boroughs = list(Authority.objects.filter(active=True).order_by("pk"))
    if args.boroughs:
        boroughs = boroughs[: args.boroughs]
    if args.dump is not None:
        args.dump.mkdir(parents=True, exist_ok=True)
    result: dict[str, object] = {}
    for order in args.orders.split(","):
        runs = [_order(order == "london-first", boroughs, args.dump, i) for i in range(args.runs)]
        result[order] = {key: statistics.median(r[key] for r in runs) for key in runs[0]} | {
            "runs": len(runs)
        }
    answer(result)
