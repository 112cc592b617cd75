"""`make bench`: seed each scale, measure, print one table, keep the numbers.

    python -m devtools.stack bench [--scales 1,10] [--seed 1] [--load-seconds 60]
                                     [--mixed-seconds 300] [--mixed-people 100] [--reuse]
                                     [--only pages,reports,logging,mixed,weight,imports]

Each scale gets its own database next to the service's (`<name>_bench_<scale>`), created,
migrated and seeded afresh (timed) unless --reuse finds it already seeded. Pages and reports are
measured at every scale; the load runs and the page weight (bench/weight.py) at the largest.
Every step runs in its own process, so each measures a fresh interpreter against one database.
--only runs some steps (seeding still happens). Results: bench/results/<time>-<commit>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from devtools import databases

BASE = Path(__file__).resolve().parent.parent
RESULTS = BASE / "bench" / "results"
PYTHON = sys.executable

#: The targets in bench/README.md, checked in the table.
PAGE_QUERIES, PAGE_RATIO = 15, 3.0
#: The whole programme's history imported (bench/imports.py): seconds to check and save, MB.
IMPORT_SECONDS, IMPORT_MB = 60, 300
LOGGING_RATIO = 0.5
REPORT_RATIO, REPORT_MB = 3.0, 300
#: London's report against its floors: reading its rows once, and an analyst's pandas route.
SCAN_RATIO, PANDAS_SPEEDUP = 1.5, 3.0
#: The session form with no signal, from the service worker: usable within a second (S6).
OFFLINE_FORM_TARGET_MS = 1000
#: Every step, in the order they run; --only picks some.
STEPS = ("pages", "reports", "logging", "mixed", "weight", "imports", "disclosure")
#: The disclosure check at the smallest scale (docs/disclosure.md, "Time"): London's, and a
#: borough's, for the last twelve months.
DISCLOSURE_LONDON_SECONDS, DISCLOSURE_BOROUGH_SECONDS = 1.0, 0.1


def _say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def _database_url(scale: int) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = parts.path.lstrip("/") or "yourchoice"
    return urlunsplit(parts._replace(path=f"/{name}_bench_{scale}"))


def _step(module: str, url: str, *args: str, settings: str = "bench.settings") -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": settings,
           "MEDIA_ROOT": str(_media(url))}  # fmt: skip
    done = subprocess.run(
        [PYTHON, "-m", "bench", module, *args],
        env=env,
        cwd=BASE,
        stdout=subprocess.PIPE,
        check=True,
    )
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def _media(url: str) -> Path:
    """Report files of one benchmark database, apart from the demo's and each other's."""
    return BASE / "var" / "bench" / "media" / urlsplit(url).path.lstrip("/")


def _manage(url: str, *args: str) -> None:
    # Seeding demo data needs DEBUG (it refuses otherwise: shared demo password).
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true",
           "DJANGO_SETTINGS_MODULE": "yourchoice.settings"}  # fmt: skip
    env.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456")
    subprocess.run([PYTHON, "manage.py", *args], env=env, cwd=BASE, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def _seeded(url: str, scale: int, seed: int) -> bool:
    name = databases.name_of(url)
    if not databases.exists(url):
        return False
    marker = BASE / "var" / "bench" / f"{name}.json"
    return marker.exists() and json.loads(marker.read_text()) == {"scale": scale, "seed": seed}


def _prepare(scale: int, seed: int, reuse: bool) -> tuple[str, float | None]:
    url = _database_url(scale)
    name = databases.name_of(url)
    if reuse and _seeded(url, scale, seed):
        _say(f"scale {scale}: reusing the seeded database {name}")
        return url, None
    with contextlib.closing(databases.admin_connection(url)) as admin, admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    _say(f"scale {scale}: migrating {name}")
    _manage(url, "migrate", "--noinput")
    _say(f"scale {scale}: seeding (seed {seed})")
    started = time.monotonic()
    _manage(url, "seed_demo", "--scale", str(scale), "--seed", str(seed))
    seconds = time.monotonic() - started
    marker = BASE / "var" / "bench" / f"{name}.json"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"scale": scale, "seed": seed}))
    return url, round(seconds, 1)


def _imports(url: str) -> dict:
    """The import step, on a copy of the seeded database made for it and dropped after, so
    what it imports never reaches another step's figures (nor a later --reuse)."""
    name = databases.name_of(url)
    copy = f"{name}_import"

    def admin(*statements: str) -> None:
        with contextlib.closing(databases.admin_connection(url)) as conn, conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    admin(
        f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)',
        f'CREATE DATABASE "{copy}" TEMPLATE "{name}"',
    )
    copy_url = urlunsplit(urlsplit(url)._replace(path=f"/{copy}"))
    try:
        return _step("imports", copy_url)
    finally:
        admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')


