"""Attacks refused, each a test (docs/architecture.md), generic over the URL conf: a new route is
covered the day it is added, and a route these tests cannot cover fails them.

Covered elsewhere, and not repeated here:
- tests/service/test_permission_matrix.py: every route's answer for every role on one sample
  object. This module adds what the matrix does not: every route with an id, by GET and POST,
  for every stranger to the object (a second team as well as the other authority), ids mixed
  across two cases, and the rule that an id naming an unknown kind of object fails.
- tests/accounts/test_sign_in.py: lockout after SIGN_IN_FAILURE_LIMIT failures even with the
  right password; the same answer for an unknown email and a wrong password; the idle timeout.
- tests/api/test_fuzz.py: every API operation fuzzed from its schema (ids, filters, bodies).
- tests/service/test_deploy_check.py: `manage.py check --deploy` clean with .env.example.
- tests/service/test_attacks_stored_text.py: markup written into every stored-text field
  printed as text, never as markup, on every page with a form (GET and a refused POST); and
  tests/cases/test_subject_access.py::test_free_text_is_escaped_in_the_printable_page.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import typing
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.views import APIView

from accounts.tokens import api_token_issue
from tests.conftest import PASSWORD, Cast, allocated_case, signed_in_client
from tests.service.routes import (
    KINDS,
    NON_ID_VALUES,
    Owner,
    People,
    RouteInfo,
    non_id_value,
    service_routes,
)
from tests.service.test_deploy_check import ROOT, read_env_example
from tests.service.test_permission_matrix import MATRIX, Route

pytestmark = pytest.mark.django_db

MISSING_ID = 987_654_321
CASE_APPS = ("cases", "sessions", "outcomes", "supervision")


@pytest.fixture
def cast(shared_cast: Cast) -> Cast:
    """Built once for this module's many tests (tests/conftest.py)."""
    return shared_cast


@pytest.fixture
def people(shared_people: People) -> People:
    return shared_people


class Clients(dict):
    """One signed-in client per person, made when first asked for."""

    def __init__(self, people: People) -> None:
        super().__init__()
        self.people = people

    def __missing__(self, name: str) -> Client:
        self[name] = signed_in_client(self.people.by_name[name])
        return self[name]


