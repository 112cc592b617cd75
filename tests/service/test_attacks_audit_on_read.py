"""Audit on read, over every channel that returns a named record (docs/programme.md X2): every page,
API route and export that shows a young person's record to someone writes a read event naming
them, derived from the URL conf and the API router, so a new route is covered the day it is
added. Reads are written by ReadAuditMiddleware from what selectors and the API's scoped
viewset noted (yourchoice/audit/, yourchoice/api/)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sessions.models import SessionLog
from tests.conftest import referral, signed_in_client
from tests.service.routes import CASE, KINDS, Owner, People, RouteInfo, non_id_value, service_routes
from yourchoice.api.viewsets import ScopedViewSet
from yourchoice.api_urls import router
from yourchoice.audit.actions import READ_ACTIONS, AuditAction
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

#: Kinds of object whose routes show no named record, and why. Any other kind an id names
#: must be one of the young person's case records (reach CASE), and is tested below.
NOT_NAMED = {
    # Choosing whom to discuss: the team's coaches and a list of their cases by name only.
    "teams": "a team's page lists its cases by name, as a caseload does; no record is shown",
    "reports": "aggregate figures only, small numbers suppressed",
    "extracts": "pseudonymised rows for the evaluator, no names or references",
    "passkeys": "a person's own passkey: its name and dates, nothing about a young person",
    "people": "a member of staff's roles and sign-in; the cases left with a leaver are listed "
    "by name and reference to reallocate, as a caseload lists them, and each one opened is "
    "audited",
    "notifications": "a person's own notification: opening it leads to the record, whose page "
    "audits the read",
    "break-glass": "marking a use of break-glass reviewed: a POST, showing no record",
    # The file's own rows; a young person already recorded whom a row may be is shown by
    # reference, name and date of birth, and that page notes the read (tests/cases/
    # test_imports.py); the old-ids file lists references only, and every record imported has
    # its own event.
    "imports": "an import's check, progress and old ids: no recorded young person is shown",
}

#: Pages without an id that list young people by name, as choosers: the list is not the
#: record, and each record opened from it is audited. Anything else that shows a name fails.
NAME_LISTS = {
    "home": "a caseload: names, status and the next thing to do",
    "supervision:review": "a supervisor's list of cases by coach",
    "cases:retention-queue": "records due a retention decision, by reference and date",
    "cases:search": "search results: who matched, with what tells namesakes apart, to open one",
}


@pytest.fixture
def people(shared_people: People) -> People:
    """Built once for this module's many tests (tests/conftest.py `shared_cast`)."""
    return shared_people


def url_for(route: RouteInfo, ids: dict[str, int]) -> str:
    kwargs = {
        name: ids[name] if converter == "int" else non_id_value(route, name)
        for converter, name in route.kwargs
    }
    return reverse(route.name, kwargs=kwargs)


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def reads_since(start: int, *, actor, young_person_id: int) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            pk__gt=start,
            actor_id=actor.pk,
            young_person_id=young_person_id,
            action__in=READ_ACTIONS,
        )
    )


ID_ROUTES = [route for route in service_routes() if route.ids]


def test_every_kind_of_object_in_a_route_is_a_case_record_or_says_why_not():
    kinds = {segment for route in ID_ROUTES for segment in route.ids.values()}
    unexplained = sorted(k for k in kinds if k in KINDS and KINDS[k].reach != CASE)
    assert set(unexplained) <= set(NOT_NAMED), (
        f"Say in NOT_NAMED why these show no named record, or audit their reads: {unexplained}"
    )


CASE_ROUTES = [
    route
    for route in ID_ROUTES
    if all(segment in KINDS and segment not in NOT_NAMED for segment in route.ids.values())
]


def _not_taken_on(owner: Owner) -> None:
    owner.episode = referral(owner.place, age=9, consent=False)


#: Pages that show something only while the case is in one state: the owner's case is put in it.
CASE_STATES = {"cases:referral-reassess": _not_taken_on}


@pytest.mark.parametrize("route", CASE_ROUTES, ids=lambda route: route.name)
def test_every_get_that_shows_a_case_record_writes_a_read_event(people, route):
    owner = Owner(people.cast.hackney, people.cast.hackney.coach)
    if route.name in CASE_STATES:
        CASE_STATES[route.name](owner)
    ids = {name: owner.id_of(segment) for name, segment in route.ids.items()}
    young_person_id = owner.episode.young_person_id
    url = url_for(route, ids)
    viewset = getattr(route.callback, "cls", None)
    if viewset is not None and getattr(viewset, "young_person_path", "") is None:
        # An API route whose rows say nothing about any young person: and indeed they do not.
        body = signed_in_client(owner.coach).get(url).json()
        assert not {"episode", "young_person", "reference"} & set(body), route.name
        return
    shown = []
    for name in sorted(CASE):
        person = people.by_name[name]
        start = last_event_id()
        response = signed_in_client(person).get(url)
        if not 200 <= response.status_code < 300:
            continue  # refused, or a redirect: nothing shown
        shown.append(name)
        assert reads_since(start, actor=person, young_person_id=young_person_id), (
            f"{name} GET {route.name} answered {response.status_code} with no read event"
        )
    # A route nobody may GET (POST only) shows nothing; every other one was tested above.
    methods = getattr(route.callback, "actions", None) or {"get": "?"}
    assert shown or "get" not in methods or _post_only(route, url, owner), (
        f"Nobody could GET {route.name}: build an object they reach in routes.py"
    )