def _counts(url: str) -> dict[str, int]:
    conn = databases.connect(url)
    tables = {
        "young people": "cases_youngperson",
        "episodes": "cases_episode",
        "sessions": "coaching_sessionlog",
        "goal ratings": "outcomes_goalrating",
        "coaches": "accounts_membership WHERE role = 'coach'",
    }
    with conn, conn.cursor() as cursor:
        counts = {}
        for label, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constants above
            counts[label] = cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        counts["postgresql"] = cursor.fetchone()[0]
    conn.close()
    return counts


def _machine() -> dict[str, object]:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=BASE, capture_output=True, text=True)
        return done.stdout.strip()

    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )  # fmt: skip
    return {
        "commit": git("rev-parse", "--short", "HEAD")
        + ("-dirty" if git("status", "--porcelain") else ""),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "host": platform.node(),
    }


def _test_suite() -> dict[str, object] | None:
    """The last full `make test` on this checkout (devtools/stack.py writes it)."""
    timing = BASE / "var" / "test-results" / "timing.json"
    return json.loads(timing.read_text()) if timing.exists() else None


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _table(result: dict) -> str:
    scales = result["scales"]
    keys = [str(s) for s in scales]
    lines = [
        f"Your Choice benchmarks · commit {result['machine']['commit']} · "
        f"{result['machine']['cpus']} CPUs, {result['machine']['memory_gb']} GB · {result['when']}",
        "",
        "Data" + "".join(f" | scale {k:>9}" for k in keys),
    ]
    for label in ["young people", "episodes", "sessions", "goal ratings", "coaches"]:
        lines.append(
            f"  {label:<20}" + "".join(f" | {scales[k]['data'][label]:>15,}" for k in keys)
        )
    lines.append(
        "  seeding (s)         "
        + "".join(f" | {scales[k]['seed_seconds'] or 'reused':>15}" for k in keys)
    )
    largest = keys[-1]
    if "pages" in scales[keys[0]]:
        lines += _pages_table(scales, keys)
    if "reports" in scales[keys[0]]:
        lines += _reports_table(scales, keys)
    lines += _load_table(result.get("load") or {}, largest)
    if result.get("weight"):
        lines += _weight_table(result["weight"], largest)
    if result.get("imports"):
        lines += _imports_table(result["imports"])
    if result.get("disclosure"):
        lines += _disclosure_table(result["disclosure"])
    suite = result.get("test_suite")
    lines += [
        "",
        f"Test suite: {suite['seconds']:.0f} s for `make test` ({suite['summary']}, "
        f"{suite['finished_at']})"
        if suite
        else "Test suite: not timed yet (run `make test`)",
    ]
    return "\n".join(lines)


