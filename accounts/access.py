"""Who may do what: named permissions, the roles that grant them, and where.

This is the one module that maps roles to permissions (docs/architecture.md). A person's access
is the union of their memberships, each applying only to its own place: a coach's permissions
apply to the cases allocated to them (or that they cover), a supervisor's to the cases of their
team, a borough lead's to the cases of their authority. Programme leads, evaluators and
administrators hold service-wide permissions that reach no named young person.

Which records a person can *see* is `Episode.objects.visible_to(user)` (cases/models.py), built
from `case_scope()` below. Whether they may *change* a record they can see is `can()`.

Nothing outside this module asks which role someone holds (tests/service/test_policy_boundary.py
checks): views declare the permission they need with `@requires(Perm...)`, and pages, services
and selectors ask `has_perm`, `can`, or one of the named scopes below (whose teams, authorities,
cases, supervision records and reports a person reaches, and who may be allocated a case, own
an action or approve spending).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import TEAM_ROLES, Cover, Membership, Role, Team, User

if TYPE_CHECKING:
    from django.http import HttpResponse

    from accounts.http import AuthenticatedHttpRequest
    from cases.models import Episode


class Perm(StrEnum):
    # Case records (a named young person).
    CASE_READ = "case.read"
    # Finding a young person by name, reference or date of birth among the records one
    # reaches (cases/search/): anywhere, not on one case, so not in CASE_PERMS.
    CASE_SEARCH = "case.search"
    CASE_WRITE = "case.write"
    REFERRAL_WRITE = "referral.write"
    CASE_ALLOCATE = "case.allocate"
    SESSION_WRITE = "session.write"
    GOAL_WRITE = "goal.write"
    MEASURE_WRITE = "measure.write"
    FLAG_WRITE = "flag.write"
    BUDGET_WRITE = "budget.write"
    CLOSURE_REQUEST = "closure.request"
    CLOSURE_APPROVE = "closure.approve"
    SUPERVISION_WRITE = "supervision.write"
    REVIEW_READ = "review.read"
    AUDIT_READ = "audit.read"
    RETENTION_REVIEW = "retention.review"
    SUBJECT_ACCESS = "subject_access.export"
    # Linking a young person to a context of harm, and ending a link (C10).
    CONTEXT_WRITE = "context.write"
    # Asking for read-only access to one young person outside one's reach, in an emergency
    # (X9, cases/break_glass/); and reviewing the uses of it in one's own authority.
    BREAK_GLASS = "case.break_glass"
    BREAK_GLASS_REVIEW = "break_glass.review"
    # Bringing a borough's existing cases in from a spreadsheet (casework/imports/), into the
    # authority one leads: not on one case, so not in CASE_PERMS.
    IMPORT = "case.import"
    # Aggregates and files (no named young person).
    AGGREGATE_READ = "aggregate.read"
    REPORT_DOWNLOAD = "report.download"
    EXTRACT_DOWNLOAD = "extract.download"
    # Running an authority's people: inviting, roles in its teams, teams, cover, leavers and
    # lost phones (X8; accounts/people/).
    PEOPLE_MANAGE = "people.manage"
    # Running the service.
    SERVICE_ADMIN = "service.admin"


#: The whole mapping from roles to permissions. Case permissions apply only within the scope of
#: the membership that grants them.
ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.COACH: frozenset(
        {
            Perm.CASE_READ,
            Perm.CASE_SEARCH,
            Perm.CASE_WRITE,
            Perm.SESSION_WRITE,
            Perm.GOAL_WRITE,
            Perm.MEASURE_WRITE,
            Perm.FLAG_WRITE,
            Perm.BUDGET_WRITE,
            Perm.CLOSURE_REQUEST,
            Perm.CONTEXT_WRITE,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            Perm.CASE_READ,
            Perm.CASE_SEARCH,
            # Correcting the young person's profile and key contacts.
            Perm.CASE_WRITE,
            Perm.FLAG_WRITE,
            Perm.CONTEXT_WRITE,
            Perm.CLOSURE_APPROVE,
            Perm.SUPERVISION_WRITE,
            Perm.REVIEW_READ,
            Perm.BREAK_GLASS,
        }
    ),
    Role.BOROUGH_LEAD: frozenset(
        {
            Perm.CASE_READ,
            Perm.CASE_SEARCH,
            Perm.CASE_WRITE,
            Perm.REFERRAL_WRITE,
            Perm.CASE_ALLOCATE,
            Perm.FLAG_WRITE,
            Perm.CONTEXT_WRITE,
            Perm.AUDIT_READ,
            Perm.RETENTION_REVIEW,
            Perm.SUBJECT_ACCESS,
            Perm.IMPORT,
            Perm.REVIEW_READ,
            Perm.AGGREGATE_READ,
            Perm.REPORT_DOWNLOAD,
            Perm.PEOPLE_MANAGE,
            Perm.BREAK_GLASS,
            Perm.BREAK_GLASS_REVIEW,
        }
    ),
    Role.PROGRAMME_LEAD: frozenset({Perm.AGGREGATE_READ, Perm.REPORT_DOWNLOAD}),
    Role.EVALUATOR: frozenset({Perm.EXTRACT_DOWNLOAD}),
    Role.ADMINISTRATOR: frozenset({Perm.SERVICE_ADMIN}),
}

#: Permissions that only ever apply to a case, never service-wide.
CASE_PERMS = frozenset(
    {
        Perm.CASE_READ,
        Perm.CASE_WRITE,
        Perm.SESSION_WRITE,
        Perm.GOAL_WRITE,
        Perm.MEASURE_WRITE,
        Perm.FLAG_WRITE,
        Perm.BUDGET_WRITE,
        Perm.CLOSURE_REQUEST,
        Perm.CLOSURE_APPROVE,
        Perm.AUDIT_READ,
        Perm.RETENTION_REVIEW,
        Perm.SUBJECT_ACCESS,
        Perm.CONTEXT_WRITE,
    }
)


@dataclass(frozen=True)
class Grant:
    role: str
    team_id: int | None
    authority_id: int | None


def grants(user: User) -> tuple[Grant, ...]:
    """The user's memberships, fetched once per user object (so once per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, "_yc_grants", None)
    if cached is None:
        cached = tuple(
            Grant(role, team_id, authority_id)
            for role, team_id, authority_id in Membership.objects.filter(user=user).values_list(
                "role", "team_id", "authority_id"
            )
        )
        user._yc_grants = cached  # type: ignore[attr-defined]  # a cache kept on the user object
    return cached


