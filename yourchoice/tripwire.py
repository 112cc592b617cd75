"""A tripwire behind the visibility rule (docs/architecture.md).

Case data may be queried only (a) starting from `Model.objects.visible_to(user)`, or (b) from
services, selectors, the caseload's row builder (`caseload/rows.py`), migrations, demo-data
builders and tests, which check access themselves.
When the CASE_DATA_TRIPWIRE setting is on (development and tests), any other query of a case
model raises `UnscopedCaseDataAccess`, naming the file and line that made it. That catches a
view doing `get_object_or_404(Episode, ...)`, and a template walking an un-prefetched relation.

The check looks at the first stack frame that belongs to the project (skipping Django and other
libraries), so library code acting for an allowed module is allowed, and vice versa.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType

from django.conf import settings

_PROJECT_ROOT = str(Path(__file__).resolve().parent.parent) + "/"
_VENV = _PROJECT_ROOT + ".venv/"
_SKIPPED_MODULES = ("yourchoice.scoping", "yourchoice.tripwire")
_ALLOWED_LAST_PARTS = ("services", "selectors", "rows", "demo")
_ALLOWED_PARTS = ("migrations", "services", "selectors")


class UnscopedCaseDataAccess(RuntimeError):
    """Case data was queried without going through the visibility rule."""


def _allowed(module: str) -> bool:
    parts = module.split(".")
    if parts[0] in ("tests", "conftest", "bench"):
        return True
    if parts[-1] in _ALLOWED_LAST_PARTS:
        return True
    return any(part in _ALLOWED_PARTS for part in parts[:-1])


def check_caller(model: type) -> None:
    if not settings.CASE_DATA_TRIPWIRE:
        return
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        module = frame.f_globals.get("__name__", "")
        if (
            filename.startswith(_PROJECT_ROOT)
            and not filename.startswith(_VENV)
            and module not in _SKIPPED_MODULES
        ):
            if _allowed(module):
                return
            raise UnscopedCaseDataAccess(
                f"{model.__name__} was queried in {module} (line {frame.f_lineno}) without "
                f"`{model.__name__}.objects.visible_to(user)`. Read case data through a "
                "selector, and write it through a service."
            )
        frame = frame.f_back
    # No project code on the stack (a library acting on its own): nothing to judge.