def _pages_table(scales: dict, keys: list[str]) -> list[str]:
    lines = ["", "Pages: queries, median ms, ratio to baseline page (target ≤ 15 queries, ≤ 3×)"]
    largest = keys[-1]
    for i, page in enumerate(scales[keys[0]]["pages"]["pages"]):
        cells = []
        for k in keys:
            p = scales[k]["pages"]["pages"][i]
            cells.append(f"{p['queries']:>3} q {p['median_ms']:>7.1f} ms {p['ratio']:>5.1f}×")
        big = scales[largest]["pages"]["pages"][i]
        small = scales[keys[0]]["pages"]["pages"][i]
        flat = big["queries"] == small["queries"]
        met = big["queries"] <= PAGE_QUERIES and big["ratio"] <= PAGE_RATIO
        verdict = "" if page["page"] == "Baseline page" else (
            f"{_mark(met)}{'' if flat else ', queries not flat'}"
        )  # fmt: skip
        lines.append(f"  {page['page']:<44}" + "".join(f" | {c}" for c in cells) + f" | {verdict}")
    return lines


def _reports_table(scales: dict, keys: list[str]) -> list[str]:
    largest = keys[-1]
    lines = [
        "",
        "Reports: seconds, bare SQL seconds, ratio, worker peak MB (target ≤ 3×, < 300 MB)",
    ]
    for i, report in enumerate(scales[keys[0]]["reports"]["reports"]):
        cells = []
        for k in keys:
            r = scales[k]["reports"]["reports"][i]
            cells.append(
                f"{r['seconds']:>6.2f} s {r['bare_sql_seconds']:>6.2f} s {r['ratio']:>5.1f}× "
                f"{r['worker_peak_mb']:>4} MB"
            )
        big = scales[largest]["reports"]["reports"][i]
        small = scales[keys[0]]["reports"]["reports"][i]
        growth = big["seconds"] / small["seconds"] if small["seconds"] else 0
        data_growth = scales[largest]["data"]["sessions"] / scales[keys[0]]["data"]["sessions"]
        met = (
            big["ratio"] <= REPORT_RATIO
            and big["worker_peak_mb"] < REPORT_MB
            and growth <= data_growth * 1.1
        )
        lines.append(
            f"  {report['report']:<24}" + "".join(f" | {c}" for c in cells)
            + f" | {_mark(met)} (time ×{growth:.1f} for data ×{data_growth:.1f})"
        )  # fmt: skip
    lines += [
        "",
        "London's report against its floors: report s (job; the PDF waits for its first download),",
        "  bare scan of its rows s, pandas export + compute s, first PDF s, worker peak MB",
        f"  (target ≤ {SCAN_RATIO} × the bare scan, ≥ {PANDAS_SPEEDUP} × faster than pandas, "
        f"< {REPORT_MB} MB)",
    ]
    for k in keys:
        r = next((x for x in scales[k]["reports"]["reports"] if "bare_scan_seconds" in x), None)
        if r is None:
            continue
        met = (
            r["scan_ratio"] <= SCAN_RATIO
            and r["pandas_speedup"] >= PANDAS_SPEEDUP
            and r["worker_peak_mb"] < REPORT_MB
        )
        lines.append(
            f"  scale {k:>3} | {r['seconds']:>6.2f} s | scan {r['bare_scan_seconds']:.2f} s "
            f"{r['scan_ratio']:.1f}× | pandas {r['pandas_export_seconds']:.2f} + "
            f"{r['pandas_compute_seconds']:.2f} s, report {r['pandas_speedup']:.1f}× faster"
            f"{'' if r['pandas_agrees'] else ' (FIGURES DIFFER)'}"
            f" | PDF {r['first_pdf_seconds']:.2f} s | {r['worker_peak_mb']} MB | {_mark(met)}"
        )
        if "rest_seconds" in r:
            # Where the time goes (judged above on the whole report, not on this).
            lines.append(
                f"            of which the disclosure check {r['check_seconds']:.2f} s and "
                f"planning the {r['planned']} borough reports it checks against "
                f"{r['planning_seconds']:.2f} s; the rest {r['rest_seconds']:.2f} s, "
                f"{r['rest_scan_ratio']:.1f}× the scan, {r['rest_pandas_speedup']:.1f}× faster "
                "than pandas"
            )
    return lines


