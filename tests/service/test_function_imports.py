"""Imports sit at the top of a module; one inside a function says why it has to be there.

Layers import one way (import-linter, docs/architecture.md), so an import hidden in a function
is never needed to dodge a cycle between layers; what remains is a module that loads before
Django's apps (settings, the Celery app, apps' ready()), a task and the service that queues it,
or a development dependency loaded only when used. The reason is a comment on the import's
line or just above its group of imports.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import project_apps

ROOT = Path(__file__).resolve().parents[2]


def _sources() -> list[Path]:
    folders = {Path(app.path) for app in project_apps()} | {ROOT / "bench", ROOT / "scripts"}
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*.py")
        if "migrations" not in path.parts and ROOT / "tests" not in path.parents
    )


def unexplained_imports(path: Path) -> list[int]:
    lines = path.read_text().splitlines()
    found = []
    for function in ast.walk(ast.parse("\n".join(lines))):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for statements in _bodies(function):
            for i, node in enumerate(statements):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                start = i
                while start and isinstance(statements[start - 1], ast.Import | ast.ImportFrom):
                    start -= 1
                first = statements[start].lineno
                explained = "#" in lines[node.lineno - 1] or lines[first - 2].strip().startswith(
                    "#"
                )
                if not explained:
                    found.append(node.lineno)
    return found


def _bodies(function: ast.AST) -> list[list[ast.stmt]]:
    """Every statement list inside a function: its body and those of its ifs, withs, tries."""
    return [
        getattr(node, name)
        for node in ast.walk(function)
        for name in ("body", "orelse", "finalbody")
        if isinstance(getattr(node, name, None), list)
        and all(isinstance(s, ast.stmt) for s in getattr(node, name))
    ]


def test_every_import_inside_a_function_says_why():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources()
        for line in sorted(set(unexplained_imports(path)))
    ]
    assert offenders == [], f"Import at the top of the module, or say why not: {offenders}"


def test_the_check_sees_an_unexplained_import(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        "def f():\n    import json\n    return json\n\n"
        "def g():\n    # Loaded only when used.\n    import json\n    import csv\n"
        "    return json, csv\n"
    )
    assert unexplained_imports(module) == [2]
