"""The standard cast (docs/architecture.md) and helpers shared by every test.

Two authorities, Hackney and Southwark. In each: a coach, a second coach, a supervisor and a
borough lead. Across London: a programme lead, an evaluator and an administrator.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import importlib.util
import pkgutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import AppConfig
from django.db import transaction
from django.http import SimpleCookie
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Authority, EnrolmentLinkPurpose, Membership, Role, Team, User
from accounts.people import links
from cases import services as case_services
from cases.models import Episode
from sessions import services as session_services
from sessions.models import SessionLog
from tests.oidc import LocalProvider, start_provider
from yourchoice.scoping import all_cases

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Place:
    authority: Authority
    team: Team
    coach: User
    coach2: User
    supervisor: User
    lead: User


@dataclass
class Cast:
    hackney: Place
    southwark: Place
    programme_lead: User
    evaluator: User
    admin: User

    def by_name(self, name: str) -> User | None:
        """'hackney.coach', 'programme_lead', 'anonymous' (None)..."""
        if name == "anonymous":
            return None
        if "." in name:
            place, role = name.split(".")
            return getattr(getattr(self, place), role)
        return getattr(self, name)


def make_user(
    email: str,
    name: str,
    role: Role,
    *,
    team: Team | None = None,
    authority: Authority | None = None,
    staff: bool = False,
) -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=name, is_staff=staff)
    Membership.objects.create(user=user, role=role, team=team, authority=authority)
    return user


def _place(code: str, slug: str) -> Place:
    authority = Authority.objects.get(gss_code=code)
    team = Team.objects.create(authority=authority, name=f"{authority.name} team")
    return Place(
        authority=authority,
        team=team,
        coach=make_user(f"coach@{slug}.test", f"{authority.name} Coach", Role.COACH, team=team),
        coach2=make_user(
            f"coach2@{slug}.test", f"{authority.name} Second Coach", Role.COACH, team=team
        ),
        supervisor=make_user(
            f"supervisor@{slug}.test", f"{authority.name} Supervisor", Role.SUPERVISOR, team=team
        ),
        lead=make_user(
            f"lead@{slug}.test", f"{authority.name} Lead", Role.BOROUGH_LEAD, authority=authority
        ),
    )


def project_apps() -> list[AppConfig]:
    """The service's own apps (those in this repository), in INSTALLED_APPS order."""
    from django.apps import apps

    root = Path(__file__).resolve().parents[1]
    return [config for config in apps.get_app_configs() if Path(config.path).parent == root]


def reference_data_migrations() -> list[str]:
    """The data migrations that load reference data: every migration of the service's apps
    with a `load(apps, schema_editor)` loader, in order."""
    found = []
    for config in project_apps():
        if importlib.util.find_spec(f"{config.name}.migrations") is None:
            continue  # an app with no tables of its own (devtools)
        package = importlib.import_module(f"{config.name}.migrations")
        for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
            name = f"{config.name}.migrations.{module}"
            if callable(getattr(importlib.import_module(name), "load", None)):
                found.append(name)
    return found


def load_reference_data() -> None:
    """Tests that commit (browser, worker) end with a flush of every table, taking the rows the
    data migrations loaded with it. Their loaders are idempotent: run them again."""
    from django.apps import apps

    from outcomes.selectors import forget_definitions

    for module in reference_data_migrations():
        importlib.import_module(module).load(apps, None)
    forget_definitions()  # the process's cached SDQ definition was flushed with the table


@pytest.fixture(scope="session", autouse=True)
def _all_cases() -> Iterator[None]:
    """The suite's own setup and checks (building a cast, counting rows) read the whole
    programme, so test bodies run in the all-cases scope. A request a test makes runs in the
    scope of its person, as in production; tests/service/test_scopes.py steps outside."""
    with all_cases("the test suite's own setup and checks"):
        yield


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[LocalProvider]:
    """A real OpenID Connect provider for council sign-in (tests/oidc.py), started once."""
    yield from start_provider()


