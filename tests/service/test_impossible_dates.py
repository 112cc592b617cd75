"""Impossible dates are refused wherever a person can enter one, page or API, by the service's
date rules (yourchoice/data/dates.py): a 4xx, a plain message on the field, and nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.tokens import api_token_issue
from cases.models import YoungPerson
from tests.cases.test_intake_pages import referral_data
from tests.conftest import Cast, allocated_case, logged_session, referral, signed_in_client
from tests.service.test_attacks import case_rows
from yourchoice.data import dates

pytestmark = pytest.mark.django_db

#: The first and last days of the calendar: both real dates, neither possible here.
FIRST_DAY = "0001-01-01"
LAST_DAY = "9999-12-31"
IMPOSSIBLE = [FIRST_DAY, LAST_DAY]


def _value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, (list, tuple)):
        return [str(getattr(v, "pk", v)) for v in value]
    if value is None:
        return ""
    return str(getattr(value, "pk", value))


def form_data(response: Any) -> dict[str, Any]:
    """What the page's form would send back untouched, as the browser would post it."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value not in (None, "", []) and value is not False:
            data[form.add_prefix(name)] = _value(value)
    return data


@dataclass(frozen=True)
class Page:
    """A form page with a date: who uses it, where, what else the form needs, and the field the
    message belongs to (the date's own field)."""

    name: str
    user: str  # an attribute of cast.hackney
    url: Callable[[Cast], str]
    field: str
    fields: Callable[[Cast], dict[str, Any]] = lambda cast: {}


def _yp(cast: Cast) -> int:
    return allocated_case(cast.hackney).young_person_id


def _not_taken_on(cast: Cast) -> int:
    return referral(cast.hackney, age=9).young_person_id


def _flag(cast: Cast) -> int:
    from cases import services

    return services.flag_raise(
        actor=cast.hackney.coach,
        episode=allocated_case(cast.hackney),
        category="other",
        level="low",
        summary="A worry",
        review_on=timezone.localdate() + timedelta(days=7),
    ).pk


def _session(cast: Cast) -> int:
    return logged_session(allocated_case(cast.hackney)).pk


def _supervision(cast: Cast) -> int:
    from supervision import services

    allocated_case(cast.hackney)
    return services.supervision_record(
        actor=cast.hackney.supervisor,
        team=cast.hackney.team,
        data=services.SupervisionInput(
            held_on=timezone.localdate(), format="individual", coaches={cast.hackney.coach.pk: ""}
        ),
    ).pk


def _referral_fields(cast: Cast) -> dict[str, Any]:
    return referral_data(cast)


def _supervision_fields(cast: Cast) -> dict[str, Any]:
    return {"format": "individual", "coaches": [str(cast.hackney.coach.pk)]}


def _action_fields(cast: Cast) -> dict[str, Any]:
    return {
        **_supervision_fields(cast),
        "held_on": timezone.localdate().isoformat(),
        "action_1_description": "Call school",
        "action_1_owner": str(cast.hackney.coach.pk),
    }


def _cover_fields(cast: Cast) -> dict[str, Any]:
    from accounts.models import Membership

    absent = Membership.objects.get(user=cast.hackney.coach, team=cast.hackney.team)
    return {"absent": str(absent.pk), "covering_coach": str(cast.hackney.coach2.pk)}


def _context(cast: Cast) -> Any:
    """A context the coach recorded from one of her young people."""
    import uuid

    from cases.contexts import services as context_services

    return context_services.context_create(
        actor=cast.hackney.coach,
        young_person=allocated_case(cast.hackney).young_person,
        idempotency_key=uuid.uuid4(),
        kind="place",
        name="The estate",
        description="",
        authorities=(),
        reason="Seen there",
        known_from=timezone.localdate(),
    )


SCALES = {"emotional": "1", "conduct": "1", "hyperactivity": "1", "peer": "1", "prosocial": "1"}