def works_only_in(user: User, authority_id: int) -> bool:
    """Whether every role the person holds is in this one authority (in one of its teams, or
    leading it), and they are not staff: whom that authority's own identity provider may sign
    in (accounts/council/). A service-wide role, a role in another borough, no role at all, or
    the admin site all sign in the service's own way."""
    found = grants(user)
    if not found or user.is_staff or user.is_superuser:
        return False
    if any(g.role not in (*TEAM_ROLES, Role.BOROUGH_LEAD) for g in found):
        return False
    team_ids = {g.team_id for g in found if g.team_id is not None}
    teams_in = set(
        Team.objects.filter(pk__in=team_ids, authority_id=authority_id).values_list("pk", flat=True)
    )
    return all(
        g.team_id in teams_in if g.team_id is not None else g.authority_id == authority_id
        for g in found
    )


def roles(user: User) -> frozenset[str]:
    return frozenset(g.role for g in grants(user))


def has_perm(user: User, perm: Perm) -> bool:
    """Whether any of the user's roles grants `perm` somewhere (for navigation and views)."""
    return any(perm in ROLE_PERMISSIONS[g.role] for g in grants(user))


def require(user: User, perm: Perm) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied


def requires(perm: Perm) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view's declaration of the permission it needs: 403 for a signed-in person whose roles
    grant it nowhere, before the view runs. Put it under @login_required, so that someone not
    signed in is sent to sign in first. Whether they may use it on one record is `require_on`,
    in the view, once the record is found."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(
            request: AuthenticatedHttpRequest, *args: object, **kwargs: object
        ) -> HttpResponse:
            require(request.user, perm)
            return view(request, *args, **kwargs)

        wrapped.required_perm = perm  # type: ignore[attr-defined]  # a function's own attribute
        return wrapped

    return decorator


def team_ids(user: User, role: Role) -> list[int]:
    return [g.team_id for g in grants(user) if g.role == role and g.team_id is not None]


def authority_ids(user: User, role: Role) -> list[int]:
    return [g.authority_id for g in grants(user) if g.role == role and g.authority_id is not None]


# --- Where each person's roles reach ----------------------------------------------------------
#
# Callers ask these questions rather than which role someone holds, so that what a role grants
# is decided here alone. All but the people lists read the cached grants: no query.


def coached_team_ids(user: User) -> list[int]:
    """Teams the user coaches in: their caseload is that team's cases allocated to them."""
    return team_ids(user, Role.COACH)


