"""The permission matrix as data: every route, every role, the status each must get.

A companion test fails when a route exists that the matrix does not list, so a new page cannot
ship without someone deciding who may reach it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import Cast, allocated_case, logged_session, rolled_back, signed_in_client
from tests.registries import admin_changelists, case_data_models

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "hackney.coach",
    "hackney.coach2",
    "hackney.supervisor",
    "hackney.lead",
    "southwark.coach",
    "southwark.supervisor",
    "southwark.lead",
    "programme_lead",
    "evaluator",
    "admin",
]

SIGNED_IN = {role: 200 for role in ROLES if role != "anonymous"}


@dataclass
class Route:
    name: str
    expected: dict[str, int]
    args: Callable[[Cast], list[Any]] = lambda cast: []
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)


def hackney_coachs_young_person(cast: Cast) -> list[Any]:
    return [allocated_case(cast.hackney).young_person_id]


def not_taken_on_in_hackney(cast: Cast) -> list[Any]:
    from tests.conftest import referral

    return [referral(cast.hackney, age=9).young_person_id]


def pending_closure_in_hackney(cast: Cast) -> list[Any]:
    from cases import services

    episode = allocated_case(cast.hackney)
    closure = services.closure_request(
        actor=cast.hackney.coach, episode=episode, ending_reason="planned", summary="Goals met"
    )
    return [closure.pk]


def hackney_coachs_passkey(cast: Cast) -> list[Any]:
    from django_otp_webauthn.models import WebAuthnCredential

    passkey = WebAuthnCredential.objects.create(
        user=cast.hackney.coach,
        name="Work phone",
        credential_id=b"matrix-credential",
        public_key=b"not-a-key",
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    return [passkey.pk]


def session_in_hackney(cast: Cast) -> list[Any]:
    episode = allocated_case(cast.hackney)
    log = logged_session(episode, attendance="did_not_attend")
    return [log.pk]


def goal_in_hackney(cast: Cast) -> list[Any]:
    from django.utils import timezone

    from outcomes import services

    episode = allocated_case(cast.hackney)
    goal = services.goal_set(
        actor=cast.hackney.coach,
        episode=episode,
        description="Goal",
        agreed_on=timezone.localdate(),
        first_score=1,
    )
    return [goal.pk]


def flag_in_hackney(cast: Cast) -> list[Any]:
    from datetime import timedelta

    from django.utils import timezone

    from cases import services

    episode = allocated_case(cast.hackney)
    flag = services.flag_raise(
        actor=cast.hackney.coach,
        episode=episode,
        category="other",
        level="low",
        summary="s",
        review_on=timezone.localdate() + timedelta(days=1),
    )
    return [flag.pk]


def _context_link_in_hackney(cast: Cast, *also_spans: Any):
    import uuid

    from django.utils import timezone

    from cases.contexts import services

    episode = allocated_case(cast.hackney)
    return services.context_create(
        actor=cast.hackney.coach,
        young_person=episode.young_person,
        idempotency_key=uuid.uuid4(),
        kind="place",
        name="Northwold Estate",
        authorities=also_spans,
        reason="Seen there most evenings",
        known_from=timezone.localdate(),
    )


def context_in_hackney(cast: Cast) -> list[Any]:
    return [_context_link_in_hackney(cast).context_id]


def context_spanning_southwark(cast: Cast) -> list[Any]:
    return [_context_link_in_hackney(cast, cast.southwark.authority).context_id]


def context_link_in_hackney(cast: Cast) -> list[Any]:
    return [_context_link_in_hackney(cast).pk]


def key_contact_in_hackney(cast: Cast) -> list[Any]:
    from cases.profile import services

    episode = allocated_case(cast.hackney)
    contact = services.key_contact_add(
        actor=cast.hackney.coach,
        young_person=episode.young_person,
        name="Pat Example",
        relationship="mother",
    )
    return [episode.young_person_id, contact.pk]


def _supervision(cast: Cast):
    from django.utils import timezone

    from supervision import services

    episode = allocated_case(cast.hackney)
    return services.supervision_record(
        actor=cast.hackney.supervisor,
        team=cast.hackney.team,
        data=services.SupervisionInput(
            held_on=timezone.localdate(),
            format="individual",
            coaches={cast.hackney.coach.pk: ""},
            discussions=[services.Discussion(episode=episode)],
            actions=[
                services.AgreedAction(
                    description="Call school",
                    owner=cast.hackney.coach,
                    due_on=timezone.localdate(),
                    episode=episode,
                )
            ],
        ),
    )


def supervision_in_hackney(cast: Cast) -> list[Any]:
    return [_supervision(cast).pk]


def action_in_hackney(cast: Cast) -> list[Any]:
    return [_supervision(cast).actions.get().pk]


def ready_hackney_report(cast: Cast) -> list[Any]:
    from datetime import timedelta

    from django.utils import timezone

    from outcomes.reports import services

    allocated_case(cast.hackney)
    today = timezone.localdate()
    report, _ = services.report_request(
        actor=cast.hackney.lead,
        authority=cast.hackney.authority,
        start=today - timedelta(days=30),
        end=today,
    )
    services.report_generate(report.pk)
    return [report.pk, "csv"]


def ready_extract(cast: Cast) -> list[Any]:
    from outcomes.extracts import services

    allocated_case(cast.hackney)
    extract = services.extract_request(actor=cast.evaluator)
    services.extract_generate(extract.pk)
    return [extract.pk, "episodes"]


def notification_for_hackney_coach(cast: Cast) -> list[Any]:
    from cases.notifications.models import Notification

    episode = allocated_case(cast.hackney)  # tells the coach
    return [
        Notification.objects.get(
            recipient=cast.hackney.coach, young_person_id=episode.young_person_id
        ).pk
    ]


def break_glass_into_hackney(cast: Cast) -> list[Any]:
    from cases.break_glass import services

    episode = allocated_case(cast.hackney)
    grant = services.break_glass_open(
        actor=cast.southwark.supervisor,
        reference=episode.young_person.reference,
        reason="In crisis at our youth centre",
    )
    return [grant.pk]


def hackney_import(cast: Cast) -> list[Any]:
    from tests.cases.imports import uploaded

    return [uploaded(cast.hackney).pk]


def saved_hackney_import(cast: Cast) -> list[Any]:
    from tests.cases.imports import saved_import

    return [saved_import(cast.hackney).pk]


REDIRECT_TO_SIGN_IN = 302


def hackney_case(**overrides: int) -> dict[str, int]:
    """A record of a Hackney coach's case: her team and authority reach it, no one else does."""
    return {
        "anonymous": REDIRECT_TO_SIGN_IN,
        "hackney.coach": 200,
        "hackney.coach2": 404,
        "hackney.supervisor": 200,
        "hackney.lead": 200,
        "southwark.coach": 404,
        "southwark.supervisor": 404,
        "southwark.lead": 404,
        "programme_lead": 404,
        "evaluator": 404,
        "admin": 404,
        **overrides,
    }