def case_rows() -> dict[str, int]:
    """Rows in every case table, to show that a refused request wrote nothing."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model.__module__.split(".")[0] in CASE_APPS
    }


def all_rows() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.label != "sessions.Session" and not model._meta.proxy
    }


def url_for(route: RouteInfo, ids: dict[str, int]) -> str:
    kwargs = {
        name: ids[name] if converter == "int" else non_id_value(route, name)
        for converter, name in route.kwargs
    }
    return reverse(route.name, kwargs=kwargs)


def ask(client: Client, method: str, url: str, *, api: bool, **extra):
    if method == "get":
        return client.get(url, **extra)
    if api:
        return client.post(url, {}, content_type="application/json", **extra)
    return client.post(url, {}, **extra)


# --- Guessed ids: a stranger's id is answered as if nothing were there ----------------------

ID_ROUTES = [route for route in service_routes() if route.ids]


def test_every_id_in_every_route_names_a_kind_of_object_these_tests_can_build():
    unknown = sorted(
        f"{route.name}: <{name}> after '{segment}/'"
        for route in ID_ROUTES
        for name, segment in route.ids.items()
        if segment not in KINDS
    )
    assert unknown == [], (
        "Add these kinds of object to KINDS in tests/service/routes.py, saying who may reach "
        f"one: {unknown}"
    )
    # Ids are whole numbers: an id in a str, slug or path converter would dodge these tests.
    other = sorted(
        f"{route.name}: <{converter}:{name}>"
        for route in service_routes()
        for converter, name in route.kwargs
        if converter != "int"
        and name not in NON_ID_VALUES
        and name not in {"uidb64", "token"}  # the password reset link: not an id
    )
    assert other == [], f"Give these route parts a value in tests/service/routes.py: {other}"


#: Answers that may stand in for 404 when they are exactly the answer for made-up ids: refused
#: for the role or the method before any lookup (403, 405), or the page a person sees when the
#: record went away while she was editing it (409, or 302 back to the case). Either way the
#: answer says nothing about whether the other person's object exists.
SAME_AS_MISSING = (302, 403, 405, 409)


def _assert_refused_as_missing(client, method, route, ids, who):
    """404, or exactly the answer for made-up ids (see SAME_AS_MISSING): all of them made up,
    or any one of them (for ids mixed across two cases, either may be the one out of place)."""
    response = ask(client, method, url_for(route, ids), api=route.is_api)
    if response.status_code == 404:
        if route.is_api:
            assert response.json()["error"]["status"] == 404
        return
    variants = [set(ids)] + [{name} for name in ids] if len(ids) > 1 else [set(ids)]
    answers = []
    for made_up in variants:
        missing = ask(
            client,
            method,
            url_for(route, {k: MISSING_ID if k in made_up else v for k, v in ids.items()}),
            api=route.is_api,
        )
        answers.append((missing.status_code, missing.get("Location")))
    assert response.status_code in SAME_AS_MISSING and (
        (response.status_code, response.get("Location")) in answers
    ), (
        f"{who} {method.upper()} {route.name} with ids {ids}: {response.status_code}, "
        f"but {answers} for made-up ids"
    )


@pytest.mark.parametrize("route", ID_ROUTES, ids=lambda route: route.name)
def test_a_strangers_guessed_id_is_answered_as_if_nothing_were_there(people, route):
    kinds = {name: KINDS[segment] for name, segment in route.ids.items()}
    owner = Owner(people.cast.hackney, people.cast.hackney.coach)
    ids = {name: owner.id_of(segment) for name, segment in route.ids.items()}
    reach = frozenset.intersection(*(kind.reach for kind in kinds.values()))
    clients = Clients(people)

    # The ids are real: someone who may reach the object gets something other than 404.
    def reached(method: str) -> list[int]:
        return [
            ask(clients[name], method, url_for(route, ids), api=route.is_api).status_code
            for name in sorted(reach)
        ]

    answers = reached("get")
    if all(status == 405 for status in answers):
        answers = reached("post")
    assert any(status != 404 for status in answers), (
        f"Nobody reaches {route.name} with {ids}: build a reachable object in routes.py"
    )

    before = case_rows()
    strangers = sorted(set(people.by_name) - reach)
    for name in strangers:
        for method in ("get", "post"):
            _assert_refused_as_missing(clients[name], method, route, ids, name)
    assert case_rows() == before, f"a refused request to {route.name} wrote something"


#: Kinds that belong to the young person's record (supervision records, teams, reports and
#: extracts belong to a team or an authority and stay with them).
RECORD_KINDS = frozenset(
    {"young-people", "episodes", "contacts", "closure-requests", "flags", "goals", "sessions",
     "session-logs", "measures", "context-links"}
)  # fmt: skip
RECORD_ROUTES = [route for route in ID_ROUTES if set(route.ids.values()) <= RECORD_KINDS]


@pytest.mark.parametrize("route", RECORD_ROUTES, ids=lambda route: route.name)
def test_after_a_transfer_the_former_holders_are_strangers_to_every_route(people, route):
    """docs/access.md: whoever holds the current case holds the record. Once the case is
    transferred, its Hackney coach, supervisor and lead are answered as if it never existed,
    on every route that names a part of the record, whatever the receiving borough adds."""
    from cases import services
    from tests.cases.test_record_follows_current_case import close, re_referral

    hackney, southwark = people.cast.hackney, people.cast.southwark
    owner = Owner(hackney, hackney.coach)
    # Hackney worked with the young person before: the earlier case stays in Hackney.
    earlier = allocated_case(hackney, coach=hackney.coach)
    close(hackney, earlier)
    owner.episode = re_referral(hackney, earlier.young_person, hackney.coach)
    ids = {name: owner.id_of(segment) for name, segment in route.ids.items()}
    services.episode_transfer(
        actor=hackney.lead, episode=owner.episode, to_authority=southwark.authority
    )
    clients = Clients(people)
    before = case_rows()
    for name in ("hackney.coach", "hackney.supervisor", "hackney.lead"):
        for method in ("get", "post"):
            _assert_refused_as_missing(clients[name], method, route, ids, name)
    assert case_rows() == before, f"a refused request to {route.name} wrote something"
    answers = [
        ask(clients["southwark.lead"], method, url_for(route, ids), api=route.is_api).status_code
        for method in ("get", "post")
    ]
    assert any(status != 404 for status in answers), f"Southwark's lead cannot reach {route.name}"


MULTI_ID_ROUTES = [route for route in ID_ROUTES if len(route.ids) > 1]


@pytest.mark.parametrize("route", MULTI_ID_ROUTES, ids=lambda route: route.name)
def test_ids_mixed_across_cases_are_refused(people, route):
    """A coach's own young person with another case's contact (or the other way round): 404.
    Also for two of her own cases: a route's ids must belong together."""
    cast = people.cast
    theirs = Owner(cast.hackney, cast.hackney.coach)
    clients = Clients(people)
    mixes = [
        ("hackney.coach2", Owner(cast.hackney, cast.hackney.coach2), theirs),
        ("southwark.coach", Owner(cast.southwark, cast.southwark.coach), theirs),
        ("hackney.coach", Owner(cast.hackney, cast.hackney.coach), theirs),
    ]
    attempts = [
        (
            name,
            {
                kwarg: (other if kwarg == foreign else own).id_of(segment)
                for kwarg, segment in route.ids.items()
            },
        )
        for name, own, other in mixes
        for foreign in route.ids
    ]
    before = case_rows()
    for name, ids in attempts:
        for method in ("get", "post"):
            _assert_refused_as_missing(clients[name], method, route, ids, f"{name} (mixed)")
    assert case_rows() == before