def has_caseload(user: User) -> bool:
    """Whether the user coaches anywhere, so has a caseload (and returned closures) of their
    own on the home page."""
    return Role.COACH in roles(user)


def supervised_team_ids(user: User) -> list[int]:
    """Teams the user supervises: they see those teams' cases, review and supervision records,
    record supervision for them, and complete any action agreed in them."""
    return team_ids(user, Role.SUPERVISOR)


def led_authority_ids(user: User) -> list[int]:
    """Authorities the user leads: they record referrals there, see every case and its audit
    trail there, decide retention for records held there and have those authorities' reports."""
    return authority_ids(user, Role.BOROUGH_LEAD)


def working_authority_ids(user: User) -> list[int]:
    """Authorities the user works in: those of the teams they coach or supervise in, and those
    they lead. A count of young people there stays inside the borough; a count of young people
    anywhere else leaves it, and goes through disclosure control (docs/contexts.md)."""
    ids = set(led_authority_ids(user))
    teams = [g.team_id for g in grants(user) if g.role in TEAM_ROLES and g.team_id is not None]
    if teams:
        ids |= set(Team.objects.filter(pk__in=teams).values_list("authority_id", flat=True))
    return sorted(ids)


def sees_all_authorities(user: User) -> bool:
    """Whether the user has every authority's figures and reports and London's as a whole
    (aggregates only: no named young person)."""
    return Role.PROGRAMME_LEAD in roles(user)


def review_team_ids(user: User) -> list[int]:
    """Teams whose caseload review the user sees: those they supervise, and every team of the
    authorities they lead."""
    ids = set(supervised_team_ids(user))
    authorities = led_authority_ids(user)
    if authorities:
        ids |= set(Team.objects.filter(authority_id__in=authorities).values_list("pk", flat=True))
    return sorted(ids)


def may_have_report(user: User, authority_id: int | None) -> bool:
    """The report scope, for those who may download reports at all. Programme leads: every
    authority's reports and London's (no authority). Borough leads: their own authorities'."""
    if not has_perm(user, Perm.REPORT_DOWNLOAD):
        return False
    if sees_all_authorities(user):
        return True
    return authority_id is not None and authority_id in led_authority_ids(user)


def may_break_glass(user: User) -> bool:
    """Whether the user may ask for break-glass access to a young person outside their reach,
    and whether a grant they hold counts at all (the visibility rule asks). Supervisors and
    borough leads; never a coach, programme lead, evaluator or administrator, whose roles
    grant it nowhere. A grant stops counting the moment its holder loses the role."""
    return has_perm(user, Perm.BREAK_GLASS)


def supervision_scope(user: User) -> Q:
    """A filter on SupervisionRecord for the records the user sees: those of the teams they
    supervise, of every team in the authorities they lead, and those at which they were
    present as a coach. (The cases discussed follow the case rule, separately.)"""
    scope = Q(team_id__in=supervised_team_ids(user)) | Q(
        team__authority_id__in=led_authority_ids(user)
    )
    if has_caseload(user):
        scope |= Q(attendees__coach=user)
    return scope


#: The role whose holders carry a caseload, for raw SQL that counts them (staff figures).
CASELOAD_ROLE: str = Role.COACH.value


# --- Who holds a role where (lists of people, one query each) -------------------------------


def coach_memberships(team_ids: Iterable[int] | None = None) -> QuerySet[Membership]:
    """Coaches' memberships, of the given teams or all: the coaches a supervisor supervises and
    may record supervision with."""
    found = Membership.objects.filter(role=Role.COACH)
    return found if team_ids is None else found.filter(team_id__in=team_ids)


def allocatable_coaches(authority_id: int) -> QuerySet[Membership]:
    """Coaches a case in the authority may be allocated to: the coaches of its active teams
    who can still sign in (one membership each, so a coach in two teams is offered twice)."""
    return Membership.objects.filter(
        role=Role.COACH, team__authority_id=authority_id, team__active=True, user__is_active=True
    )


def authority_coach_memberships(authority_id: int) -> QuerySet[Membership]:
    """Every coach's membership in the authority's teams, whether or not they can still sign
    in: who may have held a session or a case recorded there before (an import of a
    borough's history names coaches who have since left)."""
    return Membership.objects.filter(role=Role.COACH, team__authority_id=authority_id)


def coaches_in(user: User, team: Team) -> bool:
    """Whether `user` coaches in `team`, so a case may be allocated to them there."""
    return Membership.objects.filter(user=user, role=Role.COACH, team=team).exists()


