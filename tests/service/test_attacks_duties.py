"""Separation of duties over every approval: nobody approves what they asked for, whatever
roles they hold, through any channel, and no list of approvers offers the person who asked.

Approvals are found, not listed by hand, so a new one is covered the day it is added:
- every model with two people on it (two foreign keys to the user model) is either an approval
  below, saying which field asks and which approves, or named in NOT_APPROVALS with why;
- every approval permission (a `Perm` ending in `.approve`) belongs to an approval below;
- every route whose name says it decides or approves (from the URL conf and the API router) is
  a channel of an approval below.

Each approval is attempted by the person who asked, in each of their roles' combinations that
the programme allows (a supervisor who also coaches; a borough lead who also coaches), through
the service, the page and the API, and the database is then searched for any row whose
approver is its requester.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import F, Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.access import Perm
from accounts.models import Membership, Role, User
from cases import services as case_services
from cases.models import BudgetSpend, ClosureDecision, ClosureRequest, Episode
from tests.conftest import Cast, allocated_case, signed_in_client
from tests.service.routes import service_routes
from yourchoice.data.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(shared_cast: Cast) -> Cast:
    """Built once for this module's tests (tests/conftest.py)."""
    return shared_cast


#: Records with two people on them that are not one person approving another's request.
NOT_APPROVALS = {
    "accounts.Cover": "a borough lead (or the administrator) arranges one coach's cover for "
    "another; nobody approves",
    "accounts.EnrolmentLink": "a borough lead sends a person a link to set up their sign-in; "
    "nothing is approved",
    "accounts.ApiToken": "an administrator issues a token to a person; nothing is approved",
    "cases.Allocation": "a borough lead allocates a coach; the coach asks for nothing",
    "cases.RiskFlag": "anyone on the case may resolve a flag, including who raised it",
    "cases.ContextLink": "whoever links a young person to a context may end the link; nothing is "
    "approved",
    "coaching.SessionLog": "the coach and who recorded the session; nothing is approved",
    "supervision.Action": "the owner of an action marks it done; nobody approves it",
    "cases.BreakGlassGrant": "the holder asks and is given access at once, in an emergency; the "
    "owning borough lead's review afterwards approves nothing",
}

#: Words in a route's name that say it decides or approves something.
DECIDING = re.compile(r"decide|decision|approv|sign-off|authoris")


@dataclass
class Channel:
    """One way to attempt the approval: what it does, and whether the answer refused it."""

    name: str
    attempt: Callable[[User, Client, Any], Any]
    refused: Callable[[Any], bool]
    route: str = ""  # the URL name, for channels that are routes


@dataclass
class Approval:
    model: type[Model]
    requester: str  # the field naming who asked
    approver: str  # the field naming who approved
    ask: Callable[[User, Episode], Any]  # the request made, if approval is a separate step
    channels: list[Channel]
    permission: Perm | None = None
    offered: Callable[[User, Client, Episode], list[User]] | None = None


def _raises(call: Callable[[], Any]) -> Any:
    try:
        call()
    except (DomainError, PermissionDenied) as error:
        return error
    return None


def _api_refused(response: Any) -> bool:
    """Refused in the API's error shape: a 400 or 403 saying why, never a 2xx or a 500."""
    if response.status_code not in (400, 403):
        return False
    error = response.json()["error"]
    return error["status"] == response.status_code and bool(error["message"])


def _closure_ask(person: User, episode: Episode) -> ClosureRequest:
    return case_services.closure_request(
        actor=person, episode=episode, ending_reason="planned", summary="Goals met"
    )


CLOSURE = Approval(
    model=ClosureRequest,
    requester="requested_by",
    approver="decided_by",
    permission=Perm.CLOSURE_APPROVE,
    ask=_closure_ask,
    channels=[
        Channel(
            "service",
            lambda person, client, closure: _raises(
                lambda: case_services.closure_decide(actor=person, closure=closure, approve=True)
            ),
            refused=lambda error: error is not None,
        ),
        Channel(
            "page",
            lambda person, client, closure: client.post(
                reverse("cases:closure-decide", args=[closure.pk]), {"decision": "approve"}
            ),
            refused=lambda response: response.status_code in (400, 403),
            route="cases:closure-decide",
        ),
        Channel(
            "api",
            lambda person, client, closure: client.post(
                reverse("api:episode-closure-decision", args=[closure.episode_id]),
                {"approve": True},
                content_type="application/json",
            ),
            refused=_api_refused,
            route="api:episode-closure-decision",
        ),
    ],
)


def _spend(person: User, approver: User, episode: Episode) -> Any:
    return case_services.budget_spend_record(
        actor=person,
        episode=episode,
        description="Gym",
        amount_pence=500,
        spent_on=timezone.localdate(),
        approved_by=approver,
    )


def _budget_offered(person: User, client: Client, episode: Episode) -> list[User]:
    page = client.get(reverse("cases:budget", args=[episode.young_person_id]))
    on_page = list(page.context["form"].fields["approved_by"].queryset)
    return [*case_services.budget_approvers(episode, requested_by=person), *on_page]