def _disclosure_table(disclosure: dict) -> list[str]:
    lines = [
        "",
        f"Disclosure check: London 12 months, scale {disclosure['scale']}: the check's seconds "
        "(median of runs),",
        f"  counts checked, cells it hid (target London < {DISCLOSURE_LONDON_SECONDS:g} s, "
        f"a borough < {DISCLOSURE_BOROUGH_SECONDS:g} s)",
    ]
    for order in ("boroughs-first", "london-first"):
        d = disclosure.get(order)
        if d is None:
            continue
        met = (
            d["london_seconds"] < DISCLOSURE_LONDON_SECONDS
            and d["borough_median_seconds"] < DISCLOSURE_BOROUGH_SECONDS
        )
        lines.append(
            f"  {order:<15} | London {d['london_seconds']:>6.2f} s, {d['london_counts_checked']} "
            f"counts, {d['london_cells_added']} hidden | boroughs median "
            f"{d['borough_median_seconds']:.2f} s, slowest {d['borough_max_seconds']:.2f} s | "
            f"{_mark(met)}"
        )
    return lines


def _imports_table(imports: dict) -> list[str]:
    lines = [
        "",
        "Importing existing cases at scale 1: check s (the job, from the upload until the page "
        "shows what it found), save s (the job, from a worker taking it to its commit), total s,",
        f"  worker peak MB (target: the programme under {IMPORT_SECONDS} s, under "
        f"{IMPORT_MB} MB; the same file again creates nothing)",
    ]
    for row in imports["imports"]:
        met = (
            row["worker_peak_mb"] < IMPORT_MB
            and row["second_upload_refused"]
            and not (row["second_upload_created"])
        )
        if row["young_people"] >= 2000:
            met = met and row["total_seconds"] < IMPORT_SECONDS
        lines.append(
            f"  {row['import']:<36} | {row['records']:>7,} records, {row['sessions']:>6,} sessions,"
            f" {row['file_mb']:>4} MB | check {row['check_seconds']:>5.1f} s | save "
            f"{row['save_seconds']:>5.1f} s | {row['total_seconds']:>5.1f} s | "
            f"{row['worker_peak_mb']:>4} MB | {_mark(met)}"
        )
    return lines


def _load_table(load: dict, largest: str) -> list[str]:
    lines: list[str] = []
    log, m = load.get("logging"), load.get("mixed")
    if log:
        s, b = log["sessions"], log["baseline"]
        met = (
            log["ratio"] >= LOGGING_RATIO and s["errors"] == 0 and s["acknowledged"] == s["stored"]
        )
        lines += [
            "",
            f"Logging under load at scale {largest} "
            f"({s['people']} coaches, {s['seconds']:.0f} s each, gunicorn):",
            f"  baseline insert: {b['per_second']:.1f}/s, p95 {b['p95_ms']:.0f} ms, "
            f"{b['errors']} errors",
            f"  log a session:   {s['per_second']:.1f}/s, p95 {s['p95_ms']:.0f} ms, "
            f"{s['errors']} errors; acknowledged {s['acknowledged']}, stored {s['stored']}",
            f"  ratio {log['ratio']:.2f} of baseline (target ≥ {LOGGING_RATIO}) | {_mark(met)}",
        ]
    if m:
        ok = m["errors"] == 0 and m["acknowledged"] == m["stored"]
        lines += [
            "",
            f"Mixed load at scale {largest}: {m['people']} people for {m['seconds']:.0f} s "
            "(coaches, supervisors, borough leads with reports)",
            f"  {m['requests']} requests ({m['per_second']}/s), p95 {m['p95_ms']:.0f} ms, "
            f"{m['errors']} errors; sessions acknowledged {m['acknowledged']}, "
            f"stored {m['stored']} | {_mark(ok)}",
        ]
    return lines