def supervisor_memberships(team_id: int | None = None) -> QuerySet[Membership]:
    """Memberships of supervisors who can sign in, of one team or all: who is told of a concern
    raised in their team, and who receives the weekly digest."""
    found = Membership.objects.filter(role=Role.SUPERVISOR, user__is_active=True)
    return found if team_id is None else found.filter(team_id=team_id)


def lead_memberships() -> QuerySet[Membership]:
    """Every borough lead's membership, one per authority led."""
    return Membership.objects.filter(role=Role.BOROUGH_LEAD)


def action_owner_candidates(team: Team) -> QuerySet[User]:
    """People other than the supervisor recording it who may own an action agreed at the
    team's supervision: its coaches."""
    return User.objects.filter(memberships__role=Role.COACH, memberships__team=team)


def spending_approvers(episode: Episode) -> QuerySet[User]:
    """Who may approve spending on the case (before separation of duties takes out the person
    recording it): the team's supervisors and the authority's borough leads who can sign in."""
    return (
        User.objects.filter(
            Q(memberships__role=Role.SUPERVISOR, memberships__team_id=episode.team_id)
            | Q(
                memberships__role=Role.BOROUGH_LEAD, memberships__authority_id=episode.authority_id
            ),
            is_active=True,
        )
        .distinct()
        .order_by("full_name")
    )