PAGES = [
    Page(
        "referral date of birth",
        "lead",
        lambda cast: reverse("cases:referral-new"),
        "date_of_birth",
        _referral_fields,
    ),
    Page(
        "referral received",
        "lead",
        lambda cast: reverse("cases:referral-new"),
        "received_on",
        _referral_fields,
    ),
    Page(
        "referral panel",
        "lead",
        lambda cast: reverse("cases:referral-new"),
        "panel_date",
        _referral_fields,
    ),
    Page(
        "details date of birth",
        "lead",
        lambda cast: reverse("cases:profile-edit", args=[_yp(cast)]),
        "date_of_birth",
    ),
    Page(
        "re-assessed date of birth",
        "lead",
        lambda cast: reverse("cases:referral-reassess", args=[_not_taken_on(cast)]),
        "date_of_birth",
    ),
    Page(
        "flag review date",
        "coach",
        lambda cast: reverse("cases:flag-new", args=[_yp(cast)]),
        "review_on",
        lambda cast: {"category": "other", "level": "low", "summary": "A worry"},
    ),
    Page(
        "flag next review",
        "coach",
        lambda cast: reverse("cases:flag-review", args=[_flag(cast)]),
        "review_on",
    ),
    Page(
        "budget spent on",
        "coach",
        lambda cast: reverse("cases:budget", args=[_yp(cast)]),
        "spent_on",
        lambda cast: {
            "description": "Gym",
            "amount": "10",
            "approved_by": str(cast.hackney.supervisor.pk),
        },
    ),
    Page(
        "retention kept until",
        "lead",
        lambda cast: reverse("cases:retention-extend", args=[_not_taken_on(cast)]),
        "keep_until",
        lambda cast: {"reason": "A court case"},
    ),
    Page(
        "session date",
        "coach",
        lambda cast: reverse("sessions:log", args=[_yp(cast)]),
        "occurred_on",
        lambda cast: {"attendance": "did_not_attend", "occurred_time": "16:00"},
    ),
    Page(
        "session corrected",
        "coach",
        lambda cast: reverse("sessions:correct", args=[_session(cast)]),
        "occurred_on",
        lambda cast: {"version": "1", "attendance": "did_not_attend", "occurred_time": "16:00"},
    ),
    Page(
        "goal agreed",
        "coach",
        lambda cast: reverse("outcomes:goal-new", args=[_yp(cast)]),
        "agreed_on",
        lambda cast: {"description": "Stay in school", "first_score": "3"},
    ),
    Page(
        "SDQ completed",
        "coach",
        lambda cast: reverse("outcomes:sdq-record", args=[_yp(cast), "scales"]),
        "completed_on",
        lambda cast: {"occasion": "baseline", **SCALES},
    ),
    Page(
        "supervision held",
        "supervisor",
        lambda cast: reverse("supervision:new", args=[cast.hackney.team.pk]),
        "held_on",
        _supervision_fields,
    ),
    Page(
        "supervision action due",
        "supervisor",
        lambda cast: reverse("supervision:new", args=[cast.hackney.team.pk]),
        "action_1_due_on",
        _action_fields,
    ),
    Page(
        "report start",
        "lead",
        lambda cast: reverse("outcomes:reports"),
        "start",
        lambda cast: {"period": "dates", "end": timezone.localdate().isoformat()},
    ),
    Page(
        "report end",
        "lead",
        lambda cast: reverse("outcomes:reports"),
        "end",
        lambda cast: {
            "period": "dates",
            "start": (timezone.localdate() - timedelta(days=7)).isoformat(),
        },
    ),
    Page(
        "supervision corrected",
        "supervisor",
        lambda cast: reverse("supervision:edit", args=[_supervision(cast)]),
        "held_on",
    ),
    Page(
        "cover first day",
        "lead",
        lambda cast: reverse("people:cover"),
        "starts_on",
        lambda cast: {**_cover_fields(cast), "ends_on": timezone.localdate().isoformat()},
    ),
    Page(
        "cover last day",
        "lead",
        lambda cast: reverse("people:cover"),
        "ends_on",
        lambda cast: {**_cover_fields(cast), "starts_on": timezone.localdate().isoformat()},
    ),
    Page(
        "context linked since",
        "coach",
        lambda cast: reverse("cases:context-link", args=[_yp(cast)]),
        "known_from",
        lambda cast: {"context": str(_context(cast).context_id), "reason": "Seen there"},
    ),
    Page(
        "new context linked since",
        "coach",
        lambda cast: reverse("cases:context-new", args=[_yp(cast)]),
        "known_from",
        lambda cast: {"kind": "place", "name": "The station", "reason": "Seen there"},
    ),
    Page(
        "context link ended",
        "coach",
        lambda cast: reverse("cases:context-link-end", args=[_context(cast).pk]),
        "ended_on",
        lambda cast: {"end_reason": "Moved away"},
    ),
]


