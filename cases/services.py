"""Writes to cases: referral, allocation, flags, closure (docs/programme.md C1–C6, V4).

Each service takes the acting person, checks they may act *here*, validates, saves in one
transaction and writes an audit event. Services raise DomainError, never HTTP errors.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from accounts.models import Authority, Team
from cases.models import (
    Allocation,
    AllocationKind,
    BudgetSpend,
    ClosureDecision,
    ClosureRequest,
    EndingReason,
    Episode,
    EpisodeStatus,
    EpisodeStatusChange,
    FlagLevel,
    FlagReview,
    Referral,
    RiskFlag,
    YoungPerson,
)
from cases.notifications.models import NotificationKind
from cases.notifications.services import notify
from cases.programme import MAX_AGE, MIN_AGE
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data import dates
from yourchoice.data.errors import AgeToConfirm, DomainError, PossibleDuplicate, StaleVersion
from yourchoice.jobs import queue
from yourchoice.web.concurrency import last_editor, require_version, save_changes

if TYPE_CHECKING:
    from accounts.models import User
    from sessions.models import SessionLog


age_on = dates.age_on


def age_problem(*, date_of_birth: date, received_on: date) -> str | None:
    """Why the young person's age at referral is outside the programme's, or None."""
    age = age_on(date_of_birth, received_on)
    if MIN_AGE <= age <= MAX_AGE:
        return None
    return (
        f"The young person was {age} when referred. Your Choice is for ages {MIN_AGE} to {MAX_AGE}."
    )


def eligibility_problems(
    *, date_of_birth: date, received_on: date, authority: Authority, consent_given: bool
) -> list[str]:
    """Why a referral is not eligible, in plain English; empty when it is (C1)."""
    problems = []
    if age := age_problem(date_of_birth=date_of_birth, received_on=received_on):
        problems.append(age)
    if not authority.active:
        problems.append(f"{authority.name} is not currently running Your Choice.")
    if not consent_given:
        problems.append("The young person has not agreed to take part.")
    return problems


def likely_duplicates(
    *, authority: Authority, date_of_birth: date, given_name: str, family_name: str
) -> list[YoungPerson]:
    """Young people in the authority with the same date of birth and a similar name (C2)."""
    similar = Q(family_name__iexact=family_name.strip()) | Q(
        given_name__istartswith=given_name.strip()[:3]
    )
    return list(
        YoungPerson.objects.filter(Q(authority=authority, date_of_birth=date_of_birth) & similar)
    )


def _next_reference(authority: Authority) -> str:
    # One row-locked counter per authority keeps references unique and gap-free under load.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_authority SET last_reference_number = last_reference_number + 1 "
            "WHERE id = %s RETURNING last_reference_number",
            [authority.pk],
        )
        (number,) = cursor.fetchone()
    return f"YC-{authority.gss_code}-{number:06d}"


def reserve_references(authority: Authority, count: int) -> list[str]:
    """`count` new references in the authority at once, issued as `_next_reference` issues
    them (one counter, no gaps), for an import that creates many young people together."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_authority SET last_reference_number = last_reference_number + %s "
            "WHERE id = %s RETURNING last_reference_number",
            [count, authority.pk],
        )
        (last,) = cursor.fetchone()
    return [f"YC-{authority.gss_code}-{n:06d}" for n in range(last - count + 1, last + 1)]


@dataclass(frozen=True)
class YoungPersonDetails:
    given_name: str
    family_name: str
    date_of_birth: date
    preferred_name: str = ""
    gender: str = "not_known"
    ethnicity: str = "notknown_notknown"
    special_needs: str = "not_known"
    looked_after: str = "not_known"
    education_status: str = "not_known"
    youth_justice: str = "not_known"
    research_consent: bool = False


#: The young person's fields a referral records and a correction may change.
YOUNG_PERSON_FIELDS = tuple(f.name for f in dataclasses.fields(YoungPersonDetails))


def _change_status(*, episode: Episode, to: str, actor: User) -> None:
    EpisodeStatusChange.objects.create(
        episode=episode, from_status=episode.status, to_status=to, changed_by=actor
    )
    episode.status = to