# --- CSRF: every form post without a token is refused and writes nothing -------------------


def _posters(route: Route) -> list[str]:
    """The roles the permission matrix lets reach the route: people who could otherwise post."""
    reach = {200, 400} if route.method == "get" else {200, 302, 400}
    # An anonymous 302 is the way to the sign-in page: the view is never reached.
    return [
        role
        for role, status in route.expected.items()
        if status in reach and not (role == "anonymous" and status == 302)
    ]


def _with_token(client: Client) -> dict[str, Any]:
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return {"HTTP_X_CSRFTOKEN": token}


def test_no_view_is_exempt_from_csrf_checks():
    """Only the API's views are exempt from Django's check, because the API makes its own:
    a browser session must send the token (tested below); a bearer token needs none."""
    exempt = sorted(
        route.name
        for route in service_routes()
        if getattr(route.callback, "csrf_exempt", False)
        and not issubclass(getattr(route.callback, "cls", object), APIView)
    )
    assert exempt == []


@pytest.mark.parametrize("route", MATRIX, ids=lambda route: route.name)
def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(cast, route, caplog):
    posters = [
        role
        for role in _posters(route)
        if not (route.name.startswith("api:") and role == "anonymous")
    ]
    if not posters:
        pytest.skip("nobody reaches this route")
    url = reverse(route.name, args=route.args(cast))
    api = route.name.startswith("api:")
    # Signing in writes rows of its own (the device, the sign-in log): do it before counting.
    clients = {role: signed_in_client(cast.by_name(role)) for role in posters}
    before = all_rows()
    for role, client in clients.items():
        client.handler.enforce_csrf_checks = True
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
            response = ask(client, "post", url, api=api)
        assert response.status_code == 403, f"{role} POST {route.name} without a token"
        if response["Content-Type"].startswith("application/json"):
            assert "CSRF" in response.json()["error"]["message"]
        elif not api:
            assert any(r.name == "django.security.csrf" for r in caplog.records), (
                f"{role} POST {route.name}: refused, but not by the CSRF check"
            )
        # The API's schema and docs answer in their own formats: the control below shows
        # that their refusal was the check's.
    assert all_rows() == before, f"a POST to {route.name} without a token wrote something"
    # With the token, the same post passes the check (so the refusal above was the check's).
    role = posters[0]
    client = signed_in_client(cast.by_name(role))
    client.handler.enforce_csrf_checks = True
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = ask(client, "post", url, api=api, **_with_token(client))
    assert not any(r.name == "django.security.csrf" for r in caplog.records)
    if api:
        assert response.status_code != 403 or "CSRF" not in response.content.decode()
        assert response.status_code != 403 or response["Content-Type"].startswith(
            "application/json"
        ), f"{route.name}: refused with the token too"


def test_a_valid_session_form_without_the_token_writes_nothing(cast):
    """The control: the same valid post is saved with the token and refused without it."""
    from django.utils import timezone

    from sessions.models import SessionLog
    from tests.conftest import new_key

    episode = allocated_case(cast.hackney)
    url = reverse("sessions:log", args=[episode.young_person_id])
    data = {
        "idempotency_key": str(new_key()),
        "occurred_on": timezone.localdate().isoformat(),
        "occurred_time": "00:01",
        "attendance": "did_not_attend",
    }
    client = signed_in_client(cast.hackney.coach)
    client.handler.enforce_csrf_checks = True
    assert client.post(url, data).status_code == 403
    assert SessionLog.objects.count() == 0
    saved = client.post(url, data, **_with_token(client))
    assert saved.status_code == 302
    assert SessionLog.objects.count() == 1