#: Writes only the coach makes: her supervisor and lead see the case but get 403.
COACH_WRITES = hackney_case(**{"hackney.supervisor": 403, "hackney.lead": 403})

#: Writes only the borough lead makes: the coach and supervisor see the case but get 403.
LEAD_WRITES = hackney_case(**{"hackney.coach": 403, "hackney.supervisor": 403})

REPORT_PAGES = {
    **dict.fromkeys(ROLES, 403),
    "anonymous": REDIRECT_TO_SIGN_IN,
    "programme_lead": 200,
    "hackney.lead": 200,
    "southwark.lead": 200,
}

PEOPLE_PAGES = {
    **dict.fromkeys(ROLES, 403),
    "anonymous": REDIRECT_TO_SIGN_IN,
    "hackney.lead": 200,
    "southwark.lead": 200,
}
PEOPLE_PAGES_POSTED = {**PEOPLE_PAGES, "hackney.lead": 400, "southwark.lead": 400}
#: A page about one of Hackney's people or teams: Hackney's lead only.
HACKNEY_PERSON = {**PEOPLE_PAGES, "southwark.lead": 404}


def hackney_coach(cast: Cast) -> list[Any]:
    return [cast.hackney.coach.pk]


def hackney_team(cast: Cast) -> list[Any]:
    return [cast.hackney.team.pk]


#: Everyone whose roles reach named young people.
SEES_RECORDS = [
    role for role in ROLES if role.split(".")[-1] in ("coach", "coach2", "supervisor", "lead")
]