@transaction.atomic
def referral_create(
    *,
    actor: User,
    authority: Authority,
    details: YoungPersonDetails,
    referrer_name: str,
    referrer_organisation: str,
    received_on: date,
    panel_date: date,
    risk_level: str,
    harms: list[str],
    consent_given: bool,
    existing_young_person: YoungPerson | None = None,
    confirmed_not_duplicate: bool = False,
    date_of_birth_confirmed: bool = False,
) -> Episode:
    """Record a referral, creating the young person unless an existing one is named (C1, C2).

    An ineligible referral is still recorded (reports count referrals received), as an episode
    that was not taken on, with the reasons in plain English. When the young person's age is
    the only reason, the date of birth may simply be mistyped: nothing is saved (AgeToConfirm)
    until the person recording it confirms the date (`date_of_birth_confirmed`).
    """
    if authority.pk not in access.led_authority_ids(actor):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if not harms:
        errors["harms"] = ["Choose at least one harm of concern."]
    dates.add(errors, "received_on", dates.happened(received_on, what="The date received"))
    if panel_date > received_on:
        errors["panel_date"] = ["The panel date must be on or before the date received."]
    else:
        dates.add(errors, "panel_date", dates.happened(panel_date, what="The panel date"))
    if existing_young_person is None and "received_on" not in errors:
        dates.add(
            errors,
            "date_of_birth",
            dates.date_of_birth(
                details.date_of_birth,
                referred_on=received_on,
                referral_what="the date the referral was received",
            ),
        )
    if errors:
        raise DomainError(errors)

    if existing_young_person is None:
        if not confirmed_not_duplicate:
            matches = likely_duplicates(
                authority=authority,
                date_of_birth=details.date_of_birth,
                given_name=details.given_name,
                family_name=details.family_name,
            )
            if matches:
                raise PossibleDuplicate(matches)
        date_of_birth = details.date_of_birth
    else:
        date_of_birth = existing_young_person.date_of_birth
        if existing_young_person.authority_id != authority.pk:
            raise PermissionDenied
        if Episode.objects.open().filter(young_person=existing_young_person).exists():
            raise DomainError("This young person already has an open case.")

    problems = eligibility_problems(
        date_of_birth=date_of_birth,
        received_on=received_on,
        authority=authority,
        consent_given=consent_given,
    )
    age = age_problem(date_of_birth=date_of_birth, received_on=received_on)
    if problems == [age] and not date_of_birth_confirmed:
        raise AgeToConfirm(
            f"{age} Check the date of birth. If it is right, confirm it, and the referral "
            "will be recorded as not taken on."
        )
    if existing_young_person is None:
        young_person = YoungPerson.objects.create(
            reference=_next_reference(authority), authority=authority, **details.__dict__
        )
    else:
        young_person = existing_young_person
    # The new episode becomes the current one: whoever holds it now holds the whole record.
    Episode.objects.filter(young_person=young_person, is_current=True).update(is_current=False)
    episode = Episode.objects.create(
        young_person=young_person,
        authority=authority,
        is_current=True,
        referred_on=received_on,
        activity_budget_pence=settings.ACTIVITY_BUDGET_PENCE,
        status=EpisodeStatus.REFERRED,
    )
    EpisodeStatusChange.objects.create(
        episode=episode, from_status="", to_status=EpisodeStatus.REFERRED, changed_by=actor
    )
    Referral.objects.create(
        episode=episode,
        referrer_name=referrer_name,
        referrer_organisation=referrer_organisation,
        received_on=received_on,
        panel_date=panel_date,
        risk_level=risk_level,
        harms=harms,
        consent_given=consent_given,
        eligible=not problems,
        ineligible_reasons=problems,
        recorded_by=actor,
    )
    if problems:
        _change_status(episode=episode, to=EpisodeStatus.NOT_TAKEN_ON, actor=actor)
        episode.closed_on = received_on
        episode.ending_reason = EndingReason.NOT_ELIGIBLE
        episode.save(update_fields=["status", "closed_on", "ending_reason"])
    audit.record_for_episode(
        actor=actor, action=AuditAction.REFERRAL_CREATE, episode=episode, eligible=not problems
    )
    return episode


