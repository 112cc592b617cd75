"""Who may do what: named permissions, the roles that grant them, and where.

This is the one module that maps roles to permissions (ENGINEERING.md §3.3). A person's access
is the union of their memberships, each applying only to its own place: a coach's permissions
apply to the cases allocated to them (or that they cover), a supervisor's to the cases of their
team, a borough lead's to the cases of their authority. Programme leads, evaluators and
administrators hold service-wide permissions that reach no named young person.

Which records a person can *see* is `Episode.objects.visible_to(user)` (cases/models.py), built
from `case_scope()` below. Whether they may *change* a record they can see is `can()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import Cover, Membership, Role

if TYPE_CHECKING:
    from accounts.models import User
    from cases.models import Episode


class Perm(StrEnum):
    # Case records (a named young person).
    CASE_READ = "case.read"
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
    # Aggregates and files (no named young person).
    AGGREGATE_READ = "aggregate.read"
    REPORT_DOWNLOAD = "report.download"
    EXTRACT_DOWNLOAD = "extract.download"
    # Running the service.
    SERVICE_ADMIN = "service.admin"


#: The whole mapping from roles to permissions. Case permissions apply only within the scope of
#: the membership that grants them.
ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.COACH: frozenset(
        {
            Perm.CASE_READ,
            Perm.CASE_WRITE,
            Perm.SESSION_WRITE,
            Perm.GOAL_WRITE,
            Perm.MEASURE_WRITE,
            Perm.FLAG_WRITE,
            Perm.BUDGET_WRITE,
            Perm.CLOSURE_REQUEST,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            Perm.CASE_READ,
            # Correcting the young person's profile and key contacts.
            Perm.CASE_WRITE,
            Perm.FLAG_WRITE,
            Perm.CLOSURE_APPROVE,
            Perm.SUPERVISION_WRITE,
            Perm.REVIEW_READ,
        }
    ),
    Role.BOROUGH_LEAD: frozenset(
        {
            Perm.CASE_READ,
            Perm.CASE_WRITE,
            Perm.REFERRAL_WRITE,
            Perm.CASE_ALLOCATE,
            Perm.FLAG_WRITE,
            Perm.AUDIT_READ,
            Perm.RETENTION_REVIEW,
            Perm.SUBJECT_ACCESS,
            Perm.REVIEW_READ,
            Perm.AGGREGATE_READ,
            Perm.REPORT_DOWNLOAD,
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
        user._yc_grants = cached  # type: ignore[union-attr]
    return cached


def roles(user: User) -> frozenset[str]:
    return frozenset(g.role for g in grants(user))


def has_perm(user: User, perm: Perm) -> bool:
    """Whether any of the user's roles grants `perm` somewhere (for navigation and views)."""
    return any(perm in ROLE_PERMISSIONS[g.role] for g in grants(user))


def require(user: User, perm: Perm) -> None:
    if not has_perm(user, perm):
        raise PermissionDenied


def team_ids(user: User, role: Role) -> list[int]:
    return [g.team_id for g in grants(user) if g.role == role and g.team_id is not None]


def authority_ids(user: User, role: Role) -> list[int]:
    return [g.authority_id for g in grants(user) if g.role == role and g.authority_id is not None]


class EqualsAny(Func):
    """`column = ANY(ARRAY(subquery))`. The subquery runs once and its few values feed an index
    scan. Written as `column IN (subquery)` or a correlated EXISTS inside an OR, as the visibility
    rule is, PostgreSQL instead scans every episode (measured by make bench at scale 10)."""

    output_field = BooleanField()
    conditional = True

    def as_sql(self, compiler, connection, **extra):  # type: ignore[no-untyped-def, override]
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

    None means nothing at all, so callers can skip the query.
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


def _grant_covers(user: User, grant: Grant, episode: Episode, today: date) -> bool:
    if grant.role == Role.COACH:
        if episode.team_id != grant.team_id:
            return False
        if episode.coach_id == user.pk:
            return True
        return Cover.objects.filter(
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
    """Whether the user may use `perm` on this episode: some role grants it *here*."""
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
    """403 for a visible record that the user's roles may not change (ENGINEERING.md §3.1)."""
    if not can(user, perm, episode):
        raise PermissionDenied


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