def _weight_table(weight: dict, largest: str) -> list[str]:
    """Each page's kilobytes on the wire and time to the load event, for each measurement of
    bench/weight.py (cold, warm, and any added there); the target is on the cold first page."""
    c, target = weight["connection"], weight["target_first_page_kb"]
    names = weight["measurements"]
    lines = [
        "",
        f"Page weight at scale {largest}, production static files: Chromium at 390 px, "
        f"{c['latency_ms']} ms round trip, {c['download_kbit']} kbit/s down, "
        f"{c['upload_kbit']} kbit/s up",
        f"  KB on the wire, ms to the load event (median of {weight['rounds']}); offline: from "
        f"the service worker, usable within {OFFLINE_FORM_TARGET_MS} ms",
        f"  {'(target: first page, cold, ≤ ' + str(target) + ' KB)':<44}"
        + "".join(f" | {name:<17}" for name in names)
        + " |",
    ]
    for page in weight["pages"]:
        cells = [
            f"{page[n]['kb']:>5.1f} KB {page[n]['load_ms']:>5.0f} ms"
            if page.get(n)
            else f"{'not kept':<17}"
            for n in names
        ]
        kept = page.get("offline")
        met = page["cold"]["kb"] <= target and (
            kept is None or kept["dom_ms"] <= OFFLINE_FORM_TARGET_MS
        )
        row = "".join(f" | {cell}" for cell in cells)
        lines.append(f"  {page['page']:<44}{row} | {_mark(met)}")
    lines.append(f"  collectstatic before it: {weight['collectstatic_seconds']} s")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--mixed-seconds", type=float, default=300)
    parser.add_argument("--mixed-people", type=int, default=100)
    parser.add_argument("--load-people", type=int, default=16)
    parser.add_argument("--reuse", action="store_true", help="Keep databases already seeded.")
    parser.add_argument(
        "--only", default=",".join(STEPS), help=f"Steps to run, of {', '.join(STEPS)}."
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    if not only <= set(STEPS):
        parser.error(f"--only: no step {', '.join(sorted(only - set(STEPS)))}")
    scales = sorted(int(s) for s in args.scales.split(","))
    result: dict = {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": _machine(),
        "scales": {},
    }
    for scale in scales:
        url, seed_seconds = _prepare(scale, args.seed, args.reuse)
        measured: dict = {"seed_seconds": seed_seconds, "data": _counts(url)}
        for step in ("pages", "reports"):
            if step in only:
                _say(f"scale {scale}: {step}")
                measured[step] = _step(step, url)
        result["scales"][str(scale)] = measured
    url = _database_url(scales[-1])
    load: dict = {}
    if args.load_seconds and "logging" in only:
        _say(f"scale {scales[-1]}: logging under load")
        load.update(
            _step("load", url, "logging", "--seconds", str(args.load_seconds),
                  "--people", str(args.load_people))
        )  # fmt: skip
    if args.mixed_seconds and "mixed" in only:
        _say(f"scale {scales[-1]}: mixed load, {args.mixed_people} people")
        load.update(
            _step("load", url, "mixed", "--seconds", str(args.mixed_seconds),
                  "--people", str(args.mixed_people))
        )  # fmt: skip
    result["load"] = load
    if "weight" in only:
        _say(f"scale {scales[-1]}: page weight on a slow connection")
        result["weight"] = _step("weight", url)
    if "imports" in only:
        _say(f"scale {scales[0]}: importing a borough's and the programme's history")
        result["imports"] = _imports(_database_url(scales[0]))
    if "disclosure" in only:
        _say(f"scale {scales[0]}: the disclosure check, every borough and London, both orders")
        result["disclosure"] = {"scale": scales[0]} | _step("disclosure", _database_url(scales[0]))
    result["test_suite"] = _test_suite()
    table = _table(result)
    result["table"] = table.splitlines()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    path = RESULTS / f"{stamp}-{result['machine']['commit']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(table)
    print(f"\nWritten to {path.relative_to(BASE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
