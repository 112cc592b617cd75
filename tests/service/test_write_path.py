"""Every write page goes through one path: `yourchoice.web.forms.form_page`.

It answers 400 for what a service refused (DomainError, shown on the form), 409 for a save
refused because someone else changed the record first (StaleVersion, showing what changed),
and 503 when the database went (keeping what was typed). A view that catches those errors
itself, or answers 400 or 409 on its own, is a second loop that handles some of them
differently. This test reads every views.py module and lists each offending line.
"""

from __future__ import annotations

import ast
import inspect
import os
from pathlib import Path

from yourchoice.data import errors

ROOT = Path(__file__).resolve().parents[2]

#: Not shipped code, or not ours: never read.
SKIPPED_DIRS = {".git", ".venv", "node_modules", "build", "tests", "migrations", "__pycache__"}

#: The service errors that only form_page catches: DomainError and every kind of it.
DOMAIN_ERRORS = {
    name
    for name, value in vars(errors).items()
    if inspect.isclass(value) and issubclass(value, errors.DomainError)
}

#: Status codes only form_page answers with, and the names that spell them.
REFUSED_STATUSES = {400, 409}
REFUSED_NAMES = {"BAD_REQUEST", "CONFLICT", "HttpResponseBadRequest"}

#: Views that may answer 400 themselves, and why.
ALLOWED = {
    # Signing in checks a password or an authenticator code, not a service's rules, and calls
    # no service that can refuse. A database outage there must show the Try again page, which
    # never writes a password or a code back into the page (yourchoice/web/unavailable.py).
    ("accounts/views.py", "sign_in"): "a password check",
    ("accounts/views.py", "code"): "an authenticator code check",
    ("accounts/views.py", "set_up"): "an authenticator code check",
    # The passkey ceremonies answer the page's script in JSON, not a form: a refused passkey
    # is a 400 with the reason for the script to show (static/js/passkeys.mjs).
    ("accounts/views.py", "passkey_sign_in"): "a passkey check, answered in JSON",
    ("accounts/views.py", "passkey_add"): "a new passkey checked, answered in JSON",
    # Taking the phone back after the young person's turn checks the coach's password or
    # passkey, as signing in does; the passkey answers its script in JSON.
    ("accounts/views.py", "unlock"): "a password check",
    ("accounts/views.py", "unlock_passkey_options"): "a passkey ceremony, answered in JSON",
    ("accounts/views.py", "unlock_passkey"): "a passkey check, answered in JSON",
    # Council sign-in's first page looks the council up from the email's domain: it writes
    # nothing and calls no service, and an address whose council has none is said on it.
    ("accounts/council/views.py", "council_sign_in"): "a council looked up by email domain",
    # Handing the phone over is one button on the young person's page, not a form: a refusal
    # (the case is not allocated or active) is said on that page.
    ("outcomes/views.py", "turn_start"): "a button on the young person's page",
}


def _views_modules() -> list[Path]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        found.extend(Path(folder) / f for f in files if f == "views.py")
    return sorted(found)


def _caught(handler: ast.ExceptHandler) -> set[str]:
    """The error names an `except` clause catches: `except X`, `except (X, Y)`, `except m.X`."""
    if handler.type is None:
        return set()
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    names = set()
    for node in types:
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


class _Finder(ast.NodeVisitor):
    def __init__(self, relative: str, lines: list[str]) -> None:
        self.relative = relative
        self.lines = lines
        self.function: list[str] = []
        self.found: list[str] = []

    def _note(self, node: ast.expr | ast.excepthandler, why: str) -> None:
        top = self.function[0] if self.function else ""
        if (self.relative, top) in ALLOWED:
            return
        line = node.lineno
        self.found.append(f"{self.relative}:{line}: {why}: {self.lines[line - 1].strip()}")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.function.append(node.name)
        self.generic_visit(node)
        self.function.pop()

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        caught = _caught(node) & DOMAIN_ERRORS
        if caught:
            self._note(node, f"catches {', '.join(sorted(caught))}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if type(node.value) is int and node.value in REFUSED_STATUSES:
            self._note(node, f"answers {node.value}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in REFUSED_NAMES:
            self._note(node, f"answers {node.attr}")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in REFUSED_NAMES:
            self._note(node, f"answers {node.id}")


def _offences(path: Path) -> list[str]:
    source = path.read_text()
    finder = _Finder(path.relative_to(ROOT).as_posix(), source.splitlines())
    finder.visit(ast.parse(source))
    return finder.found


def test_the_scan_reads_the_views_it_must():
    modules = {p.relative_to(ROOT).as_posix() for p in _views_modules()}
    assert {"sessions/views.py", "supervision/views.py", "cases/views.py"} <= modules
    assert {"DomainError", "StaleVersion", "AgeToConfirm"} <= DOMAIN_ERRORS


def test_the_scan_finds_a_hand_rolled_write_loop(tmp_path):
    """What it looks for, shown on a view written the old way."""
    source = (
        "def edit(request):\n"
        "    try:\n"
        "        save()\n"
        "    except (StaleVersion, errors.DomainError):\n"
        "        status = 409\n"
        "    return render(request, 'x.html', status=400 if form.errors else 200)\n"
    )
    finder = _Finder("x/views.py", source.splitlines())
    finder.visit(ast.parse(source))
    assert [line.split(": ")[0] for line in finder.found] == [
        "x/views.py:4",
        "x/views.py:5",
        "x/views.py:6",
    ]


def test_every_write_view_goes_through_form_page():
    found = [line for path in _views_modules() for line in _offences(path)]
    assert not found, (
        "Write views go through yourchoice.web.forms.form_page, which answers 400, 409 and 503 "
        "(extend it if a page needs something it lacks):\n" + "\n".join(found)
    )