@transaction.atomic
def referral_reassess(
    *, actor: User, episode: Episode, version: int, date_of_birth: date
) -> Episode:
    """Correct the date of birth on a referral that was not taken on, and check it again (C1).

    A mistyped date of birth can make a referral look ineligible. The borough lead corrects the
    date (as a change to the young person's details, refused if someone changed them since the
    page was opened); the eligibility is worked out again from the referral as recorded; and
    if nothing stands in the way now, the case goes back to waiting for allocation. The audit
    event says what changed before and after (the status, the eligibility and the age at
    referral), never the date itself.
    """
    episode = (
        Episode.objects.select_for_update(of=("self",))
        .select_related("authority", "referral")
        .get(pk=episode.pk)
    )
    access.require_on(actor, Perm.REFERRAL_WRITE, episode)
    if episode.status != EpisodeStatus.NOT_TAKEN_ON:
        raise DomainError("Only a referral that was not taken on can be re-assessed.")
    if not episode.is_current:
        raise DomainError(
            "This young person has been referred again since, so this referral cannot be "
            "taken on. Record a new referral instead."
        )
    young_person = YoungPerson.objects.select_for_update().get(pk=episode.young_person_id)
    if young_person.anonymised_at is not None:
        raise DomainError("This record has been anonymised and can no longer be changed.")
    require_version(
        young_person,
        version,
        what="this young person's details",
        actions=(AuditAction.YOUNG_PERSON_UPDATE, AuditAction.REFERRAL_REASSESS),
        actor=actor,
        young_person_id=young_person.pk,
    )
    referral = episode.referral
    errors: dict[str, list[str]] = {}
    dates.add(
        errors,
        "date_of_birth",
        dates.date_of_birth(
            date_of_birth,
            referred_on=_first_referral_on(young_person),
            referral_what="the first referral",
        ),
    )
    if errors:
        raise DomainError(errors)
    if Episode.objects.open().filter(young_person=young_person).exists():
        raise DomainError(
            "This young person already has an open case, so this referral cannot be taken on."
        )
    before_age = age_on(young_person.date_of_birth, referral.received_on)
    changed = save_changes(young_person, {"date_of_birth": date_of_birth})
    problems = eligibility_problems(
        date_of_birth=date_of_birth,
        received_on=referral.received_on,
        authority=episode.authority,
        consent_given=referral.consent_given,
    )
    referral.eligible = not problems
    referral.ineligible_reasons = problems
    referral.save(update_fields=["eligible", "ineligible_reasons"])
    if not problems:
        _change_status(episode=episode, to=EpisodeStatus.REFERRED, actor=actor)
        episode.closed_on = None
        episode.ending_reason = ""
        episode.updated_at = timezone.now()
        episode.version += 1
        episode.save(
            update_fields=["status", "closed_on", "ending_reason", "updated_at", "version"]
        )
    audit.record_for_episode(
        actor=actor,
        action=AuditAction.REFERRAL_REASSESS,
        episode=episode,
        fields=changed,
        before={"status": EpisodeStatus.NOT_TAKEN_ON, "eligible": False, "age": before_age},
        after={
            "status": episode.status,
            "eligible": not problems,
            "age": age_on(date_of_birth, referral.received_on),
        },
    )
    return episode


def _first_referral_on(young_person: YoungPerson) -> date:
    # A young person exists only with a case, so there is always a first.
    return (
        Episode.objects.filter(young_person=young_person)
        .order_by("referred_on")
        .values_list("referred_on", flat=True)[0]
    )