#: Importing existing cases: borough leads, into their own authority; another authority's
#: import looks missing to its lead.
IMPORTS = {
    **dict.fromkeys(ROLES, 403),
    "anonymous": REDIRECT_TO_SIGN_IN,
    "hackney.lead": 200,
    "southwark.lead": 200,
}
HACKNEY_IMPORT = {**IMPORTS, "southwark.lead": 404}

SEARCH = {
    **dict.fromkeys(ROLES, 403),
    "anonymous": REDIRECT_TO_SIGN_IN,
    **dict.fromkeys(SEES_RECORDS, 200),
}

#: Break-glass (X9): supervisors and borough leads, never anyone else.
BREAK_GLASS = {
    **dict.fromkeys(ROLES, 403),
    "anonymous": REDIRECT_TO_SIGN_IN,
    **dict.fromkeys(
        ["hackney.supervisor", "hackney.lead", "southwark.supervisor", "southwark.lead"], 200
    ),
}

#: Reviewing break-glass uses: borough leads, of their own authority's records.
BREAK_GLASS_REVIEW = {
    **dict.fromkeys(ROLES, 403),
    "anonymous": REDIRECT_TO_SIGN_IN,
    "hackney.lead": 200,
    "southwark.lead": 200,
}

MATRIX = [
    Route("home", {"anonymous": REDIRECT_TO_SIGN_IN, **SIGNED_IN}),
    # Notifications (X10): everyone signed in has their own, and reaches nobody else's.
    Route("notifications:list", {"anonymous": REDIRECT_TO_SIGN_IN, **SIGNED_IN}),
    Route(
        "notifications:open",
        {**dict.fromkeys(ROLES, 404), "anonymous": REDIRECT_TO_SIGN_IN, "hackney.coach": 302},
        args=notification_for_hackney_coach,
    ),
    Route(
        "notifications:read",
        {"anonymous": REDIRECT_TO_SIGN_IN, **dict.fromkeys(SIGNED_IN, 302)},
        method="post",
    ),
    Route("notifications:email", {"anonymous": REDIRECT_TO_SIGN_IN, **SIGNED_IN}),
    # Break-glass: asking (an unknown reference is refused with 400), and the lead's review.
    Route("cases:break-glass", BREAK_GLASS),
    Route(
        "cases:break-glass",
        {**BREAK_GLASS, **{role: 400 for role, status in BREAK_GLASS.items() if status == 200}},
        method="post",
        data={"reference": "YC-E09000012-999999", "reason": "In crisis"},
    ),
    Route("cases:break-glass-uses", BREAK_GLASS_REVIEW),
    Route(
        "cases:break-glass-review",
        {**BREAK_GLASS_REVIEW, "hackney.lead": 302, "southwark.lead": 404},
        args=break_glass_into_hackney,
        method="post",
    ),
    # Health reports dependencies only, for load balancers; no data.
    Route("health", dict.fromkeys(ROLES, 200)),
    # Signed-in people are sent on to their home page.
    Route("accounts:sign-in", {"anonymous": 200, **dict.fromkeys(SIGNED_IN, 302)}),
    # The code steps need a password step first; without one they go back to sign in.
    Route("accounts:code", dict.fromkeys(ROLES, 302)),
    Route("accounts:set-up", dict.fromkeys(ROLES, 302)),
    Route("accounts:sign-out", dict.fromkeys(ROLES, 302), method="post"),
    Route("accounts:password-reset", dict.fromkeys(ROLES, 200)),
    # Passkey sign-in is open to everyone (it names no account); an empty answer is refused.
    Route("accounts:passkey-sign-in-options", dict.fromkeys(ROLES, 200), method="post"),
    Route("accounts:passkey-sign-in", dict.fromkeys(ROLES, 400), method="post"),
    # Council sign-in (X7): the email page is for signed-out people; going on to the council
    # needs a council chosen first (sent back to the page without one); the callback without
    # a sign-in in progress is a refusal, for everyone.
    Route("accounts:council-sign-in", {"anonymous": 200, **dict.fromkeys(SIGNED_IN, 302)}),
    Route("accounts:council-start", dict.fromkeys(ROLES, 302)),
    Route("accounts:council-callback", dict.fromkeys(ROLES, 400)),
    # Everyone signed in has their own sign-in page and passkeys; nobody reaches another's.
    Route("accounts:your-sign-in", {"anonymous": REDIRECT_TO_SIGN_IN, **SIGNED_IN}),
    Route(
        "accounts:passkey-add-options",
        {"anonymous": REDIRECT_TO_SIGN_IN, **SIGNED_IN},
        method="post",
    ),
    Route(
        "accounts:passkey-add",
        {"anonymous": REDIRECT_TO_SIGN_IN, **dict.fromkeys(SIGNED_IN, 400)},
        method="post",
    ),
    Route(
        "accounts:passkey-remove",
        {"anonymous": REDIRECT_TO_SIGN_IN, **dict.fromkeys(SIGNED_IN, 404), "hackney.coach": 200},
        args=hackney_coachs_passkey,
    ),
    Route("accounts:password-reset-done", dict.fromkeys(ROLES, 200)),
    Route("accounts:password-reset-complete", dict.fromkeys(ROLES, 200)),
    # An invalid link shows "this link has expired" (Django redirects to a set-password URL first).
    Route(
        "accounts:password-reset-confirm",
        dict.fromkeys(ROLES, 200),
        args=lambda cast: ["MQ", "bad-token"],
    ),
    # Finding a young person: everyone who sees named records, among those they hold
    # (tests/cases/test_search.py); nobody who sees none. The box posts, then shows results.
    Route("cases:search", SEARCH),
    Route(
        "cases:search",
        {**SEARCH, **dict.fromkeys(SEES_RECORDS, 302)},
        method="post",
        data={"q": "Sam"},
    ),
    Route("cases:young-person", hackney_case(), args=hackney_coachs_young_person),
    Route("sessions:log", COACH_WRITES, args=hackney_coachs_young_person),
    # Working without signal (docs/offline.md). The service worker and manifest are for any
    # phone; "who is signed in" answers 401 to a phone nobody is; the kept record page is the
    # record's, for those who see it; asking a supervisor is a coach's.
    Route("service-worker", dict.fromkeys(ROLES, 200)),
    Route("web-manifest", dict.fromkeys(ROLES, 200)),
    Route("offline:state", {**SIGNED_IN, "anonymous": 401}),
    Route("offline:outbox", {"anonymous": REDIRECT_TO_SIGN_IN, **SIGNED_IN}),
    Route("offline:unavailable", {"anonymous": REDIRECT_TO_SIGN_IN, **SIGNED_IN}),
    Route("offline:young-person", hackney_case(), args=hackney_coachs_young_person),
    Route(
        "offline:ask-supervisor",
        {
            **dict.fromkeys(ROLES, 403),
            "anonymous": REDIRECT_TO_SIGN_IN,
            **dict.fromkeys(["hackney.coach", "hackney.coach2", "southwark.coach"], 302),
        },
        method="post",
        data={"reason": "gone"},
    ),
    # The young person's turn (S7): the case's coach hands the phone over, and is sent to the
    # young person's screen. Without a turn under way, its pages send a coach home; its screen
    # is a coach's page, so others get 403.
    Route(
        "outcomes:turn-start",
        {**COACH_WRITES, "hackney.coach": 302},
        args=hackney_coachs_young_person,
        method="post",
    ),
    Route(
        "outcomes:turn",
        {
            **dict.fromkeys(ROLES, 403),
            "anonymous": REDIRECT_TO_SIGN_IN,
            "hackney.coach": 302,
            "hackney.coach2": 302,
            "southwark.coach": 302,
        },
    ),
    Route("outcomes:turn-done", dict.fromkeys(ROLES, 302)),
    # Unlocking answers only a locked browser (tests/outcomes/test_young_person_turn.py).
    Route("accounts:unlock", dict.fromkeys(ROLES, 302)),
    Route(
        "accounts:unlock-passkey-options",
        {"anonymous": REDIRECT_TO_SIGN_IN, **dict.fromkeys(SIGNED_IN, 400)},
        method="post",
    ),
    Route(
        "accounts:unlock-passkey",
        {"anonymous": REDIRECT_TO_SIGN_IN, **dict.fromkeys(SIGNED_IN, 400)},
        method="post",
    ),
    Route("sessions:detail", hackney_case(), args=session_in_hackney),
    # Correcting a whole session, within the window, is the coach's like logging it.
    Route("sessions:correct", COACH_WRITES, args=session_in_hackney),
    # Coaches, supervisors and borough leads all raise and resolve flags.
    Route("cases:flag-new", hackney_case(), args=hackney_coachs_young_person),
    Route("cases:flag-resolve", hackney_case(), args=flag_in_hackney),
    Route("cases:flag-review", hackney_case(), args=flag_in_hackney),
    # Everyone who reaches the case sees the budget; only the coach records spending (tested below).
    Route("cases:budget", hackney_case(), args=hackney_coachs_young_person),
    # The case's coach, supervisor and borough lead correct details and key contacts.
    Route("cases:profile-edit", hackney_case(), args=hackney_coachs_young_person),
    Route("cases:contact-new", hackney_case(), args=hackney_coachs_young_person),
    Route("cases:contact-edit", hackney_case(), args=key_contact_in_hackney),
    Route("cases:contact-remove", hackney_case(), args=key_contact_in_hackney),
    # Contexts (docs/contexts.md): seen by whoever sees one of its young people; linking and
    # ending a link is for the case's coach, supervisor and borough lead.
    Route("cases:context", hackney_case(), args=context_in_hackney),
    # A context spanning Southwark is the Southwark lead's to see (and link their own to);
    # Southwark's coaches and supervisors see it once a young person of theirs is linked.
    Route(
        "cases:context",
        hackney_case(**{"southwark.lead": 200}),
        args=context_spanning_southwark,
    ),
    Route("cases:context-link", hackney_case(), args=hackney_coachs_young_person),
    Route("cases:context-new", hackney_case(), args=hackney_coachs_young_person),
    Route("cases:context-link-end", hackney_case(), args=context_link_in_hackney),
    # Borough leads record referrals and allocate; others who see the case get 403.
    Route(
        "cases:referral-new",
        {
            **dict.fromkeys(ROLES, 403),
            "anonymous": REDIRECT_TO_SIGN_IN,
            "hackney.lead": 200,
            "southwark.lead": 200,
        },
    ),
    # Re-assessing a referral that was not taken on: the borough lead. No team holds it, so the
    # coach and supervisor do not see it.
    Route(
        "cases:referral-reassess",
        hackney_case(**{"hackney.coach": 404, "hackney.supervisor": 404}),
        args=not_taken_on_in_hackney,
    ),
    Route("cases:allocate", LEAD_WRITES, args=hackney_coachs_young_person),
    Route("cases:transfer", LEAD_WRITES, args=hackney_coachs_young_person),
    # The audit trail, retention decisions and subject access exports: the borough lead only.
    Route("cases:audit", LEAD_WRITES, args=hackney_coachs_young_person),
    Route("cases:subject-access", LEAD_WRITES, args=hackney_coachs_young_person),
    Route(
        "cases:subject-access-download",
        LEAD_WRITES,
        args=lambda cast: [*hackney_coachs_young_person(cast), "json"],
    ),
    Route(
        "cases:retention-queue",
        {
            **dict.fromkeys(ROLES, 403),
            "anonymous": REDIRECT_TO_SIGN_IN,
            "hackney.lead": 200,
            "southwark.lead": 200,
        },
    ),
    Route("cases:imports", IMPORTS),
    Route("cases:import-template", IMPORTS, args=lambda cast: ["xlsx"]),
    Route("cases:import-template", IMPORTS, args=lambda cast: ["sessions"]),
    Route("cases:import", HACKNEY_IMPORT, args=hackney_import),
    Route("cases:import-progress", HACKNEY_IMPORT, args=hackney_import),
    Route("cases:import-mapping", HACKNEY_IMPORT, args=saved_hackney_import),
    Route("cases:anonymise", LEAD_WRITES, args=hackney_coachs_young_person),
    Route("cases:retention-extend", LEAD_WRITES, args=hackney_coachs_young_person),
    Route("cases:closure-request", COACH_WRITES, args=hackney_coachs_young_person),
    Route("outcomes:goal-new", COACH_WRITES, args=hackney_coachs_young_person),
    Route("outcomes:goal-end", COACH_WRITES, args=goal_in_hackney),
    Route(
        "outcomes:sdq-record",
        COACH_WRITES,
        args=lambda cast: [*hackney_coachs_young_person(cast), "items"],
    ),
    # Visible to the coach and the borough lead, but only a supervisor decides: 403 for them.
    Route(
        "cases:closure-decide",
        hackney_case(**{"hackney.coach": 403, "hackney.lead": 403}),
        args=pending_closure_in_hackney,
    ),
    # The caseload review: supervisors (their teams) and borough leads (their authority).
    Route(
        "supervision:review",
        {
            **dict.fromkeys(ROLES, 403),
            "anonymous": REDIRECT_TO_SIGN_IN,
            "hackney.supervisor": 200,
            "hackney.lead": 200,
            "southwark.supervisor": 200,
            "southwark.lead": 200,
        },
    ),
    # Recording supervision for the Hackney team: its supervisor only.
    Route(
        "supervision:new",
        {
            **dict.fromkeys(ROLES, 404),
            "anonymous": REDIRECT_TO_SIGN_IN,
            "hackney.supervisor": 200,
            "hackney.coach": 403,
            "hackney.coach2": 403,
            "hackney.lead": 403,
            "southwark.coach": 403,
            "southwark.lead": 403,
            "programme_lead": 403,
            "evaluator": 403,
            "admin": 403,
        },
        args=lambda cast: [cast.hackney.team.pk],
    ),
    Route(
        "supervision:detail", {**hackney_case(), "hackney.coach2": 404}, args=supervision_in_hackney
    ),
    # Correcting a supervision record: the supervisor who recorded it. The coach who was there
    # and the borough lead see it, but may not change it.
    Route(
        "supervision:edit",
        {**hackney_case(), "hackney.coach": 403, "hackney.coach2": 404, "hackney.lead": 403},
        args=supervision_in_hackney,
    ),
    # Marking an action done: its owner (the Hackney coach) or the team's supervisor; the lead
    # sees the action through the case but may not tick it off.
    Route(
        "supervision:action-done",
        {**hackney_case(), "hackney.coach": 302, "hackney.supervisor": 302, "hackney.lead": 403},
        args=action_in_hackney,
        method="post",
    ),
    # Reports: programme leads (every authority and London) and borough leads (their own).
    Route("outcomes:reports", REPORT_PAGES),
    Route("outcomes:london", {**REPORT_PAGES, "hackney.lead": 403, "southwark.lead": 403}),
    Route(
        "outcomes:report-download",
        # A file looks missing (404) to everyone who may not have it.
        {
            **dict.fromkeys(ROLES, 404),
            "anonymous": REDIRECT_TO_SIGN_IN,
            "programme_lead": 200,
            "hackney.lead": 200,
        },
        args=ready_hackney_report,
    ),
    # The PDF is made from the printable page at its first download: the same people, and
    # nobody else can cause one to be made.
    Route(
        "outcomes:report-download",
        {
            **dict.fromkeys(ROLES, 404),
            "anonymous": REDIRECT_TO_SIGN_IN,
            "programme_lead": 200,
            "hackney.lead": 200,
        },
        args=lambda cast: [ready_hackney_report(cast)[0], "pdf"],
    ),
    # Evaluation extracts: evaluators only; a file looks missing to everyone else.
    Route(
        "outcomes:extracts",
        {**dict.fromkeys(ROLES, 403), "anonymous": REDIRECT_TO_SIGN_IN, "evaluator": 200},
    ),
    Route(
        "outcomes:extract-download",
        {**dict.fromkeys(ROLES, 404), "anonymous": REDIRECT_TO_SIGN_IN, "evaluator": 200},
        args=ready_extract,
    ),
    # Running people (X8): borough leads only, each for their own authority's people and
    # teams (a Hackney person or team is not found by Southwark's lead); everyone else 403,
    # however many roles they hold. Posting an empty form is refused with the form's errors.
    *(
        Route(name, PEOPLE_PAGES)
        for name in ("people:list", "people:invite", "people:cover", "people:team-new")
    ),
    *(
        Route(name, PEOPLE_PAGES_POSTED, method="post")
        for name in ("people:invite", "people:cover", "people:team-new")
    ),
    *(
        Route(name, HACKNEY_PERSON, args=hackney_coach)
        for name in (
            "people:person",
            "people:role-give",
            "people:role-remove",
            "people:deactivate",
            "people:second-factor-reset",
            "people:invitation-resend",
            "cases:person-cases",
        )
    ),
    Route("people:team-rename", HACKNEY_PERSON, args=hackney_team),
    # The link that sets up sign-in: open to anyone holding it; a link that does not work is
    # "gone", the same for everyone.
    Route("accounts:enrolment-link", dict.fromkeys(ROLES, 410), args=lambda cast: ["not-a-link"]),
    # Administration: administrators only; others are sent to the admin's own sign-in notice.
    # Every model in the admin, from its registry: a new registration is covered too.
    *(
        Route(name, {**dict.fromkeys(ROLES, 302), "admin": 200})
        for name in ["admin:index", *admin_changelists()]
    ),
]