@pytest.fixture
def local_provider(oidc_provider: LocalProvider) -> LocalProvider:
    """The provider, with no account's claims left over from an earlier test."""
    oidc_provider.reset()
    return oidc_provider


@pytest.fixture
def reference_data(transactional_db) -> None:
    load_reference_data()


def build_cast() -> Cast:
    if not Authority.objects.exists():  # flushed by an earlier test that committed
        load_reference_data()
    return Cast(
        hackney=_place("E09000012", "hackney"),
        southwark=_place("E09000028", "southwark"),
        programme_lead=make_user("programme@liia.test", "Programme Lead", Role.PROGRAMME_LEAD),
        evaluator=make_user("evaluator@eval.test", "Evaluator", Role.EVALUATOR),
        admin=make_user("admin@service.test", "Administrator", Role.ADMINISTRATOR, staff=True),
    )


@pytest.fixture
def cast(db) -> Cast:
    return build_cast()


def _sign_in(user: User) -> Client:
    client = Client()
    device = TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).first() or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def signed_in_client(user: User | None) -> Client:
    """A client that has passed both sign-in steps (django-otp's session marker included).
    In a module that shares its cast (`shared_cast` below), the first client a test asks for
    each person of the cast carries the session that person signed in with once for the whole
    module; every other one signs in afresh."""
    if user is None:
        return Client()
    cookies = _SHARED.hand_out(user)
    if cookies is not None:
        client = Client()
        client.cookies = cookies
        return client
    return _sign_in(user)


# --- Data built once for a whole module ---------------------------------------------------------
#
# Building the cast and signing its people in is most of the work of a short test, and some
# modules (the permission matrix, the attack suites) run hundreds of short tests on the same
# cast. `shared_cast` builds it once per module, inside a transaction that is rolled back after
# the module's last test, as Django's setUpTestData does for a TestCase class. Each test still
# runs in a transaction of its own inside that one (pytest-django's, a savepoint here), so
# whatever a test writes, sessions included, is undone before the next test starts; and each
# test gets its own copy of the Python objects. A module whose tests commit (transactional_db,
# live_server) cannot share a transaction: the fixture refuses to run in one.

#: A shared sign-in is handed out only while younger than this: well inside the idle timeout
#: (SESSION_COOKIE_AGE), after which its session would have expired. Older, a test signs in.
SHARED_SIGN_IN_SECONDS = 10 * 60


@dataclass
class _SharedSignIns:
    """The sessions the people of a module's shared cast signed in with, by user id."""

    cookies: dict[int, SimpleCookie] = field(default_factory=dict)
    signed_in_at: float = 0.0
    handed_out: set[int] = field(default_factory=set)

    def hand_out(self, user: User) -> SimpleCookie | None:
        """The user's shared session cookies, once per test (a second client for the same person
        in one test is a second browser: it signs in for itself)."""
        if user.pk not in self.cookies or user.pk in self.handed_out:
            return None
        if time.monotonic() - self.signed_in_at > SHARED_SIGN_IN_SECONDS:
            return None
        self.handed_out.add(user.pk)
        return copy.deepcopy(self.cookies[user.pk])

    def add(self, users: list[User]) -> None:
        for user in users:
            self.cookies[user.pk] = copy.deepcopy(_sign_in(user).cookies)


_SHARED = _SharedSignIns()


def cast_people(cast: Cast) -> list[User]:
    places = [cast.hackney, cast.southwark]
    roles = ("coach", "coach2", "supervisor", "lead")
    return [
        *(getattr(place, role) for place in places for role in roles),
        cast.programme_lead,
        cast.evaluator,
        cast.admin,
    ]


COMMITTING_FIXTURES = {"transactional_db", "live_server", "reference_data"}


def _refuse_commits(module: pytest.Module, session: pytest.Session) -> None:
    committing = [
        item.nodeid
        for item in session.items
        if item.getparent(pytest.Module) is module
        and (
            COMMITTING_FIXTURES & set(getattr(item, "fixturenames", ()))
            or any(m.kwargs.get("transaction") for m in item.iter_markers("django_db"))
        )
    ]
    if committing:
        pytest.fail(
            f"{module.name} shares its cast in one transaction, but these tests commit: "
            f"{committing}",
            pytrace=False,
        )


