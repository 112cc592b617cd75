"""`manage.py archive_audit`: move audit events older than the online period to monthly
compressed files, then delete them through the path the database allows (docs/audit.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yourchoice.audit import archive as audit_archive


class Command(BaseCommand):
    help = "Archive audit events older than AUDIT_ONLINE_MONTHS (at least 24) to monthly files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--months",
            type=int,
            default=settings.AUDIT_ONLINE_MONTHS,
            help="Keep this many months online (at least 24).",
        )
        parser.add_argument(
            "--to", type=Path, default=None, help="Folder for the files (AUDIT_ARCHIVE_DIR)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be archived; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["months"] < 24:
            raise CommandError("Audit events stay online for at least 24 months.")
        months = audit_archive.archive_old_events(
            months=options["months"], directory=options["to"], dry_run=options["dry_run"]
        )
        if not months:
            self.stdout.write("Nothing to archive.")
        for month in months:
            where = f" to {month.path}" if month.path else " (dry run: nothing changed)"
            self.stdout.write(f"{month.starts_at:%B %Y}: {month.events} events{where}")