SIGNED_IN_ONLY_API = {**SIGNED_IN, "anonymous": 401}  # the API answers 401, not a redirect


def api_case(**overrides: int) -> dict[str, int]:
    return {**hackney_case(**overrides), "anonymous": 401}


def _first(model_path: str):
    def build(cast: Cast) -> list[Any]:
        from django.apps import apps

        from supervision.models import Action

        _supervision(cast)  # a Hackney case with a session-free supervision record and action
        app_label, model_name = model_path.split(".")
        model = apps.get_model(app_label, model_name)
        if model is Action:
            return [Action.objects.get().pk]
        return [model.objects.order_by("pk").first().pk]

    return build


def api_goal(cast: Cast) -> list[Any]:
    return goal_in_hackney(cast)


def api_session(cast: Cast) -> list[Any]:
    return session_in_hackney(cast)


def api_flag(cast: Cast) -> list[Any]:
    return flag_in_hackney(cast)


def api_measure(cast: Cast) -> list[Any]:
    from django.utils import timezone

    from outcomes import services
    from outcomes.models import MeasureDefinition

    episode = allocated_case(cast.hackney)
    response = services.measure_record(
        actor=cast.hackney.coach,
        episode=episode,
        definition=MeasureDefinition.objects.get(code="sdq-self-report"),
        occasion="baseline",
        completed_on=timezone.localdate(),
        scale_scores=dict(emotional=1, conduct=1, hyperactivity=1, peer=1, prosocial=1),
    )
    return [response.pk]