@contextlib.contextmanager
def rolled_back(django_db_blocker) -> Iterator[None]:
    """A transaction (a savepoint, inside another) that is always rolled back at the end: what
    is written in it is seen only by the tests that run inside it. Database access is unblocked
    only while it opens and closes: fixtures write inside it under `django_db_blocker.unblock()`."""
    with django_db_blocker.unblock():
        block = transaction.atomic()
        block.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            block.__exit__(None, None, None)


@pytest.fixture(scope="module")
def _module_cast(request, django_db_setup, django_db_blocker) -> Iterator[Cast]:
    _refuse_commits(request.node, request.session)
    with rolled_back(django_db_blocker):
        with django_db_blocker.unblock():
            built = build_cast()
            _SHARED.cookies.clear()
            _SHARED.signed_in_at = time.monotonic()
            _SHARED.add(cast_people(built))
        try:
            yield built
        finally:
            _SHARED.cookies.clear()


@pytest.fixture
def shared_cast(_module_cast, db) -> Iterator[Cast]:
    """The standard cast, built once for the module (see above): a module uses it by defining
    its own `cast` fixture that returns this."""
    _SHARED.handed_out.clear()
    yield copy.deepcopy(_module_cast)
    _SHARED.handed_out.clear()


@pytest.fixture
def client_for():
    return signed_in_client


def sign_in_link(
    user: User, purpose: EnrolmentLinkPurpose = EnrolmentLinkPurpose.INVITATION
) -> str:
    """The path of a fresh one-time link to set up the user's sign-in, as its email gives it
    (accounts/people/links.py): the only way an account without a second factor gets one."""
    secret = links.new_secret()
    links.issue(actor=None, person=user, purpose=purpose, authority=None, secret=secret)
    return reverse("accounts:enrolment-link", kwargs={"token": secret})


_counter = iter(range(1, 1_000_000))


def referral(
    place: Place,
    *,
    given: str = "Sam",
    family: str | None = None,
    age: int = 14,
    received_on: date | None = None,
    consent: bool = True,
) -> Episode:
    """A referral in `place`, recorded by its borough lead, through the service."""
    received_on = received_on or timezone.localdate() - timedelta(days=60)
    n = next(_counter)
    return case_services.referral_create(
        actor=place.lead,
        authority=place.authority,
        details=case_services.YoungPersonDetails(
            given_name=given,
            family_name=family or f"Testperson{n}",
            date_of_birth=received_on - timedelta(days=365 * age + 30),
        ),
        referrer_name="Referrer",
        referrer_organisation="Children's social care",
        received_on=received_on,
        panel_date=received_on - timedelta(days=1),
        risk_level="high",
        harms=["serious_violence"],
        consent_given=consent,
        confirmed_not_duplicate=True,
        date_of_birth_confirmed=True,  # as the lead would, when the age is the only problem
    )


def allocated_case(place: Place, coach: User | None = None, **kwargs) -> Episode:
    episode = referral(place, **kwargs)
    return case_services.episode_allocate(
        actor=place.lead, episode=episode, coach=coach or place.coach, team=place.team
    )


def new_key() -> uuid.UUID:
    return uuid.uuid4()


def logged_session(
    episode: Episode, *, coach: User | None = None, days_ago: int = 0, **overrides: Any
) -> SessionLog:
    """A session logged through the service by `coach` (the case's coach unless given):
    attended, an hour at school, `days_ago` days ago. `overrides` set any other argument of
    `session_log`; a session not attended gets no length or place unless they are given."""
    arguments: dict[str, Any] = {
        "actor": coach or episode.coach,
        "episode": episode,
        "idempotency_key": new_key(),
        "occurred_at": timezone.now() - timedelta(days=days_ago),
        "attendance": "attended",
    }
    arguments.update(overrides)
    if arguments["attendance"] == "attended":
        arguments.setdefault("duration_minutes", 60)
        arguments.setdefault("place", "school")
    log, _ = session_services.session_log(**arguments)
    return log