# --- Security headers and a strict Content-Security-Policy on every page --------------------

REQUIRED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


class InlineCode(HTMLParser):
    """Finds what a strict policy blocks: inline scripts and styles, style and on* attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for attr, _ in attrs:
            if attr == "style" or attr.startswith("on"):
                self.found.append(f"<{tag} {attr}=...>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self._in = tag
        if tag in ("a", "form", "iframe") and (
            names.get("href") or names.get("action") or ""
        ).lstrip().lower().startswith("javascript:"):
            self.found.append(f"<{tag} javascript:>")

    def handle_data(self, data: str) -> None:
        if self._in and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        self._in = None


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def parse_csp(header: str) -> dict[str, str]:
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def assert_secure_headers(response, *, signed_in: bool, what: str) -> None:
    assert response["X-Content-Type-Options"] == "nosniff", what
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin"), what
    assert response["X-Frame-Options"] == "DENY", what
    assert "camera=()" in response["Permissions-Policy"], what
    csp = parse_csp(response["Content-Security-Policy"])
    for directive, value in REQUIRED_CSP.items():
        assert csp.get(directive) == value, f"{what}: {directive} is {csp.get(directive)!r}"
    for directive, value in csp.items():
        assert "unsafe-" not in value and "*" not in value and "http:" not in value, (
            f"{what}: {directive} {value}"
        )
    if signed_in:
        assert "no-store" in response["Cache-Control"], f"{what}: cacheable"


@pytest.mark.parametrize(
    "route", [r for r in MATRIX if r.method == "get"], ids=lambda route: route.name
)
def test_every_page_has_a_strict_policy_security_headers_and_no_inline_code(cast, route):
    url = reverse(route.name, args=route.args(cast))
    roles = [role for role, status in route.expected.items() if status == 200]
    for role in roles:
        for accept in ("text/html", "*/*"):
            response = signed_in_client(cast.by_name(role)).get(url, HTTP_ACCEPT=accept)
            what = f"{role} GET {route.name} ({accept})"
            assert response.status_code == 200, what
            assert_secure_headers(response, signed_in=role != "anonymous", what=what)
            content_type = response.get("Content-Type", "")
            if content_type.startswith("text/html"):
                assert inline_code(response.content.decode()) == [], what
                # API data is JSON only: no HTML rendering of records (no browsable API).
                assert route.name in ("api:docs",) or not route.name.startswith("api:"), what


def test_error_pages_carry_the_same_headers(cast, client_for):
    client = client_for(cast.hackney.coach)
    for response in (
        client.get("/no-such-page/"),
        client.get(reverse("cases:young-person", args=[MISSING_ID])),
        client.get(reverse("outcomes:reports")),  # 403 for a coach
    ):
        assert response.status_code in (403, 404)
        assert_secure_headers(response, signed_in=True, what=response.wsgi_request.path)
        assert inline_code(response.content.decode()) == []


def test_downloads_are_not_cached_and_not_sniffed(cast, client_for):
    from tests.service.routes import _report

    owner = Owner(cast.hackney, cast.hackney.coach)
    response = client_for(cast.hackney.lead).get(
        reverse("outcomes:report-download", args=[_report(owner), "csv"])
    )
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment")


# --- Session and CSRF cookies in production settings ----------------------------------------

COOKIE_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
]


@pytest.fixture(scope="module")
def production_settings() -> dict:
    """The settings a deployment from .env.example gets, read in a fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    env.update(read_env_example())
    env["DJANGO_SETTINGS_MODULE"] = "yourchoice.settings"
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {COOKIE_SETTINGS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_http_only_and_same_site(production_settings):
    s = production_settings
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_HTTPONLY"] and s["CSRF_COOKIE_HTTPONLY"]
    assert s["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert s["CSRF_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert s["SECURE_SSL_REDIRECT"] and s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    # Idle timeout: at most an hour, and the cookie ends with the browser.
    assert s["SESSION_COOKIE_AGE"] == int(read_env_example()["SESSION_IDLE_TIMEOUT_SECONDS"])
    assert s["SESSION_COOKIE_AGE"] <= 60 * 60 and s["SESSION_EXPIRE_AT_BROWSER_CLOSE"]


def test_the_cookies_sent_carry_those_flags(cast, production_settings):
    cookie_settings = {
        k: v
        for k, v in production_settings.items()
        if k.startswith(("SESSION_COOKIE", "CSRF_COOKIE"))
    }
    with override_settings(**cookie_settings):
        client = Client()
        page = client.get(reverse("accounts:sign-in"))
        csrf = page.cookies[settings.CSRF_COOKIE_NAME]
        signed = client.post(
            reverse("accounts:sign-in"),
            {"email": cast.hackney.coach.email, "password": PASSWORD},
            HTTP_X_CSRFTOKEN=csrf.value,
        )
        assert signed.status_code == 302
        session = signed.cookies[settings.SESSION_COOKIE_NAME]
    for cookie in (csrf, session):
        assert cookie["secure"] and cookie["httponly"], cookie.output()
        assert cookie["samesite"] in ("Lax", "Strict"), cookie.output()
    # A browser-session cookie: no lifetime of its own; the server ends it when idle.
    assert not session["max-age"] and not session["expires"]


def test_an_idle_session_is_signed_out(cast, client_for):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = client_for(cast.hackney.coach)
    assert client.get(reverse("home")).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:sign-in")
    )


# --- SQL-like and hostile input in every filter and query parameter -------------------------

HOSTILE = [
    "' OR 1=1 --",
    "1; DROP TABLE cases_episode; --",
    "1' UNION SELECT email, password FROM accounts_user --",
    '" OR ""="',
    "%' OR '%'='",
    "-1",
    "0",
    "99999999999999999999999",
    "1e999",
    "2026-02-30",
    "null",
    "ünïcödé 名前 \u202e\U0001f600",
    "\x00",
    "../../../etc/passwd",
    "x" * 5000,
]

#: Parameters the pages and the API are known to read; discovery below must find them all.
KNOWN_PARAMETERS = {
    "sort",
    "dir",
    "show",
    "coach",
    "status",
    "attendance",
    "since",
    "until",
    "page",
}


@pytest.fixture
def three_cases(cast):
    """One case each for the Hackney coach, her colleague, and a Southwark coach."""
    return {
        "mine": allocated_case(cast.hackney, given="Visiblemine"),
        "colleague": allocated_case(cast.hackney, coach=cast.hackney.coach2, given="Hiddenteam"),
        "southwark": allocated_case(cast.southwark, given="Hiddensouthwark"),
    }


def _read_parameters(client: Client, url: str, api: bool) -> set[str]:
    """The query parameters a page reads, found by watching its QueryDict."""
    read: set[str] = set()
    originals = {
        name: getattr(QueryDict, name) for name in ("get", "__getitem__", "getlist", "__contains__")
    }

    def spy(name):
        def wrapped(self, key, *args, **kwargs):
            read.add(key)
            return originals[name](self, key, *args, **kwargs)

        return wrapped

    try:
        for name in originals:
            setattr(QueryDict, name, spy(name))
        client.get(url)
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)
    return {key for key in read if isinstance(key, str) and not key.startswith(("csrf", "_"))}