API_MATRIX = [
    Route("api:schema", dict.fromkeys(ROLES, 200)),  # the API's description is public
    Route("api:docs", dict.fromkeys(ROLES, 200)),
    *[
        Route(f"api:{name}-list", SIGNED_IN_ONLY_API)
        for name in (
            "young-person",
            "episode",
            "session-log",
            "goal",
            "measure",
            "flag",
            "context",
            "supervision-record",
            "action",
        )
    ],
    Route("api:report-list", {**REPORT_PAGES, "anonymous": 401}),
    Route("api:young-person-detail", api_case(), args=hackney_coachs_young_person),
    Route("api:episode-detail", api_case(), args=_first("cases.Episode")),
    Route("api:session-log-detail", api_case(), args=api_session),
    Route("api:goal-detail", api_case(), args=api_goal),
    Route("api:measure-detail", api_case(), args=api_measure),
    Route("api:flag-detail", api_case(), args=api_flag),
    Route("api:context-detail", api_case(), args=context_in_hackney),
    Route(
        "api:context-detail",
        api_case(**{"southwark.lead": 200}),
        args=context_spanning_southwark,
    ),
    Route(
        "api:supervision-record-detail",
        {**api_case(), "hackney.coach2": 404},
        args=supervision_in_hackney,
    ),
    Route("api:action-detail", api_case(), args=action_in_hackney),
    Route(
        "api:report-detail",
        {**REPORT_PAGES, "anonymous": 401, "southwark.lead": 404},
        args=lambda cast: ready_hackney_report(cast)[:1],
    ),
]
# Writes with an empty body: 400 where the role may write (the body is checked after access),
# 403 where the case is visible but the role may not, 404 where the case is out of reach.
API_MATRIX += [
    Route(
        "api:goal-ratings",
        api_case(**{"hackney.coach": 400, "hackney.supervisor": 403, "hackney.lead": 403}),
        args=api_goal,
        method="post",
    ),
    Route(
        "api:goal-end",
        api_case(**{"hackney.coach": 400, "hackney.supervisor": 403, "hackney.lead": 403}),
        args=api_goal,
        method="post",
    ),
    Route(
        "api:episode-closure-request",
        api_case(**{"hackney.coach": 400, "hackney.supervisor": 403, "hackney.lead": 403}),
        args=_first("cases.Episode"),
        method="post",
    ),
    Route(
        "api:episode-closure-decision",
        api_case(**{"hackney.coach": 403, "hackney.supervisor": 400, "hackney.lead": 403}),
        args=_first("cases.Episode"),
        method="post",
    ),
    Route(
        "api:action-done", api_case(**{"hackney.lead": 403}), args=action_in_hackney, method="post"
    ),
    # Asking for a report: those who may have reports (the area is in the body, checked after).
    Route(
        "api:report-list",
        {
            **REPORT_PAGES,
            "anonymous": 401,
            **dict.fromkeys(["hackney.lead", "southwark.lead", "programme_lead"], 400),
        },
        method="post",
    ),
]
MATRIX += API_MATRIX

