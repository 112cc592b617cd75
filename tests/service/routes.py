"""The URL conf as data, for tests that must cover every route: the routes, the kind of object
each id in a route names, and how to build one such object for a given coach's case.

A route whose id names a kind of object not listed in `KINDS` fails the attack tests, so a new
route cannot ship without someone saying whose objects its ids reach.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Role, Team, User
from tests.conftest import Cast, Place, allocated_case, logged_session, make_user

#: The admin site has its own, single permission check (administrators only), tested in the
#: permission matrix; its object ids are not case records (case models are not in the admin).
EXCLUDED_NAMESPACES = ("admin",)


@dataclass(frozen=True)
class RouteInfo:
    name: str
    route: str  # the full pattern, e.g. "young-people/<int:pk>/contacts/<int:contact_pk>/"
    callback: Any

    @property
    def kwargs(self) -> list[tuple[str, str]]:
        """(converter, name) for each part of the route that is filled in."""
        return re.findall(r"<(?:(\w+):)?(\w+)>", self.route)

    @property
    def ids(self) -> dict[str, str]:
        """Each int kwarg, with the path segment before it (which says what it is an id of)."""
        parts = self.route.strip("/").split("/")
        found = {}
        for before, part in zip(["", *parts], parts, strict=False):
            match = re.fullmatch(r"<int:(\w+)>", part)
            if match:
                found[match.group(1)] = before
        return found

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def all_routes(
    resolver: URLResolver | None = None, prefix: str = "", namespace: str = ""
) -> list[RouteInfo]:
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += all_routes(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            found.append(
                RouteInfo(
                    f"{namespace}{pattern.name or pattern.pattern}",
                    prefix + str(pattern.pattern),
                    pattern.callback,
                )
            )
    return found


def service_routes() -> list[RouteInfo]:
    return [r for r in all_routes() if not r.name.startswith(EXCLUDED_NAMESPACES)]


#: Values for the parts of routes that are not ids, by kwarg name, with per-route exceptions.
NON_ID_VALUES: dict[str, str] = {
    "fmt": "csv",
    "table": "episodes",
    "mode": "items",
    "part": "xlsx",
}
NON_ID_OVERRIDES: dict[str, dict[str, str]] = {
    "cases:subject-access-download": {"fmt": "json"},
    "accounts:password-reset-confirm": {"uidb64": "MQ", "token": "bad-token"},
    "accounts:enrolment-link": {"token": "not-a-link"},
}


def non_id_value(route: RouteInfo, kwarg: str) -> str:
    return NON_ID_OVERRIDES.get(route.name, {}).get(kwarg) or NON_ID_VALUES[kwarg]


# --- People ---------------------------------------------------------------------------------


@dataclass
class People:
    """The standard cast, plus a second Hackney team (its own coach and supervisor), by name."""

    cast: Cast
    hackney_team2: Team
    by_name: dict[str, User] = field(default_factory=dict)

    @classmethod
    def build(cls, cast: Cast) -> People:
        team2 = Team.objects.create(authority=cast.hackney.authority, name="Hackney second team")
        people = cls(cast=cast, hackney_team2=team2)
        for place_name in ("hackney", "southwark"):
            place = getattr(cast, place_name)
            for role in ("coach", "coach2", "supervisor", "lead"):
                people.by_name[f"{place_name}.{role}"] = getattr(place, role)
        people.by_name["hackney-team2.coach"] = make_user(
            "coach@team2.hackney.test", "Team Two Coach", Role.COACH, team=team2
        )
        people.by_name["hackney-team2.supervisor"] = make_user(
            "supervisor@team2.hackney.test", "Team Two Supervisor", Role.SUPERVISOR, team=team2
        )
        for name in ("programme_lead", "evaluator", "admin"):
            people.by_name[name] = getattr(cast, name)
        return people

    def place_of(self, name: str) -> Place:
        return getattr(self.cast, name.split(".")[0])


# --- Objects --------------------------------------------------------------------------------


class Owner:
    """One coach's case in a place; each kind of object is built on it once, through services."""

    def __init__(self, place: Place, coach: User) -> None:
        self.place = place
        self.coach = coach
        self.built: dict[str, int] = {}

    @cached_property
    def episode(self):
        return allocated_case(self.place, coach=self.coach)

    def id_of(self, kind: str) -> int:
        if kind not in self.built:
            self.built[kind] = KINDS[kind].build(self)
        return self.built[kind]

    @cached_property
    def supervision(self):
        from supervision import services

        today = timezone.localdate()
        return services.supervision_record(
            actor=self.place.supervisor,
            team=self.place.team,
            data=services.SupervisionInput(
                held_on=today,
                format="individual",
                coaches={self.coach.pk: ""},
                discussions=[services.Discussion(episode=self.episode, notes="Discussed")],
                actions=[
                    services.AgreedAction(
                        description="Call school",
                        owner=self.coach,
                        due_on=today,
                        episode=self.episode,
                    )
                ],
            ),
        )


