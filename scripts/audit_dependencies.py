"""`make audit`: known vulnerabilities in the installed Python dependencies.

Runs pip-audit on this virtualenv against PyPI's vulnerability data (`-s pypi`), skipping the
project itself (installed editable, not on PyPI). Exit status:

- 1 when any dependency has a known vulnerability that is not in IGNORED below. The fix is to
  raise that dependency's lower bound in pyproject.toml to a fixed release and reinstall.
- 0 otherwise, with a count of what was audited. PyPI answers per release; a dependency it
  gives no answer for (a release it does not list, or a network that lets through the package
  index but not PyPI's JSON API) is listed as NOT AUDITED. With AUDIT_REQUIRED=true that is a
  failure too: set it where PyPI's JSON API is reachable, so that a silent audit cannot pass.

Some mirrors answer only the project's page (`/pypi/<name>/json`), not a release's. That page's
`vulnerabilities` are those of the newest release, so for a dependency installed at exactly that
release they are its own: such dependencies are audited from it rather than left unchecked.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
TRUE = {"1", "true", "yes", "on"}

#: Vulnerability ids pip-audit is told to ignore, each with the reason it cannot be fixed yet.
#: Keep this empty unless there is no fixed release; remove an entry once there is.
IGNORED: dict[str, str] = {}


def _pip_audit() -> tuple[dict | None, str]:
    command = [
        str(VENV_BIN / "pip-audit"),
        "--local",
        "--skip-editable",
        "--vulnerability-service",
        "pypi",
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    for vuln_id in IGNORED:
        command += ["--ignore-vuln", vuln_id]
    result = subprocess.run(command, capture_output=True, text=True)
    try:
        return json.loads(result.stdout), result.stderr
    except json.JSONDecodeError:
        return None, (result.stderr or result.stdout).strip()


PROJECT_JSON = "https://pypi.org/pypi/{name}/json"


def _newest_release_vulns(name: str, version: str) -> list[dict] | None:
    """The known vulnerabilities of `name` at `version` from the project's PyPI page, when
    `version` is its newest release; None when that page cannot say (older release, no answer)."""
    try:
        with urllib.request.urlopen(PROJECT_JSON.format(name=name), timeout=15) as answer:  # noqa: S310 - a constant https URL
            page = json.load(answer)
    except (OSError, ValueError):
        return None
    if page.get("info", {}).get("version") != version:
        return None
    return [
        {"id": v.get("id", "?"), "fix_versions": v.get("fixed_in") or []}
        for v in page.get("vulnerabilities") or []
        if not v.get("withdrawn")
    ]


def _fill_from_project_pages(report: dict) -> None:
    """Audit what pip-audit could not from the project pages, in place."""
    unanswered = [
        d for d in report.get("dependencies", [])
        if d.get("skip_reason") and "editable" not in d["skip_reason"]
    ]  # fmt: skip
    for dependency in unanswered:  # pip-audit leaves out the version of what it skipped
        with contextlib.suppress(metadata.PackageNotFoundError):
            dependency.setdefault("version", metadata.version(dependency["name"]))
    unanswered = [d for d in unanswered if d.get("version")]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = pool.map(lambda d: _newest_release_vulns(d["name"], d["version"]), unanswered)
        for dependency, vulns in zip(unanswered, answers, strict=True):
            if vulns is not None:
                del dependency["skip_reason"]
                dependency["vulns"] = [v for v in vulns if v["id"] not in IGNORED]


def main() -> int:
    required = os.environ.get("AUDIT_REQUIRED", "").strip().lower() in TRUE
    report, errors = _pip_audit()
    if report is None:
        print(f"[audit] pip-audit could not run:\n{errors}")
        print("[audit] NOT AUDITED: no dependency was checked.")
        return 1 if required else 0
    _fill_from_project_pages(report)
    found, unanswered, audited = [], [], 0
    for dependency in report.get("dependencies", []):
        reason = dependency.get("skip_reason")
        if reason:
            if "editable" not in reason:  # the project itself
                unanswered.append(f"{dependency['name']} {dependency.get('version', '')}".strip())
            continue
        audited += 1
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            found.append(
                f"  {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})"
            )
    for vuln_id, why in IGNORED.items():
        print(f"[audit] Ignoring {vuln_id}: {why}")
    total = audited + len(unanswered)
    if found:
        print(f"[audit] Known vulnerabilities in {len(found)} place(s):")
        print("\n".join(found))
        print("[audit] Raise the lower bound in pyproject.toml to a fixed release and reinstall.")
    elif audited:
        print(f"[audit] {audited} of {total} dependencies audited: no known vulnerabilities.")
    if unanswered:
        shown = ", ".join(unanswered[:8]) + (", ..." if len(unanswered) > 8 else "")
        print(
            f"[audit] NOT AUDITED: {len(unanswered)} of {total} dependencies, as PyPI gave no "
            f"answer for their releases from this network ({shown})."
        )
    if found or (unanswered and required):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