#: Routes that answer a signed-out person themselves (or, for the admin, via its own sign-in
#: notice); every other route sends them to sign in.
ANSWER_SIGNED_OUT = {
    "health",
    "accounts:sign-in",
    "accounts:code",
    "accounts:set-up",
    "accounts:sign-out",
    "accounts:password-reset",
    "accounts:password-reset-done",
    "accounts:password-reset-complete",
    "accounts:password-reset-confirm",
    "accounts:passkey-sign-in-options",
    "accounts:passkey-sign-in",
    "accounts:council-sign-in",
    "accounts:council-start",
    "accounts:council-callback",
    "accounts:enrolment-link",
    "api:schema",  # the API's description is public
    "api:docs",
    # A phone's service worker, its manifest, and its question "who is signed in?" (401).
    "service-worker",
    "web-manifest",
    "offline:state",
    "admin:index",
    *admin_changelists(),
}

#: Admin routes are covered by the admin site's one permission check (tested above on samples).
COVERED_BY_PREFIX = ("admin:",)


def test_every_other_route_sends_a_signed_out_person_to_sign_in():
    for route in MATRIX:
        if route.name not in ANSWER_SIGNED_OUT:
            sign_in = 401 if route.name.startswith("api:") else REDIRECT_TO_SIGN_IN
            assert route.expected["anonymous"] == sign_in, route.name