def _contact(owner: Owner) -> int:
    from cases.profile import services

    return services.key_contact_add(
        actor=owner.coach,
        young_person=owner.episode.young_person,
        name="Aunt",
        relationship="aunt",
    ).pk


def _closure(owner: Owner) -> int:
    from cases import services

    return services.closure_request(
        actor=owner.coach, episode=owner.episode, ending_reason="planned", summary="Goals met"
    ).pk


def _flag(owner: Owner) -> int:
    from cases import services

    return services.flag_raise(
        actor=owner.coach,
        episode=owner.episode,
        category="other",
        level="low",
        summary="A worry",
        review_on=timezone.localdate() + timedelta(days=7),
    ).pk


def _context_link(owner: Owner):
    import uuid

    from cases.contexts import services

    return services.context_create(
        actor=owner.coach,
        young_person=owner.episode.young_person,
        idempotency_key=uuid.uuid4(),
        kind="peer_group",
        name="The group at the bus station",
        reason="Named by the school",
        known_from=timezone.localdate(),
    )


def _goal(owner: Owner) -> int:
    from outcomes import services

    return services.goal_set(
        actor=owner.coach,
        episode=owner.episode,
        description="Stay in school",
        agreed_on=timezone.localdate(),
        first_score=2,
    ).pk


def _session(owner: Owner) -> int:
    log = logged_session(owner.episode, duration_minutes=45, notes="Talked")
    return log.pk


def _measure(owner: Owner) -> int:
    from outcomes import services
    from outcomes.models import MeasureDefinition

    return services.measure_record(
        actor=owner.coach,
        episode=owner.episode,
        definition=MeasureDefinition.objects.get(code="sdq-self-report"),
        occasion="baseline",
        completed_on=timezone.localdate(),
        scale_scores=dict(emotional=1, conduct=1, hyperactivity=1, peer=1, prosocial=1),
    ).pk


def _report(owner: Owner) -> int:
    from outcomes.reports import services

    owner.episode  # noqa: B018 - a case in the report's authority
    today = timezone.localdate()
    report, _ = services.report_request(
        actor=owner.place.lead,
        authority=owner.place.authority,
        start=today - timedelta(days=30),
        end=today,
    )
    services.report_generate(report.pk)
    return report.pk


def _extract(owner: Owner) -> int:
    from accounts.models import Membership
    from outcomes.extracts import services

    owner.episode  # noqa: B018
    membership = Membership.objects.filter(role=Role.EVALUATOR).first()
    assert membership is not None
    evaluator = membership.user
    extract = services.extract_request(actor=evaluator)
    services.extract_generate(extract.pk)
    return extract.pk


def _passkey(owner: Owner) -> int:
    from django_otp_webauthn.models import WebAuthnCredential

    return WebAuthnCredential.objects.create(
        user=owner.coach,
        name="Work phone",
        credential_id=b"attack-credential",
        public_key=b"not-a-key",
        aaguid="00000000-0000-0000-0000-000000000000",
    ).pk


def _notification(owner: Owner) -> int:
    from cases.notifications.models import Notification

    owner.episode  # noqa: B018 - allocating the case tells its coach
    found = Notification.objects.filter(
        recipient=owner.coach, young_person_id=owner.episode.young_person_id
    ).first()
    assert found is not None
    return found.pk


