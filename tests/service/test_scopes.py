"""Every query of case data runs in a scope, in every environment (yourchoice/scoping.py)."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from celery import shared_task
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.test import override_settings

from cases.models import Episode, YoungPerson
from sessions.models import SessionLog
from tests.conftest import allocated_case, logged_session, project_apps
from tests.registries import case_data_models, scoped
from yourchoice import scoping
from yourchoice.scoping import ScopeError, all_cases, cases_of

pytestmark = pytest.mark.django_db

#: Every model read through the visibility rule, from Django's registry.
SCOPED_MODELS = [model for model in case_data_models() if scoped(model)]


def outside_any_scope(work: Callable[[], Any]) -> Any:
    """Run `work` as code that entered no scope would: a shell, a thread, a forgotten script."""
    return contextvars.Context().run(work)


@override_settings(DEBUG=False)
@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_a_case_query_outside_a_scope_raises_with_debug_off(model):
    with pytest.raises(ScopeError, match=f"{model.__name__} was queried outside a scope"):
        outside_any_scope(lambda: list(model.objects.all()))


@override_settings(DEBUG=False)
def test_every_way_of_reaching_case_data_outside_a_scope_raises(cast):
    episode = allocated_case(cast.hackney)
    young_person = episode.young_person
    ways = {
        "get_object_or_404": lambda: get_object_or_404(Episode, pk=episode.pk),
        "count": lambda: Episode.objects.count(),
        "exists": lambda: YoungPerson.objects.filter(pk=young_person.pk).exists(),
        "a related manager": lambda: list(young_person.episodes.all()),
        "visible_to": lambda: list(Episode.objects.visible_to(cast.hackney.coach)),
        "an update": lambda: Episode.objects.filter(pk=episode.pk).update(version=9),
    }
    for name, way in ways.items():
        with pytest.raises(ScopeError):
            outside_any_scope(way)
            pytest.fail(f"{name} ran outside a scope")
    episode.refresh_from_db()
    assert episode.version != 9


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model.__name__)
def test_in_a_persons_scope_every_query_holds_only_what_they_may_see(cast, model):
    mine = allocated_case(cast.hackney)
    logged_session(mine, coach=cast.hackney.coach)
    theirs = allocated_case(cast.southwark)
    logged_session(theirs, coach=cast.southwark.coach)
    coach = cast.hackney.coach
    with all_cases("comparing with the rule"):
        expected = set(model.objects.visible_to(coach).values_list("pk", flat=True))
        everything = set(model.objects.values_list("pk", flat=True))
    with cases_of(coach):
        seen = set(model.objects.values_list("pk", flat=True))
    assert seen == expected
    if model in (Episode, YoungPerson, SessionLog):
        assert everything - seen, "the other borough's rows exist and are not seen"


def test_a_request_is_scoped_to_whoever_it_is_signed_in_as(cast):
    allocated_case(cast.hackney)
    request = HttpRequest()
    request.user = cast.southwark.coach
    with cases_of(request):
        assert Episode.objects.count() == 0
        request.user = cast.hackney.coach  # as DRF does once it has read the API token
        assert Episode.objects.count() == 1


def test_a_request_nobody_is_signed_in_to_reads_no_case_data():
    request = HttpRequest()
    request.user = AnonymousUser()
    with cases_of(request), pytest.raises(ScopeError, match="nobody is signed in"):
        Episode.objects.count()


def test_asking_for_another_persons_cases_never_reaches_beyond_the_readers_own(cast):
    """A coach's scope with a question about a coach in another borough sees nothing of it."""
    allocated_case(cast.southwark)
    with cases_of(cast.hackney.coach):
        assert list(Episode.objects.visible_to(cast.southwark.coach)) == []
    with cases_of(cast.southwark.supervisor):
        assert Episode.objects.visible_to(cast.southwark.coach).count() == 1


def test_the_all_cases_scope_says_why():
    with pytest.raises(ValueError, match="Say why"), all_cases(" "):
        pass
    assert "nightly report" in repr(scoping.AllCases("nightly report"))


@shared_task(name="tests.service.test_scopes.count_every_case")
def count_every_case() -> int:
    return Episode.objects.count()


def test_a_job_runs_in_the_all_cases_scope_whoever_queued_it(cast):
    allocated_case(cast.hackney)
    allocated_case(cast.southwark)
    with cases_of(cast.hackney.coach):
        assert count_every_case.apply().get() == 2
    assert outside_any_scope(lambda: count_every_case.apply().get()) == 2


def test_nothing_steps_around_the_scope():
    """No code reaches case data through the base manager or django-scopes' off switch."""
    pattern = re.compile(r"_base_manager|scopes_disabled|with_scopes_disabled")
    offenders = [
        f"{path}:{number}"
        for app in project_apps()
        for path in sorted(Path(app.path).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line) and path.name not in ("scoping.py", "test_scopes.py")
    ]
    assert offenders == []