@pytest.mark.parametrize("day", IMPOSSIBLE)
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_form_page_refuses_an_impossible_date_on_its_field(cast, page, day):
    client = signed_in_client(getattr(cast.hackney, page.user))
    url = page.url(cast)
    shown = client.get(url)
    assert shown.status_code == 200
    data = {**form_data(shown), **page.fields(cast), page.field: day}
    before = case_rows()
    response = client.post(url, data)
    assert response.status_code == 400, f"{page.name} {day}: {response.status_code}"
    errors = response.context["form"].errors
    assert page.field in errors, f"{page.name} {day}: {errors}"
    assert all(m.endswith(".") and "Enter a real date" not in m for m in errors[page.field])
    assert case_rows() == before


@dataclass(frozen=True)
class Api:
    name: str
    user: str
    url: Callable[[Cast], str]
    body: Callable[[Cast, str], dict[str, Any]]
    field: str


def _episode(cast: Cast) -> int:
    return allocated_case(cast.hackney).pk


def _goal(cast: Cast) -> int:
    from outcomes import services

    return services.goal_set(
        actor=cast.hackney.coach,
        episode=allocated_case(cast.hackney),
        description="Stay in school",
        agreed_on=timezone.localdate(),
        first_score=2,
    ).pk


APIS = [
    Api(
        "flag review date",
        "coach",
        lambda cast: reverse("api:flag-list"),
        lambda cast, day: {
            "episode": _episode(cast),
            "category": "other",
            "level": "low",
            "summary": "A worry",
            "review_on": day,
        },
        "review_on",
    ),
    Api(
        "goal agreed",
        "coach",
        lambda cast: reverse("api:goal-list"),
        lambda cast, day: {
            "episode": _episode(cast),
            "description": "Stay in school",
            "agreed_on": day,
            "first_score": 3,
        },
        "agreed_on",
    ),
    Api(
        "goal rated",
        "coach",
        lambda cast: reverse("api:goal-ratings", args=[_goal(cast)]),
        lambda cast, day: {"score": 4, "rated_on": day},
        "rated_on",
    ),
    Api(
        "SDQ completed",
        "coach",
        lambda cast: reverse("api:measure-list"),
        lambda cast, day: {
            "episode": _episode(cast),
            "occasion": "baseline",
            "completed_on": day,
            "scale_scores": {k: 1 for k in SCALES},
        },
        "completed_on",
    ),
    Api(
        "session date",
        "coach",
        lambda cast: reverse("api:session-log-list"),
        lambda cast, day: {
            "episode": _episode(cast),
            "idempotency_key": "6f1c8d0e-7a39-4c55-9e4b-3f1f3c2a9b10",
            "occurred_at": f"{day}T{'00:00' if day == FIRST_DAY else '23:59'}:00Z",
            "attendance": "did_not_attend",
        },
        "occurred_at",
    ),
    Api(
        "report start",
        "lead",
        lambda cast: reverse("api:report-list"),
        lambda cast, day: {
            "authority": cast.hackney.authority.pk,
            "period": "dates",
            "start": day,
            "end": timezone.localdate().isoformat(),
        },
        "start",
    ),
    Api(
        "report end",
        "lead",
        lambda cast: reverse("api:report-list"),
        lambda cast, day: {
            "authority": cast.hackney.authority.pk,
            "period": "dates",
            "start": (timezone.localdate() - timedelta(days=7)).isoformat(),
            "end": day,
        },
        "end",
    ),
    Api(
        "supervision held",
        "supervisor",
        lambda cast: reverse("api:supervision-record-list"),
        lambda cast, day: {
            "team": cast.hackney.team.pk,
            "held_on": day,
            "format": "individual",
            "coaches": [{"coach": cast.hackney.coach.pk}],
        },
        "held_on",
    ),
    Api(
        "supervision action due",
        "supervisor",
        lambda cast: reverse("api:supervision-record-list"),
        lambda cast, day: {
            "team": cast.hackney.team.pk,
            "held_on": timezone.localdate().isoformat(),
            "format": "individual",
            "coaches": [{"coach": cast.hackney.coach.pk}],
            "actions": [{"description": "Call", "owner": cast.hackney.coach.pk, "due_on": day}],
        },
        "actions.0.due_on",
    ),
]


