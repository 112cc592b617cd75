"""Fixtures of the service-wide suites (permission matrix, attacks)."""

from __future__ import annotations

import copy

import pytest

from tests.conftest import _SHARED, Cast
from tests.service.routes import People


@pytest.fixture(scope="module")
def _module_people(_module_cast: Cast, django_db_blocker) -> People:
    """The cast and a second Hackney team, built once in the module's shared transaction
    (tests/conftest.py `shared_cast`), with the second team's people signed in too."""
    with django_db_blocker.unblock():
        people = People.build(_module_cast)
        _SHARED.add([people.by_name[f"hackney-team2.{role}"] for role in ("coach", "supervisor")])
    return people


@pytest.fixture
def shared_people(shared_cast: Cast, _module_people: People) -> People:
    """This test's own copy of the module's people (its cast is `people.cast`)."""
    return copy.deepcopy(_module_people)