GET_ROUTES = [
    route for route in MATRIX if route.method == "get" and not route.name.startswith("admin:")
]


def test_hostile_query_parameters_never_fail_and_never_widen_a_list(cast, three_cases):
    """Every parameter each page or API list reads, for each role that reaches it, set to each
    hostile value. A parameter a page never reads cannot change its answer, so only those read
    (found by watching the QueryDict) are tried; discovery must find every known one."""
    hidden = ("Hiddenteam", "Hiddensouthwark")
    probes = ["hackney.coach", "hackney.supervisor", "hackney.lead", "programme_lead", "evaluator"]
    clients = {role: signed_in_client(cast.by_name(role)) for role in probes}
    discovered: set[str] = set()
    for route in GET_ROUTES:
        url = reverse(route.name, args=route.args(cast))
        api = route.name.startswith("api:")
        # The first role that reaches the route, and the coach whose list must not widen.
        reaching = [role for role in probes if route.expected[role] == 200]
        for role in dict.fromkeys(reaching[:1] + [r for r in reaching if r == "hackney.coach"]):
            client = clients[role]
            baseline = client.get(url)
            parameters = _read_parameters(client, url, api)
            discovered |= parameters
            visible_ids = (
                {row["id"] for row in baseline.json()["results"]}
                if baseline["Content-Type"].startswith("application/json")
                and "results" in baseline.json()
                else None
            )
            for parameter in sorted(parameters):
                for value in HOSTILE:
                    response = client.get(url, {parameter: value})
                    what = f"{role} GET {route.name}?{parameter}={value[:30]!r}"
                    assert response.status_code < 500, what
                    if response.status_code != 200:
                        continue
                    if visible_ids is not None:
                        assert {r["id"] for r in response.json()["results"]} <= visible_ids, what
                    elif role == "hackney.coach" and response["Content-Type"].startswith(
                        "text/html"
                    ):
                        body = response.content.decode()
                        assert not any(name in body for name in hidden), what
    assert KNOWN_PARAMETERS - {"dir"} <= discovered


