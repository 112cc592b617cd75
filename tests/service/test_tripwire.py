"""The tripwire behind the visibility rule (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cases.models import Episode
from tests.conftest import project_apps
from tests.registries import case_data_models, scoped
from yourchoice import tripwire

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
#: Every model read through the visibility rule, from the registry (tests/registries.py).
CASE_MODELS = {model.__name__ for model in case_data_models() if scoped(model)}


def test_unscoped_query_from_a_view_module_trips(monkeypatch):
    """Code outside services and selectors that skips visible_to fails loudly."""
    namespace = {"__name__": "cases.views", "Episode": Episode}
    code = compile(
        "def leak():\n    return list(Episode.objects.all())\n",
        str(ROOT / "cases" / "views.py"),
        "exec",
    )
    exec(code, namespace)  # noqa: S102 - simulates a view module making an unscoped query
    with pytest.raises(tripwire.UnscopedCaseDataAccess, match="visible_to"):
        namespace["leak"]()


def test_a_scoped_query_from_a_view_module_is_allowed(cast):
    namespace = {"__name__": "cases.views", "Episode": Episode, "user": cast.hackney.coach}
    code = compile(
        "def ok():\n    return list(Episode.objects.visible_to(user))\n",
        str(ROOT / "cases" / "views.py"),
        "exec",
    )
    exec(code, namespace)  # noqa: S102
    assert namespace["ok"]() == []


def test_get_object_or_404_on_case_data_trips():
    namespace = {"__name__": "cases.views", "Episode": Episode}
    code = compile(
        "from django.shortcuts import get_object_or_404\n"
        "def leak():\n    return get_object_or_404(Episode, pk=1)\n",
        str(ROOT / "cases" / "views.py"),
        "exec",
    )
    exec(code, namespace)  # noqa: S102
    with pytest.raises(tripwire.UnscopedCaseDataAccess):
        namespace["leak"]()


#: Files allowed to name case managers directly, and why.
SPECIAL_CASES = {
    # Its expressions are subqueries correlated (OuterRef) to an episode queryset that the
    # caller has already scoped with visible_to; on their own they select nothing.
    "sessions/dose.py": "correlated subqueries of an already scoped queryset",
}


def _allowed_file(path: Path) -> bool:
    rel = path.relative_to(ROOT)
    return (
        str(rel) in SPECIAL_CASES
        or rel.stem in (*tripwire._ALLOWED_LAST_PARTS, "scoping", "tripwire")
        or "migrations" in rel.parts
        or "services" in rel.parts
        or "selectors" in rel.parts
    )


def test_no_module_outside_services_and_selectors_reaches_case_managers_directly():
    """A static check too, for code paths the tests never run."""
    offenders = []
    for app in project_apps():
        for path in Path(app.path).rglob("*.py"):
            if _allowed_file(path):
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in ("objects", "_default_manager", "_base_manager")
                    and isinstance(node.value, ast.Name)
                    and node.value.id in CASE_MODELS
                ):
                    parent_ok = False
                    # Model.objects.visible_to(...) is the one allowed way in.
                    for outer in ast.walk(tree):
                        if (
                            isinstance(outer, ast.Attribute)
                            and outer.value is node
                            and outer.attr == "visible_to"
                        ):
                            parent_ok = True
                    if not parent_ok:
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], f"Read case data through a selector or visible_to: {offenders}"
