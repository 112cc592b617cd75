"""Services and selectors hold the rules and the reads; forms are the pages' business.

A services.py or selectors.py that reaches a form library, itself or through any of our
modules it imports, ties every rule to how pages render (and loads crispy-forms into every
worker). This test reads the source (AST, no imports run) and follows our own modules' imports,
at module level and inside functions, printing the chain that leads to a form library.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The packages that are ours: imports of anything else end the search.
OURS = {
    path.parent.name
    for path in ROOT.glob("*/__init__.py")
    if path.parent.name not in {"tests", "node_modules", "build"}
}


def forms_library(module: str) -> bool:
    """Django's forms (django.forms, or an app's forms such as django.contrib.auth.forms) or
    crispy-forms and its GOV.UK templates."""
    if module.startswith("crispy_forms"):
        return True
    parts = module.split(".")
    return parts[0] == "django" and "forms" in parts


def source_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module an import statement in `path` loads, parent packages included."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                anchor = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            names.add(base)
            # `from django import forms`, `from yourchoice import concurrency`: submodules.
            names.update(f"{base}.{alias.name}" for alias in node.names)
    loaded: set[str] = set()
    for name in names:
        parts = name.split(".")
        loaded.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return loaded


def chain_to_forms(start: Path) -> list[str] | None:
    """The shortest chain of imports from `start` to a form library, if there is one."""
    first = module_name(start)
    paths = {first: [first]}
    queue = [start]
    while queue:
        path = queue.pop(0)
        here = paths[module_name(path)]
        for name in sorted(imported(path)):
            if forms_library(name):
                return [*here, name]
            if name.split(".")[0] not in OURS or name in paths:
                continue
            source = source_of(name)
            if source is None:  # a name imported from a module, not a module
                continue
            paths[name] = [*here, name]
            queue.append(source)
    return None


def rule_modules() -> list[Path]:
    found = []
    for package in sorted(OURS):
        for name in ("services.py", "selectors.py"):
            found += [p for p in (ROOT / package).rglob(name) if "migrations" not in p.parts]
    return sorted(found)


def test_the_scan_finds_every_app_s_services_and_selectors():
    found = {str(p.relative_to(ROOT)) for p in rule_modules()}
    assert {"cases/services.py", "sessions/services.py", "supervision/services.py"} <= found
    assert {"outcomes/selectors.py", "accounts/selectors.py"} <= found


def test_the_scan_sees_a_form_library_behind_one_of_our_modules():
    # yourchoice/web/forms.py renders through crispy-forms: a service importing it must be caught.
    assert chain_to_forms(ROOT / "yourchoice" / "web" / "forms.py") == [
        "yourchoice.web.forms",
        "crispy_forms_gds",
    ]


def test_no_service_or_selector_imports_a_form_library():
    offending = []
    for path in rule_modules():
        chain = chain_to_forms(path)
        if chain is not None:
            offending.append(f"{path.relative_to(ROOT)}: {' -> '.join(chain)}")
    assert not offending, "A form library reached from the rules:\n" + "\n".join(offending)