def test_hostile_values_in_every_form_field_never_fail(cast, three_cases):
    """Every form page, every field set to each hostile value: a clear answer, never a 500."""
    from django import forms

    checked = 0
    for route in GET_ROUTES:
        if route.name.startswith("api:"):
            continue
        url = reverse(route.name, args=route.args(cast))
        for role in [r for r, s in route.expected.items() if s == 200 and r != "anonymous"][:2]:
            client = signed_in_client(cast.by_name(role))
            page = client.get(url)
            form = (page.context or {}).get("form") if page.status_code == 200 else None
            if not isinstance(form, forms.BaseForm):
                continue
            checked += 1
            for value in HOSTILE:
                data: dict[str, object] = {}
                for name, field in form.fields.items():
                    key = form.add_prefix(name)
                    if isinstance(field, forms.MultiValueField):
                        for i in range(len(field.fields)):
                            data[f"{key}_{i}"] = value
                    elif isinstance(field, forms.MultipleChoiceField):
                        data[key] = [value]
                    else:
                        data[key] = value
                response = client.post(url, data)
                assert response.status_code < 500, f"{role} POST {route.name} with {value[:30]!r}"
    assert checked >= 10


def test_hostile_report_requests_make_no_report_outside_the_leads_authority(cast):
    """Every field of the reports form, and of the API's request, set to each hostile value
    (and to another borough and London) by a borough lead: never a 500, and no report for any
    area but her own."""
    from datetime import timedelta

    from django.utils import timezone

    from outcomes.models import Report
    from outcomes.reports import periods

    today = timezone.localdate()
    client = signed_in_client(cast.hackney.lead)
    url = reverse("outcomes:reports")
    valid = {
        "place": str(cast.hackney.authority.pk),
        "period": "dates",
        "month": periods.months_offered(today)[0].start.isoformat(),
        "quarter": periods.quarters_offered(today)[0].start.isoformat(),
        "financial_year": periods.financial_years_offered(today)[0].start.isoformat(),
        "start": (today - timedelta(days=7)).isoformat(),
        "end_day": str(today.day),
        "end_month": str(today.month),
        "end_year": str(today.year),
    }
    others = [str(cast.southwark.authority.pk), "london", "last_12_months", "month"]
    for value in [*HOSTILE, *others]:
        for field in valid:
            data = {**valid, field: value}
            assert client.post(url, data).status_code < 500, (field, value[:30])
    _, key = api_token_issue(actor=cast.admin, user=cast.hackney.lead, name="Borough system")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    body: dict[str, Any] = {
        "authority": cast.hackney.authority.pk,
        "period": "dates",
        "start": valid["start"],
        "end": today.isoformat(),
    }
    for value in [*HOSTILE, cast.southwark.authority.pk, None, [1], {"id": 1}]:
        for field in body:
            answer = api.post(
                reverse("api:report-list"), {**body, field: value}, content_type="application/json"
            )
            assert answer.status_code < 500, (field, str(value)[:30])
    assert Report.objects.filter(authority=cast.hackney.authority).exists()  # the control
    assert not Report.objects.exclude(authority=cast.hackney.authority).exists()


# --- Sign-in brute force --------------------------------------------------------------------


def _password_step(client: Client, email: str, password: str):
    return client.post(reverse("accounts:sign-in"), {"email": email, "password": password})


