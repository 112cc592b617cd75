"""`make audit` (scripts/audit_dependencies.py) reads pip-audit's report: a known vulnerability
fails the build, and a dependency PyPI gave no answer for is never counted as audited."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "audit_dependencies.py"


@pytest.fixture
def audit(monkeypatch):
    spec = importlib.util.spec_from_file_location("audit_dependencies", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def offline(url: str, timeout: float) -> None:
        raise OSError("no network in these tests")

    monkeypatch.setattr(module.urllib.request, "urlopen", offline)
    return module


def report(*dependencies: dict) -> dict:
    project = {"name": "yourchoice", "skip_reason": "distribution marked as editable"}
    return {"dependencies": [project, *dependencies], "fixes": []}


CLEAN = {"name": "django", "version": "5.2.19", "vulns": []}
UNANSWERED = {"name": "celery", "skip_reason": "Dependency not found on PyPI: celery (5.5.3)"}
VULNERABLE = {
    "name": "django",
    "version": "5.2.1",
    "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"], "aliases": []}],
}


def test_a_known_vulnerability_fails_and_names_the_fixed_release(audit, monkeypatch, capsys):
    monkeypatch.setattr(audit, "_pip_audit", lambda: (report(VULNERABLE), ""))
    assert audit.main() == 1
    said = capsys.readouterr().out
    assert "django 5.2.1: PYSEC-2025-1 (fixed in 5.2.2)" in said


def test_clean_dependencies_pass_and_unanswered_ones_are_reported_not_counted(
    audit, monkeypatch, capsys
):
    monkeypatch.delenv("AUDIT_REQUIRED", raising=False)
    monkeypatch.setattr(audit, "_pip_audit", lambda: (report(CLEAN, UNANSWERED), ""))
    assert audit.main() == 0
    said = capsys.readouterr().out
    assert "1 of 2 dependencies audited: no known vulnerabilities" in said
    assert "NOT AUDITED: 1 of 2 dependencies" in said and "celery" in said
    assert "yourchoice" not in said  # the project itself is not on PyPI

    monkeypatch.setenv("AUDIT_REQUIRED", "true")
    assert audit.main() == 1


def test_when_pip_audit_cannot_run_nothing_is_claimed(audit, monkeypatch, capsys):
    monkeypatch.setattr(audit, "_pip_audit", lambda: (None, "ConnectionError"))
    monkeypatch.delenv("AUDIT_REQUIRED", raising=False)
    assert audit.main() == 0
    assert "NOT AUDITED: no dependency was checked" in capsys.readouterr().out
    monkeypatch.setenv("AUDIT_REQUIRED", "yes")
    assert audit.main() == 1


def test_a_dependency_at_its_newest_release_is_audited_from_the_project_page(
    audit, monkeypatch, capsys
):
    """Where PyPI answers only the project's page, its vulnerabilities (those of the newest
    release) count for a dependency installed at that release, and only for it."""
    pages = {
        "celery": {"info": {"version": "5.5.3"}, "vulnerabilities": []},
        "redis": {
            "info": {"version": "6.0.0"},
            "vulnerabilities": [
                {"id": "GHSA-new", "fixed_in": ["6.0.1"], "withdrawn": None},
                {"id": "GHSA-old", "fixed_in": [], "withdrawn": "2026-01-01"},
            ],
        },
        "kombu": {"info": {"version": "9.9.9"}, "vulnerabilities": []},  # newer than installed
    }
    installed = {"celery": "5.5.3", "redis": "6.0.0", "kombu": "5.5.0"}

    class Page:
        def __init__(self, name: str) -> None:
            self.body = json.dumps(pages[name]).encode()

        def __enter__(self):
            return io.BytesIO(self.body)

        def __exit__(self, *exc: object) -> None:
            return None

    monkeypatch.setattr(
        audit.urllib.request, "urlopen", lambda url, timeout: Page(url.split("/")[-2])
    )
    monkeypatch.setattr(audit.metadata, "version", lambda name: installed[name])
    skipped = [
        {"name": name, "skip_reason": f"Dependency not found on PyPI: {name}"} for name in installed
    ]
    monkeypatch.setattr(audit, "_pip_audit", lambda: (report(*skipped), ""))
    monkeypatch.delenv("AUDIT_REQUIRED", raising=False)
    assert audit.main() == 1
    said = capsys.readouterr().out
    assert "redis 6.0.0: GHSA-new (fixed in 6.0.1)" in said and "GHSA-old" not in said
    assert "NOT AUDITED: 1 of 3 dependencies" in said and "kombu 5.5.0" in said