@transaction.atomic
def episode_allocate(*, actor: User, episode: Episode, coach: User, team: Team) -> Episode:
    """Allocate a case to a coach, or reallocate it within the authority (C5)."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    access.require_on(actor, Perm.CASE_ALLOCATE, episode)
    if not episode.is_open:
        raise DomainError("A closed case cannot be allocated. Record a new referral instead.")
    if team.authority_id != episode.authority_id:
        raise DomainError({"team": ["Choose a team in the case's own authority."]})
    if not access.coaches_in(coach, team):
        raise DomainError({"coach": [f"{coach} is not a coach in {team.name}."]})
    if episode.coach_id == coach.pk and episode.team_id == team.pk:
        raise DomainError({"coach": ["The case is already allocated to this coach."]})

    now = timezone.now()
    previous = Allocation.objects.filter(episode=episode, ends_at__isnull=True)
    kind = AllocationKind.REALLOCATED if previous.exists() else AllocationKind.ALLOCATED
    previous.update(ends_at=now)
    Allocation.objects.create(
        episode=episode,
        kind=kind,
        authority_id=episode.authority_id,
        team=team,
        coach=coach,
        starts_at=now,
        made_by=actor,
    )
    episode.coach = coach
    episode.team = team
    fields = ["coach", "team", "updated_at", "version"]
    if episode.status == EpisodeStatus.REFERRED:
        _change_status(episode=episode, to=EpisodeStatus.ALLOCATED, actor=actor)
        episode.allocated_on = timezone.localdate()
        fields += ["status", "allocated_on"]
    episode.updated_at = now
    episode.version += 1
    episode.save(update_fields=fields)
    action = (
        AuditAction.EPISODE_REALLOCATED
        if kind == AllocationKind.REALLOCATED
        else AuditAction.EPISODE_ALLOCATED
    )
    audit.record_for_episode(actor=actor, action=action, episode=episode, coach_id=coach.pk)
    notify(
        recipients=[coach.pk],
        kind=NotificationKind.CASE_ALLOCATED,
        actor=actor,
        young_person_id=episode.young_person_id,
        object_id=episode.pk,
    )
    return episode


@transaction.atomic
def flag_raise(
    *,
    actor: User,
    episode: Episode,
    category: str,
    level: str,
    summary: str,
    review_on: date,
    session_log: SessionLog | None = None,
) -> RiskFlag:
    """Raise a risk or safeguarding flag (C6). A flag raised from a session tells the supervisor."""
    access.require_on(actor, Perm.FLAG_WRITE, episode)
    if not summary.strip():
        raise DomainError({"summary": ["Describe the concern."]})
    if problem := dates.ahead(review_on, what="The review date"):
        raise DomainError({"review_on": [problem]})
    flag = RiskFlag.objects.create(
        episode=episode,
        category=category,
        level=level,
        summary=summary.strip(),
        review_on=review_on,
        raised_by=actor,
        session=session_log,
    )
    audit.record_for_episode(
        actor=actor, action=AuditAction.FLAG_RAISE, episode=episode, obj=flag, level=level
    )
    supervisors = (
        list(access.supervisor_memberships(episode.team_id).values_list("user_id", flat=True))
        if episode.team_id is not None
        else []
    )
    notify(
        recipients=[episode.coach_id, *supervisors],
        kind=NotificationKind.FLAG_RAISED,
        actor=actor,
        young_person_id=episode.young_person_id,
        object_id=flag.pk,
        # A flag raised from a session already emails the supervisors (below).
        without_email=supervisors if session_log is not None else (),
    )
    if session_log is not None:
        # The tasks call these services: imported on use, so neither module needs the other
        # to finish loading first.
        from cases.tasks import notify_supervisors_of_flag

        queue.send_after_commit(
            notify_supervisors_of_flag,
            flag.pk,
            delayed="The concern is saved, but the email to your supervisor is delayed: it will "
            "be sent when the service catches up. If it is urgent, phone your supervisor.",
        )
    return flag


@transaction.atomic
def closure_request(
    *, actor: User, episode: Episode, ending_reason: str, summary: str
) -> ClosureRequest:
    """A coach asks to close a case; it closes only when a supervisor approves (C3, V4)."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    access.require_on(actor, Perm.CLOSURE_REQUEST, episode)
    if episode.status not in (EpisodeStatus.ALLOCATED, EpisodeStatus.ACTIVE):
        raise DomainError("Only an allocated or active case can be closed.")
    if ClosureRequest.objects.filter(episode=episode, decision=ClosureDecision.PENDING).exists():
        raise DomainError("A request to close this case is already waiting for approval.")
    if ending_reason not in EndingReason.values or ending_reason == EndingReason.NOT_ELIGIBLE:
        raise DomainError({"ending_reason": ["Choose why the case is ending."]})
    if not summary.strip():
        raise DomainError({"summary": ["Say briefly why the case should close."]})
    request = ClosureRequest.objects.create(
        episode=episode, ending_reason=ending_reason, summary=summary.strip(), requested_by=actor
    )
    audit.record_for_episode(
        actor=actor, action=AuditAction.CLOSURE_REQUEST, episode=episode, obj=request
    )
    return request


