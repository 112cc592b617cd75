"""Which code is running, and which database state it reads: a report names both (O4).

The code is named by its commit, found in this order:

1. the `YOURCHOICE_BUILD` environment variable (a deployment that knows what it shipped);
2. the `BUILD_ID` file beside manage.py, written when the Docker image is built
   (`docker build --build-arg YOURCHOICE_BUILD=$(git rev-parse HEAD) .`);
3. `git rev-parse HEAD` in a git checkout, noting uncommitted changes to tracked files;
4. otherwise "unknown", said plainly rather than guessed.

It is read once per process: a process runs the code it loaded when it started, whatever the
checkout holds later.

The database is named by its applied migrations: how many, a short fingerprint of the whole
list (two databases with the same fingerprint have the same migrations applied) and the latest
applied in each of the service's apps.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections

BUILD_ENV = "YOURCHOICE_BUILD"
BUILD_FILE = "BUILD_ID"
UNKNOWN = "unknown"
#: A build id longer than this is not an id: a commit is 40 characters, and a report stores
#: up to that many.
LONGEST_ID = 40


@dataclass(frozen=True)
class Build:
    commit: str  # a commit or build id, or UNKNOWN
    source: str  # where it was read, in plain English
    modified: bool = False  # a git checkout with uncommitted changes to tracked files

    @property
    def label(self) -> str:
        """In one line with no comma (a line of a CSV file's provenance)."""
        if self.commit == UNKNOWN:
            return (
                f"Your Choice {settings.VERSION} at commit unknown: no {BUILD_ENV} setting "
                f"or {BUILD_FILE} file or git checkout was found"
            )
        changes = " with uncommitted changes" if self.modified else ""
        return f"Your Choice {settings.VERSION} at commit {self.commit} ({self.source}{changes})"


def _clean(value: str) -> str | None:
    value = value.strip()
    if not value or len(value) > LONGEST_ID or any(c.isspace() for c in value):
        return None
    return value


def _git(*args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - a fixed command, no input from anyone
            [git, *args],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def read_build() -> Build:
    """The running code's commit, from the first source that has one (see the module's notes)."""
    from_env = _clean(os.environ.get(BUILD_ENV, ""))
    if from_env:
        return Build(from_env, f"{BUILD_ENV} setting")
    path = Path(settings.BASE_DIR) / BUILD_FILE
    try:
        from_file = _clean(path.read_text(encoding="utf-8"))
    except OSError:
        from_file = None
    if from_file:
        return Build(from_file, f"{BUILD_FILE} file written when the image was built")
    head = _git("rev-parse", "HEAD")
    commit = _clean(head) if head else None
    if commit:
        status = _git("status", "--porcelain", "--untracked-files=no")
        return Build(commit, "git checkout", modified=bool(status and status.strip()))
    return Build(UNKNOWN, "")


@functools.cache
def current() -> Build:
    """`read_build()`, once per process."""
    return read_build()


def migration_state(alias: str = "default") -> str:
    """The migrations applied to the database behind `alias`, in one line with no comma."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY applied, id")
        applied = cursor.fetchall()
    fingerprint = hashlib.sha256(
        "\n".join(f"{app}.{name}" for app, name in sorted(applied)).encode()
    ).hexdigest()[:12]
    latest = dict(applied)  # the last applied of each app wins
    root = Path(settings.BASE_DIR).resolve()
    ours = [
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == root and config.label in latest
    ]
    names = "; ".join(f"{label} {latest[label]}" for label in ours)
    return f"{len(applied)} migrations applied (fingerprint {fingerprint}); latest: {names}"