def _page_text(response) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_lockout_is_per_account_and_says_nothing_about_whether_it_exists(cast):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        # The failure that reaches the limit is itself answered with the lockout.
        expected = 429 if attempt == settings.AXES_FAILURE_LIMIT else 400
        assert _password_step(attacker, cast.hackney.coach.email, "guess").status_code == expected
        assert _password_step(attacker, "nobody@nowhere.test", "guess").status_code == expected
    known = _password_step(attacker, cast.hackney.coach.email, PASSWORD)
    unknown = _password_step(attacker, "nobody@nowhere.test", PASSWORD)
    assert known.status_code == unknown.status_code == 429
    assert _page_text(known) == _page_text(unknown)
    assert "nobody@nowhere.test" not in _page_text(unknown)
    # The lock is on the account, wherever the guesses come from...
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert _password_step(elsewhere, cast.hackney.coach.email, PASSWORD).status_code == 429
    # ...and only on that account: a colleague at the same address signs in.
    colleague = _password_step(attacker, cast.hackney.coach2.email, PASSWORD)
    assert colleague.status_code == 302
    assert colleague["Location"] in (reverse("accounts:code"), reverse("accounts:set-up"))


def test_the_lockout_counts_failures_across_addresses(cast):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _password_step(Client(REMOTE_ADDR=f"192.0.2.{i + 1}"), cast.hackney.coach.email, "guess")
    assert _password_step(Client(), cast.hackney.coach.email, PASSWORD).status_code == 429


# --- API rate limits ------------------------------------------------------------------------


@pytest.fixture
def low_rate_limit(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    yield
    cache.clear()


def test_every_api_route_is_rate_limited():
    from rest_framework.throttling import UserRateThrottle

    unthrottled = sorted(
        route.name
        for route in service_routes()
        if route.is_api
        and not any(
            issubclass(t, UserRateThrottle)
            for t in getattr(route.callback, "cls", APIView).throttle_classes
        )
    )
    assert unthrottled == []
    assert (
        typing.cast(dict[str, str], settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])["user"]
        == read_env_example()["API_RATE_LIMIT"]
    )


def test_the_api_answers_429_in_its_error_shape_with_retry_after(cast, low_rate_limit):
    _, key = api_token_issue(actor=cast.admin, user=cast.hackney.coach, name="Borough system")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    url = reverse("api:young-person-list")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url)
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == {"error"} and body["error"]["status"] == 429
    assert body["error"]["message"] and body["error"]["fields"] == {}
    assert 0 < int(refused["Retry-After"]) <= 60
    # The limit is each user's own: another person's token still works.
    _, other = api_token_issue(actor=cast.admin, user=cast.hackney.lead, name="Other system")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other}").get(url).status_code == 200


# --- Council sign-in (X7) -------------------------------------------------------------------


@pytest.fixture
def hackney_council_sign_in(cast, local_provider, settings):
    from tests.oidc import add_provider

    settings.SITE_URL = "http://testserver"
    return add_provider(
        local_provider,
        cast.hackney.authority,
        site_url=settings.SITE_URL,
        domains=("hackney.test",),
    )


def test_hostile_council_answers_never_fail_and_sign_nobody_in(cast, hackney_council_sign_in):
    """Whatever comes back to the callback (from the council or from someone pretending to be
    it), for a sign-in in progress and for none: a plain refusal, never a 500, nobody in."""
    callback = reverse("accounts:council-callback")
    for value in HOSTILE:
        client = Client()
        client.post(reverse("accounts:council-sign-in"), {"email": cast.hackney.coach.email})
        client.get(reverse("accounts:council-start"))
        state = client.session["council_sign_in_pending"]["state"]
        for query in (
            {"state": state, "code": value},
            {"state": value, "code": value},
            {"state": state, "code": "x", "iss": value},
            {"state": state, "error": value, "error_description": value},
        ):
            answer = client.get(callback, query)
            assert answer.status_code in (400, 403), f"{query} -> {answer.status_code}"
            assert "_auth_user_id" not in client.session
        typed = client.post(reverse("accounts:council-sign-in"), {"email": value})
        assert typed.status_code == 400


def test_a_council_answer_for_another_council_signs_nobody_in(cast, hackney_council_sign_in):
    """A mix-up: the answer names an issuer other than the council the request went to."""
    client = Client()
    client.post(reverse("accounts:council-sign-in"), {"email": cast.hackney.coach.email})
    client.get(reverse("accounts:council-start"))
    state = client.session["council_sign_in_pending"]["state"]
    answer = client.get(
        reverse("accounts:council-callback"),
        {"state": state, "code": "x", "iss": "https://login.example.org/other-council"},
    )
    assert answer.status_code == 400
    assert "_auth_user_id" not in client.session