BUDGET = Approval(
    model=BudgetSpend,
    requester="recorded_by",
    approver="approved_by",
    # The coach records the spending and names who approved it, in one step.
    ask=lambda person, episode: episode,
    channels=[
        Channel(
            "service",
            lambda person, client, episode: _raises(lambda: _spend(person, person, episode)),
            refused=lambda error: error is not None,
        ),
        Channel(
            "page",
            lambda person, client, episode: client.post(
                reverse("cases:budget", args=[episode.young_person_id]),
                {
                    "description": "Gym",
                    "amount": "5.00",
                    "spent_on": timezone.localdate().isoformat(),
                    "approved_by": person.pk,
                },
            ),
            refused=lambda response: response.status_code == 400,
            route="cases:budget",
        ),
    ],
    offered=_budget_offered,
)

APPROVALS = {a.model._meta.label: a for a in (CLOSURE, BUDGET)}


def two_people_models() -> set[str]:
    found = set()
    for model in apps.get_models():
        people = [
            f
            for f in model._meta.concrete_fields
            if f.many_to_one
            and f.related_model is not None
            and f.related_model._meta.label == settings.AUTH_USER_MODEL
        ]
        if len(people) >= 2:
            found.add(model._meta.label)
    return found


def test_every_record_with_two_people_on_it_is_an_approval_here_or_said_not_to_be():
    found = two_people_models()
    unsorted = sorted(found - set(APPROVALS) - set(NOT_APPROVALS))
    assert unsorted == [], (
        "Say whether each of these records one person approving another's request: add it to "
        f"APPROVALS (with each channel that approves) or to NOT_APPROVALS (with why): {unsorted}"
    )
    assert sorted((set(APPROVALS) | set(NOT_APPROVALS)) - found) == []  # nothing stale


def test_every_approval_permission_belongs_to_an_approval_here():
    approving = {p for p in Perm if p.value.endswith(".approve")}
    assert approving, "the access policy names its approval permissions *.approve"
    assert approving - {a.permission for a in APPROVALS.values()} == set()


def test_every_route_that_decides_is_a_channel_of_an_approval_here():
    deciding = {r.name for r in service_routes() if DECIDING.search(r.name.split(":")[-1])}
    channels = {c.route for a in APPROVALS.values() for c in a.channels if c.route}
    assert deciding, "the closure decision routes at least"
    assert deciding - channels == set()
    assert channels <= {r.name for r in service_routes()}  # no channel names a route gone


def supervisor_who_coaches(cast: Cast) -> User:
    person = cast.hackney.supervisor
    Membership.objects.create(user=person, role=Role.COACH, team=cast.hackney.team)
    return person


def lead_who_coaches(cast: Cast) -> User:
    person = cast.hackney.lead
    Membership.objects.create(user=person, role=Role.COACH, team=cast.hackney.team)
    return person


DUAL_ROLES = {
    "supervisor who coaches": supervisor_who_coaches,
    "lead who coaches": lead_who_coaches,
}


def self_approved_rows() -> dict[str, int]:
    return {
        label: approval.model._default_manager.filter(
            **{approval.approver: F(approval.requester)}
        ).count()
        for label, approval in APPROVALS.items()
    }


@pytest.mark.parametrize("who", DUAL_ROLES)
@pytest.mark.parametrize("label", APPROVALS)
def test_nobody_approves_what_they_asked_for_through_any_channel(cast, label, who):
    approval = APPROVALS[label]
    person = DUAL_ROLES[who](cast)
    episode = allocated_case(cast.hackney, coach=person)
    request = approval.ask(person, episode)
    client = signed_in_client(person)
    before = approval.model._default_manager.count()
    for channel in approval.channels:
        answer = channel.attempt(User.objects.get(pk=person.pk), client, request)
        assert channel.refused(answer), f"{label} approved by its requester via {channel.name}"
    assert approval.model._default_manager.count() == before
    assert self_approved_rows() == dict.fromkeys(APPROVALS, 0)
    if isinstance(request, ClosureRequest):
        request.refresh_from_db()
        assert request.decision == ClosureDecision.PENDING


@pytest.mark.parametrize("who", DUAL_ROLES)
@pytest.mark.parametrize("label", [k for k, a in APPROVALS.items() if a.offered])
def test_no_list_of_approvers_offers_the_person_who_asked(cast, label, who):
    approval = APPROVALS[label]
    person = DUAL_ROLES[who](cast)
    episode = allocated_case(cast.hackney, coach=person)
    assert approval.offered is not None  # the parameters are the approvals that offer
    offered = approval.offered(person, signed_in_client(person), episode)
    assert offered, "someone else may approve"
    assert person not in offered


def test_the_person_who_asked_sees_the_decision_page_with_no_way_to_decide(cast):
    person = supervisor_who_coaches(cast)
    closure = _closure_ask(person, allocated_case(cast.hackney, coach=person))
    page = signed_in_client(person).get(reverse("cases:closure-decide", args=[closure.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "Goals met" in body
    assert 'name="decision"' not in body and "Save decision" not in body
    assert "another supervisor must approve or return it" in body
    # Someone else in the team decides as usual.
    other = User.objects.create_user("second@hackney.test", "pw", full_name="Second Supervisor")
    Membership.objects.create(user=other, role=Role.SUPERVISOR, team=cast.hackney.team)
    decided = case_services.closure_decide(actor=other, closure=closure, approve=True)
    assert decided.decision == ClosureDecision.APPROVED