def _post_only(route: RouteInfo, url: str, owner: Owner) -> bool:
    return signed_in_client(owner.coach).get(url).status_code == 405


def _list_routes() -> list[tuple[str, type]]:
    return [(prefix, viewset) for prefix, viewset, _ in router.registry]


def _basename(prefix: str) -> str:
    return next(basename for p, _, basename in router.registry if p == prefix)


def test_every_api_list_is_a_scoped_viewset_or_shows_no_named_record():
    for prefix, viewset in _list_routes():
        assert issubclass(viewset, ScopedViewSet) or prefix in NOT_NAMED, (
            f"/api/v1/{prefix}/ returns rows without the scoped viewset's read audit"
        )


@pytest.mark.parametrize("prefix", [p for p, v in _list_routes() if issubclass(v, ScopedViewSet)])
def test_every_api_list_writes_one_read_event_per_young_person_naming_the_rows(people, prefix):
    viewset = dict(_list_routes())[prefix]
    assert issubclass(viewset, ScopedViewSet)  # the parameters are the scoped viewsets
    place = people.cast.hackney
    coach = place.coach
    owners = [Owner(place, coach), Owner(place, coach)]
    built = {o.episode.young_person_id: o.id_of(prefix) for o in owners}
    client = signed_in_client(coach)
    start = last_event_id()
    response = client.get(reverse(f"api:{_basename(prefix)}-list"))
    if viewset.young_person_path is None:
        # Rows that say nothing about any young person: and indeed they do not.
        rows = response.json()["results"]
        assert rows and not {"episode", "young_person", "reference"} & set(rows[0])
        return
    rows = [row["id"] for row in response.json()["results"]]
    assert set(built.values()) <= set(rows)
    events = AuditEvent.objects.filter(
        pk__gt=start, action=AuditAction.YOUNG_PERSON_API_READ, actor_id=coach.pk
    )
    by_young_person = {e.young_person_id: e for e in events}
    assert len(by_young_person) == len(events)  # one per young person, not one per row
    label = viewset.model._meta.label_lower
    for young_person_id, pk in built.items():
        event = by_young_person[young_person_id]
        assert pk in event.detail["records"][label]
        assert event.authority_id == place.authority.pk
        assert event.detail["route"] == f"api:{_basename(prefix)}-list"


def test_a_borough_lead_sees_api_reads_in_who_viewed_or_changed_this_record(people):
    place = people.cast.hackney
    owner = Owner(place, place.coach)
    session = owner.id_of("session-logs")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {_token(people, place.coach)}")
    assert client.get(reverse("api:session-log-detail", args=[session])).status_code == 200
    (event,) = AuditEvent.objects.filter(action=AuditAction.YOUNG_PERSON_API_READ)
    assert event.object_id == session and event.object_type == SessionLog._meta.label_lower
    trail = signed_in_client(place.lead).get(
        reverse("cases:audit", args=[owner.episode.young_person_id]) + "?kind=viewed"
    )
    assert "Read the record through the API" in trail.content.decode()
    assert place.coach.full_name in trail.content.decode()


def test_a_refused_or_missing_read_writes_no_read_event(people):
    place = people.cast.hackney
    owner = Owner(place, place.coach)
    session = owner.id_of("session-logs")
    start = last_event_id()
    stranger = signed_in_client(people.cast.southwark.coach)
    assert stranger.get(reverse("api:session-log-detail", args=[session])).status_code == 404
    assert stranger.get(reverse("sessions:detail", args=[session])).status_code == 404
    assert not AuditEvent.objects.filter(pk__gt=start, action__in=READ_ACTIONS).exists()


def _token(people, user) -> str:
    from accounts.tokens import api_token_issue

    return api_token_issue(actor=people.cast.admin, user=user, name="Case system")[1]


NO_ID_PAGES = [r for r in service_routes() if not r.ids and not r.is_api and not r.kwargs]


@pytest.mark.parametrize("route", NO_ID_PAGES, ids=lambda route: route.name)
def test_a_page_without_an_id_that_shows_a_name_audits_it_or_is_a_list_of_names(people, route):
    owner = Owner(people.cast.hackney, people.cast.hackney.coach)
    young_person = owner.episode.young_person
    for name in sorted(CASE):
        person = people.by_name[name]
        start = last_event_id()
        response = signed_in_client(person).get(reverse(route.name))
        body = response.content.decode(errors="replace")
        if young_person.family_name not in body or route.name in NAME_LISTS:
            continue
        assert reads_since(start, actor=person, young_person_id=young_person.pk), (
            f"{name} GET {route.name} shows a young person by name with no read event: audit "
            "the read, or add it to NAME_LISTS saying why it is only a list of names"
        )