@transaction.atomic
def closure_decide(
    *, actor: User, closure: ClosureRequest, approve: bool, comment: str = ""
) -> ClosureRequest:
    """Approve (the case closes) or return (with a comment the coach sees) a closure request."""
    closure = ClosureRequest.objects.select_for_update().get(pk=closure.pk)
    episode = Episode.objects.select_for_update().get(pk=closure.episode_id)
    access.require_on(actor, Perm.CLOSURE_APPROVE, episode)
    if closure.decision != ClosureDecision.PENDING:
        raise DomainError("This request has already been decided.")
    if not access.separation_of_duties(
        requested_by_id=closure.requested_by_id, approver_id=actor.pk
    ):
        raise DomainError(
            "You asked to close this case, so another supervisor must approve or return it."
        )
    if not approve and not comment.strip():
        raise DomainError(
            {"comment": ["Say why the request is returned, so the coach knows what to do."]}
        )
    now = timezone.now()
    closure.decision = ClosureDecision.APPROVED if approve else ClosureDecision.RETURNED
    closure.decided_by = actor
    closure.decided_at = now
    closure.decision_comment = comment.strip()
    closure.save(update_fields=["decision", "decided_by", "decided_at", "decision_comment"])
    if approve:
        _change_status(episode=episode, to=EpisodeStatus.CLOSED, actor=actor)
        episode.closed_on = timezone.localdate()
        episode.ending_reason = closure.ending_reason
        episode.updated_at = now
        episode.version += 1
        episode.save(
            update_fields=["status", "closed_on", "ending_reason", "updated_at", "version"]
        )
        Allocation.objects.filter(episode=episode, ends_at__isnull=True).update(ends_at=now)
    audit.record_for_episode(
        actor=actor,
        action=AuditAction.CLOSURE_APPROVE if approve else AuditAction.CLOSURE_RETURN,
        episode=episode,
        obj=closure,
    )
    notify(
        recipients=[closure.requested_by_id],
        kind=NotificationKind.CLOSURE_APPROVED if approve else NotificationKind.CLOSURE_RETURNED,
        actor=actor,
        young_person_id=episode.young_person_id,
        object_id=closure.pk,
    )
    return closure


@transaction.atomic
def flag_resolve(*, actor: User, flag: RiskFlag, resolution: str) -> RiskFlag:
    """Close a flag with what was done. The flag stays on the record (C6). When two people
    resolve the same flag, the first resolution stands and the second is told whose it is."""
    current = RiskFlag.objects.select_for_update().select_related("episode").get(pk=flag.pk)
    access.require_on(actor, Perm.FLAG_WRITE, current.episode)
    if current.resolved_at is not None:
        who = last_editor(
            current,
            (AuditAction.FLAG_RESOLVE,),
            actor=actor,
            young_person_id=current.episode.young_person_id,
        )
        raise StaleVersion(
            f"{who or 'Someone else'} resolved this flag after you opened it, so your "
            "resolution has not been saved. Their resolution is on the young person's page.",
            current=current,
            changed_by=who,
        )
    if not resolution.strip():
        raise DomainError(
            {"resolution": ["Say what was done, or why the flag is no longer needed."]}
        )
    current.resolved_at = timezone.now()
    current.resolved_by = actor
    current.resolution = resolution.strip()
    current.version += 1
    current.updated_at = current.resolved_at
    current.save(
        update_fields=["resolved_at", "resolved_by", "resolution", "version", "updated_at"]
    )
    audit.record_for_episode(
        actor=actor, action=AuditAction.FLAG_RESOLVE, episode=current.episode, obj=current
    )
    return current


@transaction.atomic
def flag_review(
    *, actor: User, flag: RiskFlag, version: int, level: str, review_on: date
) -> RiskFlag:
    """Review an open flag: change how serious it is, or when it is next reviewed (C6).

    The coach, the supervisor and the borough lead may all review a flag: one made from a page
    that is no longer current is refused (StaleVersion) and nothing is written.
    """
    current = RiskFlag.objects.select_for_update().select_related("episode").get(pk=flag.pk)
    access.require_on(actor, Perm.FLAG_WRITE, current.episode)
    require_version(
        current,
        version,
        what="this flag",
        actions=(AuditAction.FLAG_REVIEW, AuditAction.FLAG_RESOLVE),
        actor=actor,
        young_person_id=current.episode.young_person_id,
    )
    if current.resolved_at is not None:
        raise DomainError("This flag has been resolved, so it is no longer reviewed.")
    errors: dict[str, list[str]] = {}
    if level not in FlagLevel.values:
        errors["level"] = ["Choose how serious it is."]
    dates.add(errors, "review_on", dates.ahead(review_on, what="The review date"))
    if errors:
        raise DomainError(errors)
    level_before, review_on_before = current.level, current.review_on
    changed = save_changes(current, {"level": level, "review_on": review_on})
    if not changed:
        return current
    FlagReview.objects.create(
        flag=current,
        reviewed_by=actor,
        reviewed_at=current.updated_at,
        level_before=level_before,
        level_after=current.level,
        review_on_before=review_on_before,
        review_on_after=current.review_on,
    )
    audit.record_for_episode(
        actor=actor,
        action=AuditAction.FLAG_REVIEW,
        episode=current.episode,
        obj=current,
        fields=changed,
        version=current.version,
    )
    return current