@pytest.fixture
def cast(shared_cast: Cast) -> Cast:
    """Built once for this module's hundreds of tests (tests/conftest.py)."""
    return shared_cast


@pytest.fixture(scope="module")
def sample(request, _module_cast: Cast, django_db_blocker) -> Iterator[tuple[Route, list[Any]]]:
    """A route and the URL arguments of its sample object, built once for all the roles asked
    about it, in a savepoint rolled back when the next route's tests begin. Each role's test
    runs in a transaction of its own inside it: what one role's request wrote is undone before
    the next role asks."""
    route = request.param
    with rolled_back(django_db_blocker):
        with django_db_blocker.unblock():
            args = route.args(_module_cast)
        yield route, args


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "sample", MATRIX, indirect=True, scope="module", ids=lambda route: route.name
)
def test_route_answers_each_role_as_the_matrix_says(cast, sample, role):
    route, args = sample
    assert set(route.expected) == set(ROLES), f"{route.name} must list every role"
    client = signed_in_client(cast.by_name(role))
    url = reverse(route.name, args=args)
    response = getattr(client, route.method)(
        url, route.data, follow=route.name == "accounts:password-reset-confirm"
    )
    assert response.status_code == route.expected[role], f"{role} on {route.name}"
    if (
        route.expected[role] == 302
        and role == "anonymous"
        and route.name in ("home", "cases:young-person", "cases:closure-decide")
    ):
        assert response["Location"].startswith(reverse("accounts:sign-in"))


def _all_route_names(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _all_route_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            names.add(
                f"{namespace}{pattern.name}"
                if pattern.name
                else f"{namespace}<unnamed {pattern.pattern}>"
            )
    return names


def test_every_route_is_in_the_matrix():
    listed = {route.name for route in MATRIX}
    missing = sorted(
        name
        for name in _all_route_names()
        if name not in listed and not name.startswith(COVERED_BY_PREFIX)
    )
    assert missing == [], f"Add these routes to the permission matrix: {missing}"


def test_case_content_is_not_browsable_in_the_admin():
    """Administrators run the service; they do not read children's records (docs/programme.md)."""
    from django.contrib import admin

    names = _all_route_names()
    for model in case_data_models():
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        assert not admin.site.is_registered(model), f"{model._meta.label} is in the admin"
        assert f"admin:{label}_changelist" not in names
