"""Authorisation lives in one place: accounts/access.py.

Shipped code asks the policy a question (`access.has_perm`, `access.can`, `@access.requires`, or
a named scope such as `access.supervised_team_ids`) and never which role someone holds. A role
tested anywhere else is a second policy that the permission matrix cannot see, and that the
next change to a role would miss. These tests read the source and list each offending line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Not shipped code, or not ours: never read.
SKIPPED_DIRS = {".git", ".venv", "node_modules", "build", "tests", "migrations", "__pycache__"}

#: The only files that may name a role, and why.
ALLOWED = {
    # The policy itself: the one mapping from roles to permissions and places.
    "accounts/access.py": "the access policy",
    # Where the roles are defined, with the database constraint on the place each is held in
    # (a team, an authority or none) and the administrator role given to a superuser. It is
    # data the policy reads; the policy imports it, so it cannot ask the policy.
    "accounts/models.py": "the roles' definition and the membership constraints",
    # Prints how many coaches the benchmark figures were measured with, over a bare database
    # connection (no Django, so no policy to ask); it decides nothing about access.
    "bench/run.py": "a count for the benchmark report",
}

ROLE_VALUES = "coach|supervisor|borough_lead|programme_lead|evaluator|administrator"

#: What asking which role someone holds looks like, in Python (and the SQL inside it).
PYTHON_CHECKS = [
    # The role enum: Role.COACH in roles(user), filter(role=Role.SUPERVISOR), ...
    re.compile(r"\bRole\."),
    # Comparing a membership's or a grant's role: m.role == ..., g.role in (...).
    re.compile(r"\brole\s*(==|!=|\bin\b|\bnot\s+in\b)"),
    # A role's value standing for the role in a check or a filter: role="coach",
    # memberships__role__in=["coach"], x.role == 'supervisor', SQL's m.role = 'coach'.
    re.compile(rf"\brole(__in)?\s*(=|==|!=)\s*[\[(]?\s*[\"']({ROLE_VALUES})[\"']"),
    re.compile(rf"(==|!=)\s*[\"']({ROLE_VALUES})[\"']"),
    # "coach" in roles(user), "evaluator" not in held_roles, ...
    re.compile(rf"[\"']({ROLE_VALUES})[\"']\s+(not\s+)?in\s+[\w.]*roles\b"),
]

#: The same in templates: {% if Role.EVALUATOR in roles %}, {% if m.role == "coach" %}.
TEMPLATE_CHECKS = [
    re.compile(r"\bRole\."),
    re.compile(r"\bin\s+roles\b"),
    re.compile(r"\brole\s*(==|!=)"),
    re.compile(rf"(==|!=)\s*[\"']({ROLE_VALUES})[\"']"),
]


def shipped_files(root: Path, suffix: str) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith(".")]
        found += [Path(dirpath) / f for f in filenames if f.endswith(suffix)]
    return sorted(found)


def role_checks(root: Path) -> list[str]:
    """Each line outside the allowed files that asks which role someone holds."""
    offending = []
    for suffix, checks in ((".py", PYTHON_CHECKS), (".html", TEMPLATE_CHECKS)):
        for path in shipped_files(root, suffix):
            name = path.relative_to(root).as_posix()
            if name in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if any(check.search(line) for check in checks):
                    offending.append(f"{name}:{number}: {line.strip()}")
    return offending


def permission_calls_in_views(root: Path) -> list[str]:
    """Views declare the permission they need (@access.requires); `access.require(...)` in a
    view's body is the old way. Object-level checks (`access.require_on`) stay in the body."""
    call = re.compile(r"\baccess\.require\(")
    offending = []
    for path in shipped_files(root, "views.py"):
        name = path.relative_to(root).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if call.search(line):
                offending.append(f"{name}:{number}: {line.strip()}")
    return offending


def test_no_role_is_tested_outside_the_policy() -> None:
    offending = role_checks(ROOT)
    assert not offending, (
        "Ask accounts/access.py (has_perm, can, or a named scope) instead of testing a role:\n"
        + "\n".join(offending)
    )


def test_views_declare_the_permission_they_need() -> None:
    offending = permission_calls_in_views(ROOT)
    assert not offending, (
        "Declare the permission with @access.requires(Perm...) under @login_required:\n"
        + "\n".join(offending)
    )


def test_the_allowed_files_exist() -> None:
    """An allowance for a file that moved or went would quietly let its successor through."""
    assert [name for name in ALLOWED if not (ROOT / name).is_file()] == []


def test_the_checks_recognise_a_role_test() -> None:
    """The patterns catch each way of asking a role seen in this codebase before the policy
    took them over, and leave alone the words that only name a field."""
    caught = [
        "if Role.COACH in access.roles(user):",
        'Membership.objects.filter(role="coach", team=team)',
        "User.objects.filter(memberships__role=Role.SUPERVISOR)",
        "if grant.role == supervisor:",
        "WHERE m.role = 'coach' AND t.authority_id = ANY(%(authorities)s)",
        'if "evaluator" in held_roles:',
    ]
    ignored = [
        'raise DomainError({"coach": ["The case is already allocated to this coach."]})',
        '("membership" if k in ("coach", "team") else k)',
        '.select_related("young_person", "coach")',
        '("coach", "Amira Okafor", "coach", "hackney-east"),',
    ]
    assert [line for line in caught if not any(c.search(line) for c in PYTHON_CHECKS)] == []
    assert [line for line in ignored if any(c.search(line) for c in PYTHON_CHECKS)] == []
    assert any(c.search("{% if Role.EVALUATOR in roles %}") for c in TEMPLATE_CHECKS)