def budget_balance_pence(episode: Episode) -> int:
    spent = BudgetSpend.objects.filter(episode=episode).aggregate(total=Sum("amount_pence"))
    return episode.activity_budget_pence - (spent["total"] or 0)


def budget_approvers(episode: Episode, *, requested_by: User) -> list[User]:
    """Who may approve spending: the team's supervisors and the authority's borough leads,
    never the person recording it (a supervisor who also coaches does not sign off her own)."""
    people = access.spending_approvers(episode)
    return access.other_than_requester(people, requested_by_id=requested_by.pk)


@transaction.atomic
def budget_spend_record(
    *,
    actor: User,
    episode: Episode,
    description: str,
    amount_pence: int,
    spent_on: date,
    approved_by: User,
) -> BudgetSpend:
    """Record spending from the young person's activity budget (C8)."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    access.require_on(actor, Perm.BUDGET_WRITE, episode)
    errors: dict[str, list[str]] = {}
    if not description.strip():
        errors["description"] = ["Say what the money was spent on."]
    if amount_pence <= 0:
        errors["amount"] = ["Enter an amount more than £0."]
    elif amount_pence > budget_balance_pence(episode):
        remaining = budget_balance_pence(episode) / 100
        errors["amount"] = [f"That is more than the £{remaining:.2f} left in the budget."]
    dates.add(
        errors,
        "spent_on",
        dates.happened(
            spent_on,
            what="The date",
            not_before=episode.referred_on,
            not_before_what="the referral",
        ),
    )
    if not access.separation_of_duties(requested_by_id=actor.pk, approver_id=approved_by.pk):
        errors["approved_by"] = ["Choose someone other than yourself to approve the spending."]
    elif approved_by not in budget_approvers(episode, requested_by=actor):
        errors["approved_by"] = ["Choose a supervisor or borough lead for this case."]
    if errors:
        raise DomainError(errors)
    spend = BudgetSpend.objects.create(
        episode=episode,
        description=description.strip(),
        amount_pence=amount_pence,
        spent_on=spent_on,
        approved_by=approved_by,
        recorded_by=actor,
    )
    audit.record_for_episode(
        actor=actor,
        action=AuditAction.BUDGET_SPEND,
        episode=episode,
        obj=spend,
        amount_pence=amount_pence,
    )
    return spend


@transaction.atomic
def episode_transfer(*, actor: User, episode: Episode, to_authority: Authority) -> Episode:
    """Move an open case to another authority (C5). The history stays; the receiving
    authority's staff gain the case and it waits there for allocation."""
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    access.require_on(actor, Perm.CASE_ALLOCATE, episode)
    if not episode.is_open:
        raise DomainError("Only an open case can be transferred.")
    if to_authority.pk == episode.authority_id:
        raise DomainError({"authority": ["Choose a different authority."]})
    if not to_authority.active:
        raise DomainError({"authority": [f"{to_authority.name} is not running Your Choice."]})
    now = timezone.now()
    from_authority_id = episode.authority_id
    Allocation.objects.filter(episode=episode, ends_at__isnull=True).update(ends_at=now)
    Allocation.objects.create(
        episode=episode,
        kind=AllocationKind.TRANSFERRED,
        authority=to_authority,
        starts_at=now,
        made_by=actor,
    )
    if episode.status != EpisodeStatus.REFERRED:
        _change_status(episode=episode, to=EpisodeStatus.REFERRED, actor=actor)
    episode.authority = to_authority
    episode.team = None
    episode.coach = None
    episode.updated_at = now
    episode.version += 1
    episode.save(update_fields=["authority", "team", "coach", "status", "updated_at", "version"])
    YoungPerson.objects.filter(pk=episode.young_person_id).update(authority=to_authority)
    # Imported on use: the contexts' services build on this module's models.
    from cases.contexts.services import contexts_follow_transfer

    contexts_follow_transfer(episode.young_person_id, to_authority.pk)
    audit.record_for_episode(
        actor=actor,
        action=AuditAction.EPISODE_TRANSFER,
        episode=episode,
        from_authority_id=from_authority_id,
    )
    notify(
        recipients=access.lead_memberships()
        .filter(authority=to_authority)
        .values_list("user_id", flat=True),
        kind=NotificationKind.CASE_TRANSFERRED,
        actor=actor,
        young_person_id=episode.young_person_id,
        object_id=episode.pk,
    )
    return episode
