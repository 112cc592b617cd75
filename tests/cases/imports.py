"""Import files for tests: the generated template (devtools/import_workbook.py) for a place's
coaches, and an import of it checked and saved through the services, as the jobs do."""

from __future__ import annotations

import itertools
from typing import Any

from casework.imports import services
from casework.imports.models import ImportBatch
from devtools import import_workbook
from tests.conftest import Place


def sheets(
    place: Place, young_people: int = 3, sessions: int = 6, prefix: str = "", seed: int = 1
) -> dict[str, list[list[Any]]]:
    return import_workbook.rows(
        coaches=[place.coach.email, place.coach2.email],
        young_people=young_people,
        sessions_per_case=sessions,
        prefix=prefix,
        seed=seed,
    )


def workbook(place: Place, **kwargs: Any) -> bytes:
    return import_workbook.xlsx_bytes(sheets(place, **kwargs))


#: Each default file gets old ids of its own: a workbook's bytes carry the second it was
#: written, so two written in the same second would otherwise be one file, refused the second
#: time as already imported.
_files = itertools.count(1)


def uploaded(place: Place, data: bytes | None = None, name: str = "history.xlsx") -> ImportBatch:
    """A file uploaded and checked, as the check's job checks it."""
    if data is None:
        data = workbook(place, prefix=f"F{next(_files)}-")
    return checked(
        services.import_upload(actor=place.lead, authority=place.authority, files=[(name, data)])
    )


def checked(batch: ImportBatch) -> ImportBatch:
    """The batch once the check's job has run (casework.imports.tasks.check_import)."""
    services.import_check(batch.pk)
    batch.refresh_from_db()
    return batch


def saved_import(place: Place, data: bytes | None = None) -> ImportBatch:
    batch = uploaded(place, data)
    assert not batch.problems, batch.problems
    services.import_confirm(
        actor=place.lead, batch=batch, decisions={d["old_id"]: 0 for d in batch.duplicates}
    )
    saved = services.import_save(batch.pk)
    assert saved is not None
    return saved