@pytest.mark.parametrize("day", IMPOSSIBLE)
@pytest.mark.parametrize("api", APIS, ids=lambda api: api.name)
def test_every_api_route_refuses_an_impossible_date_on_its_field(cast, api, day):
    _, key = api_token_issue(
        actor=cast.admin, user=getattr(cast.hackney, api.user), name="Borough system"
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url, body = api.url(cast), api.body(cast, day)
    before = case_rows()
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400, f"{api.name} {day}: {response.content[:300]!r}"
    fields = response.json()["error"]["fields"]
    assert api.field in fields, f"{api.name} {day}: {fields}"
    assert case_rows() == before


def test_a_date_of_birth_that_makes_an_adult_of_25_at_referral_is_refused(cast):
    from cases import services

    received = timezone.localdate()
    with pytest.raises(services.DomainError) as refused:
        services.referral_create(
            actor=cast.hackney.lead,
            authority=cast.hackney.authority,
            details=services.YoungPersonDetails(
                given_name="Ada",
                family_name="Example",
                date_of_birth=received.replace(year=received.year - dates.OLDEST_AT_REFERRAL - 1),
            ),
            referrer_name="R",
            referrer_organisation="O",
            received_on=received,
            panel_date=received,
            risk_level="high",
            harms=["weapons"],
            consent_given=True,
        )
    assert "26 when referred" in refused.value.errors["date_of_birth"][0]


def test_retention_pages_survive_extreme_dates(cast, client_for):
    """A record saved before dates were checked (born in the year 9999) must not stop the
    retention queue or the decision pages: its retention date stops at the calendar's end."""
    episode = referral(cast.hackney, age=9)  # not taken on, so closed
    YoungPerson.objects.filter(pk=episode.young_person_id).update(date_of_birth=date(9999, 12, 31))
    client = client_for(cast.hackney.lead)
    for url in (
        reverse("cases:retention-queue"),
        reverse("cases:retention-extend", args=[episode.young_person_id]),
        reverse("cases:anonymise", args=[episode.young_person_id]),
        reverse("cases:young-person", args=[episode.young_person_id]),
    ):
        assert client.get(url).status_code == 200, url


def _form_dates(cast: Cast) -> set[tuple[str, str]]:
    """(route, field) of every date field on every form page the permission matrix lists,
    as the first role it lets in sees it."""
    from django import forms

    from tests.service.test_attacks_stored_text import FORM_PAGES, forms_in

    found = set()
    for route in FORM_PAGES:
        roles = [r for r, s in route.expected.items() if s == 200 and r != "anonymous"]
        if not roles:
            continue
        page = signed_in_client(cast.by_name(roles[0])).get(
            reverse(route.name, args=route.args(cast))
        )
        for form in forms_in(page) if page.status_code == 200 else []:
            for name, field in form.fields.items():
                if isinstance(field, forms.DateField | forms.DateTimeField):
                    found.add((route.name, name))
    return found


def test_every_date_field_on_a_form_page_is_in_the_list(cast):
    """A form page given a new date field fails here until the field is added to PAGES.
    Numbered copies of a field (action_1_due_on, action_2_due_on) are one field."""

    def one(field: str) -> str:
        return re.sub(r"_\d+_", "_n_", field)

    listed = {(resolve(page.url(cast)).view_name, one(page.field)) for page in PAGES}
    on_pages = {(route, one(field)) for route, field in _form_dates(cast)}
    assert on_pages, "the form pages must have dates to check"
    missing = sorted(on_pages - listed)
    assert missing == [], f"Add these date fields to PAGES: {missing}"


def _api_dates() -> set[tuple[str, str]]:
    """(path, field) of every date a request body of the API takes, from openapi.yaml (which
    tests/api/test_api.py::test_the_schema_file_matches_the_code keeps in step with the code).
    A date inside a list of objects is named "list.0.field", as the API's errors name it."""
    schema = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text())
    components = schema["components"]["schemas"]

    def properties(node: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in node:
            return properties(components[node["$ref"].split("/")[-1]])
        found: dict[str, Any] = {}
        for part in node.get("allOf", []):
            found.update(properties(part))
        found.update(node.get("properties", {}))
        return found

    def dates(node: dict[str, Any], prefix: str = "") -> set[str]:
        found = set()
        for name, value in properties(node).items():
            if value.get("readOnly"):
                continue
            if value.get("format") in ("date", "date-time"):
                found.add(prefix + name)
            elif value.get("type") == "array" and "$ref" in value.get("items", {}):
                found |= dates(value["items"], f"{prefix}{name}.0.")
        return found

    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method in ("post", "put", "patch") and body:
                found |= {(path, field) for field in dates(body["schema"])}
    return found


def test_every_date_the_api_takes_is_in_the_list(cast):
    """An API operation given a new date fails here until it is added to APIS."""
    templates = {path for path, _ in _api_dates()}
    listed = set()
    for api in APIS:
        url = api.url(cast)
        for template in templates:
            if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), url):
                listed.add((template, api.field))
    missing = sorted(_api_dates() - listed)
    assert _api_dates(), "the schema must have dates to check"
    assert missing == [], f"Add these dates to APIS: {missing}"
