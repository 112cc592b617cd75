"""A report names the exact code that made it (the commit) and the database's migration state,
not a version number that never changes."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from outcomes.reports import services
from tests.conftest import allocated_case
from yourchoice import build

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def no_setting(monkeypatch):
    monkeypatch.delenv(build.BUILD_ENV, raising=False)


def git(*args: str) -> str:
    git = shutil.which("git")
    assert git is not None, "these tests run in a git checkout"
    return subprocess.run(
        [git, *args], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    ).stdout


def test_the_setting_names_the_build_first(monkeypatch, tmp_path, settings):
    settings.BASE_DIR = tmp_path
    (tmp_path / build.BUILD_FILE).write_text("from-the-file\n")
    monkeypatch.setenv(build.BUILD_ENV, "  3f2a9c1d0e  ")
    found = build.read_build()
    assert found.commit == "3f2a9c1d0e" and "YOURCHOICE_BUILD" in found.label


def test_then_the_file_the_image_build_wrote(no_setting, tmp_path, settings):
    settings.BASE_DIR = tmp_path
    (tmp_path / build.BUILD_FILE).write_text("9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c\n")
    found = build.read_build()
    assert found.commit == "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c"
    assert "BUILD_ID file" in found.label and not found.modified


def test_then_the_git_checkout_with_its_uncommitted_changes(no_setting):
    found = build.read_build()
    assert found.commit == git("rev-parse", "HEAD").strip()
    assert found.modified == bool(git("status", "--porcelain", "--untracked-files=no").strip())
    assert "git checkout" in found.label


def test_otherwise_it_says_it_does_not_know(monkeypatch, no_setting, tmp_path, settings):
    settings.BASE_DIR = tmp_path  # no setting, no file, no checkout
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    found = build.read_build()
    assert found.commit == build.UNKNOWN
    assert "commit unknown" in found.label and "," not in found.label


def test_a_setting_that_is_not_an_id_is_not_used(monkeypatch, tmp_path, settings):
    settings.BASE_DIR = tmp_path
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.setenv(build.BUILD_ENV, "two words")
    assert build.read_build().commit == build.UNKNOWN


def applied_migrations() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        return cursor.fetchall()


def test_the_migration_state_counts_fingerprints_and_names_the_latest():
    applied = applied_migrations()
    fingerprint = hashlib.sha256(
        "\n".join(f"{app}.{name}" for app, name in sorted(applied)).encode()
    ).hexdigest()[:12]
    state = build.migration_state()
    assert state.startswith(f"{len(applied)} migrations applied (fingerprint {fingerprint})")
    latest_cases = max(name for app, name in applied if app == "cases")
    assert f"cases {latest_cases}" in state
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('cases', '9999_next', now())"
        )
    after = build.migration_state()
    assert after != state and "cases 9999_next" in after


def test_a_report_names_the_commit_and_the_database_that_made_it(cast, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    allocated_case(cast.hackney)
    report, _ = services.report_request(
        actor=cast.programme_lead,
        authority=cast.hackney.authority,
        start=TODAY - timedelta(days=30),
        end=TODAY,
    )
    report = services.report_generate(report.pk)
    commit = build.current().commit
    assert report.software_version == commit[:40] != settings.VERSION
    name = report.files.get(format="csv").file.name
    assert name is not None
    lines = (Path(settings.MEDIA_ROOT) / name).read_text(encoding="utf-8-sig").splitlines()
    provenance = {
        row[0].split(": ", 1)[0]: row[0].split(": ", 1)[1]
        for row in csv.reader(io.StringIO("\n".join(line for line in lines if line[:2] == "# ")))
    }
    assert f"commit {commit}" in provenance["# Software"]
    assert provenance["# Database"] == build.migration_state()
    name = report.files.get(format="html").file.name
    assert name is not None
    html = (Path(settings.MEDIA_ROOT) / name).read_text()
    assert f"commit {commit}" in html and build.migration_state() in html