class EqualsAny(Func):
    """`column = ANY(ARRAY(subquery))`. The subquery runs once and its few values feed an index
    scan. Written as `column IN (subquery)` or a correlated EXISTS inside an OR, as the visibility
    rule is, PostgreSQL instead scans every episode (measured by make bench at scale 10)."""

    output_field = BooleanField()
    conditional = True

    def as_sql(  # type: ignore[override]  # Func's keywords in **extra
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, subquery = self.get_source_expressions()
        lhs, lhs_params = compiler.compile(column)
        rhs, rhs_params = compiler.compile(subquery)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def covering_today(user: User, today: date | None = None) -> Q:
    """Episodes of colleagues this coach is covering today, in the team of the cover."""
    today = today or timezone.localdate()
    covers = Cover.objects.filter(
        covering_coach=user,
        team_id__in=team_ids(user, Role.COACH),
        starts_on__lte=today,
        ends_on__gte=today,
    )
    # The first part narrows to the absent coaches' episodes by index; the second keeps only
    # those in the team each cover is for.
    return Q(
        EqualsAny(F("coach_id"), Subquery(covers.values("absent_coach_id"))),
        Exists(covers.filter(absent_coach=OuterRef("coach"), team=OuterRef("team"))),
    )


def case_scope(user: User, role: Role | None = None) -> Q | None:
    """A filter on Episode for the cases the user reaches (through one role, or all).

    None means nothing at all, so callers can skip the query. Outside this module, ask for all
    of them, or for `caseload_scope` or `authority_scope`.
    """
    scope: Q | None = None

    def add(q: Q) -> None:
        nonlocal scope
        scope = q if scope is None else scope | q

    held = roles(user)
    if Role.COACH in held and role in (None, Role.COACH):
        add(Q(coach=user, team_id__in=team_ids(user, Role.COACH)) | covering_today(user))
    if Role.SUPERVISOR in held and role in (None, Role.SUPERVISOR):
        add(Q(team_id__in=team_ids(user, Role.SUPERVISOR)))
    if Role.BOROUGH_LEAD in held and role in (None, Role.BOROUGH_LEAD):
        add(Q(authority_id__in=authority_ids(user, Role.BOROUGH_LEAD)))
    return scope


def caseload_scope(user: User) -> Q | None:
    """The coach's own caseload: the cases allocated to them in their teams, and those of
    colleagues they cover today. None if they coach nowhere."""
    return case_scope(user, Role.COACH)


def authority_scope(user: User) -> Q | None:
    """Every case in the authorities the user leads. None if they lead none."""
    return case_scope(user, Role.BOROUGH_LEAD)


def _grant_covers(user: User, grant: Grant, episode: Episode, today: date) -> bool:
    if grant.role == Role.COACH:
        if episode.team_id != grant.team_id:
            return False
        if episode.coach_id == user.pk:
            return True
        return Cover.objects.filter(  # type: ignore[misc]  # a coach's grant names a team
            covering_coach=user,
            absent_coach_id=episode.coach_id,
            team_id=grant.team_id,
            starts_on__lte=today,
            ends_on__gte=today,
        ).exists()
    if grant.role == Role.SUPERVISOR:
        return episode.team_id == grant.team_id
    if grant.role == Role.BOROUGH_LEAD:
        return episode.authority_id == grant.authority_id
    return False


def can(user: User, perm: Perm, episode: Episode) -> bool:
    """Whether the user may use `perm` on this episode: some role grants it *here*.

    Only a role's own reach counts. Break-glass access (cases/break_glass/) lets its holder
    see one young person's record through the visibility rule, and nothing more: it is no
    role's grant, so every permission asked of `can` and `require_on` is refused (403) on a
    case whose only reach is break-glass."""
    today = timezone.localdate()
    if not any(
        perm in ROLE_PERMISSIONS[g.role] and _grant_covers(user, g, episode, today)
        for g in grants(user)
    ):
        return False
    if episode.is_current:
        return True
    # An earlier episode: only someone who also holds the young person's current episode (so
    # still sees the record at all) may act on it; its old holders no longer can.
    return type(episode).objects.visible_to(user).filter(pk=episode.pk).exists()


def require_on(user: User, perm: Perm, episode: Episode) -> None:
    """403 for a visible record that the user's roles may not change (docs/architecture.md)."""
    if not can(user, perm, episode):
        raise PermissionDenied


# --- Running an authority's people (X8) -----------------------------------------------------
#
# A borough lead runs the people of the authorities they lead, and no one else: the roles they
# may give are a coach's and a supervisor's, in those authorities' teams, and the people they
# run are those whose every role is one of those. So a lead can never give access outside their
# authority, never make anyone a borough lead, programme lead, evaluator or administrator, and
# never change the access of someone who holds one of those roles or works in another borough.

#: The roles a borough lead may give and take away, in a team of an authority they lead.
GIVABLE_ROLES = TEAM_ROLES


def givable_role_choices() -> list[tuple[str, str]]:
    """The roles a borough lead may give, as (value, label) for a form."""
    return [(r.value, str(r.label)) for r in GIVABLE_ROLES]


def may_give(role_value: str) -> bool:
    """Whether a borough lead may give this role (by its stored value) at all."""
    return role_value in {r.value for r in GIVABLE_ROLES}


def role_label(role_value: str) -> str:
    return str(Role(role_value).label)


def gives_a_caseload(role_value: str) -> bool:
    """Whether holding this role in a team means carrying cases there (so cover can be
    arranged for them, and cases left with them when it is taken away)."""
    return role_value == Role.COACH.value


def managed_teams(user: User) -> QuerySet[Team]:
    """Teams of the authorities the user leads: those whose people and cover they run."""
    return Team.objects.filter(authority_id__in=led_authority_ids(user))


def people_run_by(user: User) -> QuerySet[User]:
    """The people a borough lead runs: everyone whose every role is a coach's or supervisor's
    in a team of an authority the lead leads, other than staff and the lead themselves. Nobody
    holding another role (a borough lead, a programme lead, an evaluator, an administrator) or
    a role in another authority's team is among them: only the administrator changes theirs."""
    led = led_authority_ids(user)
    if not led:
        return User.objects.none()
    elsewhere = Membership.objects.filter(user=OuterRef("pk")).exclude(
        role__in=GIVABLE_ROLES, team__authority_id__in=led
    )
    return (
        User.objects.filter(
            memberships__role__in=GIVABLE_ROLES,
            memberships__team__authority_id__in=led,
            is_staff=False,
            is_superuser=False,
        )
        .exclude(Exists(elsewhere))
        .exclude(pk=user.pk)
        .distinct()
    )


def team_role_memberships(person: User, teams: QuerySet[Team]) -> QuerySet[Membership]:
    """The person's coach and supervisor roles in these teams: those a lead may take away."""
    return Membership.objects.filter(user=person, role__in=GIVABLE_ROLES, team__in=teams)


# --- Separation of duties -------------------------------------------------------------------
#
# An approval needs a second person: nobody approves what they asked for themselves, whatever
# roles they hold (a supervisor who also coaches may not close her own case, nor sign off her
# own spending). Every approval asks here, and every list of people who may approve leaves the
# requester out, so the rule holds for approvals added later too.


def separation_of_duties(*, requested_by_id: int | None, approver_id: int | None) -> bool:
    """Whether the approver is someone other than the person who asked."""
    return approver_id is not None and approver_id != requested_by_id


def other_than_requester(people: Iterable[User], *, requested_by_id: int | None) -> list[User]:
    """The people who may approve a request, without the person who made it."""
    return [
        p for p in people if separation_of_duties(requested_by_id=requested_by_id, approver_id=p.pk)
    ]