def _break_glass(owner: Owner) -> int:
    """A supervisor of another authority reads the case by break-glass: its lead reviews it."""
    from accounts.models import Membership
    from cases.break_glass import services

    elsewhere = (
        Membership.objects.filter(role=Role.SUPERVISOR, team__isnull=False)
        .exclude(team__authority_id=owner.place.authority.pk)
        .select_related("user")
        .first()
    )
    assert elsewhere is not None
    return services.break_glass_open(
        actor=elsewhere.user,
        reference=owner.episode.young_person.reference,
        reason="In crisis at our youth centre",
    ).pk


def _import(owner: Owner) -> int:
    from tests.cases.imports import saved_import

    return saved_import(owner.place).pk


@dataclass(frozen=True)
class Kind:
    build: Callable[[Owner], int]
    #: Who may reach the object when it belongs to the Hackney coach's case: everyone else is
    #: a stranger to it, and must be answered as if it did not exist.
    reach: frozenset[str]


CASE = frozenset({"hackney.coach", "hackney.supervisor", "hackney.lead"})

KINDS: dict[str, Kind] = {
    "young-people": Kind(lambda o: o.episode.young_person_id, CASE),
    "episodes": Kind(lambda o: o.episode.pk, CASE),
    "contacts": Kind(_contact, CASE),
    "closure-requests": Kind(_closure, CASE),
    "flags": Kind(_flag, CASE),
    "contexts": Kind(lambda o: _context_link(o).context_id, CASE),
    "context-links": Kind(lambda o: _context_link(o).pk, CASE),
    "goals": Kind(_goal, CASE),
    "sessions": Kind(_session, CASE),
    "session-logs": Kind(_session, CASE),
    "measures": Kind(_measure, CASE),
    "supervision": Kind(lambda o: o.supervision.pk, CASE),
    "supervision-records": Kind(lambda o: o.supervision.pk, CASE),
    "actions": Kind(lambda o: o.supervision.actions.get().pk, CASE),
    # The Hackney team: its members and its authority's lead are not strangers to it (they get
    # 403 where they may not act); the second team's supervisor and everyone elsewhere are.
    "teams": Kind(
        lambda o: o.place.team.pk,
        frozenset({"hackney.coach", "hackney.coach2", "hackney.supervisor", "hackney.lead"}),
    ),
    "reports": Kind(_report, frozenset({"hackney.lead", "programme_lead"})),
    "extracts": Kind(_extract, frozenset({"evaluator"})),
    # An import into Hackney: its borough lead only.
    "imports": Kind(_import, frozenset({"hackney.lead"})),
    # A person's own passkey: nobody else, not even their borough lead, reaches it.
    "passkeys": Kind(_passkey, frozenset({"hackney.coach"})),
    # A person, as the borough lead who runs them sees them (accounts/people/): only the lead
    # of the authority they work in; they themselves have no such page.
    "people": Kind(lambda o: o.coach.pk, frozenset({"hackney.lead"})),
    # A person's own notification, about the case allocated to her: hers alone.
    "notifications": Kind(_notification, frozenset({"hackney.coach"})),
    # A use of break-glass access to the case: the owning authority's lead reviews it.
    "break-glass": Kind(_break_glass, frozenset({"hackney.lead"})),
}


# --- API lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiList:
    prefix: str  # the router's prefix, also the kind of object the list's rows are
    basename: str

    @property
    def url_name(self) -> str:
        return f"api:{self.basename}-list"

    @property
    def reader(self) -> str:
        """Someone who reaches the rows of the Hackney coach's case: the coach if she may."""
        reach = KINDS[self.prefix].reach
        return "hackney.coach" if "hackney.coach" in reach else sorted(reach)[0]

    def add_rows(self, cast: Cast, n: int) -> None:
        """`n` new cases of the Hackney coach's, each with a row of this list's kind and a
        session, goal, measure, flag and action."""
        for _ in range(n):
            owner = Owner(cast.hackney, cast.hackney.coach)
            kinds = (self.prefix, "session-logs", "goals", "measures", "flags", "actions")
            for kind in dict.fromkeys(kinds):
                owner.id_of(kind)


def api_lists() -> list[ApiList]:
    """Every list the API serves, from its router: a new one is covered without being named.
    A list whose rows are of a kind not in `KINDS` fails the tests that use this."""
    from yourchoice.api_urls import router

    return [ApiList(prefix, basename) for prefix, _viewset, basename in router.registry]
