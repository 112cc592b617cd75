"""A borough lead running their authority's people (X8): invitations, roles in its teams,
teams, cover, leavers and lost phones.

Every change here asks accounts/access.py whether this lead may make it, so a forged form
(another authority's team or person, a role they may not give) is refused here, whatever the
page offered. Roles, cover and accounts are audited with before and after by their model
signals (accounts/access_audit.py), with the lead as actor; invitations and resets are audited
here.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import access
from accounts.emails import hash_token
from accounts.models import (
    CouncilSignInDevice,
    Cover,
    Invitation,
    InvitationPurpose,
    Membership,
    Team,
    User,
)
from accounts.tasks import send_invitation
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data.errors import DomainError
from yourchoice.jobs.queue import send_after_commit

#: How long an emailed link works.
INVITATION_HOURS = 72
NOT_YOURS = "You can only do this for people and teams in your authority."
EMAIL_DELAYED = "The email may take a little longer than usual to arrive."


def _require_person(actor: User, person: User) -> None:
    if not access.managed_people(actor).filter(pk=person.pk).exists():
        raise DomainError(NOT_YOURS)


def _require_team(actor: User, team: Team) -> None:
    if not access.may_manage_team(actor, team):
        raise DomainError(NOT_YOURS)


def _new_invitation(actor: User, person: User, purpose: str) -> Invitation:
    """Withdraw the person's open links and queue a fresh one (the worker makes its token)."""
    now = timezone.now()
    Invitation.objects.filter(user=person, used_at__isnull=True, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    invitation = Invitation.objects.create(
        user=person,
        purpose=purpose,
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=INVITATION_HOURS),
    )
    send_after_commit(send_invitation, invitation.pk, delayed=EMAIL_DELAYED)
    return invitation


def invite(*, actor: User, full_name: str, email: str, role: str, team: Team) -> User:
    """Make an account with one team role and email its owner a link to set it up. The account
    has no usable password and no second factor until that link is used."""
    if not access.may_grant(actor, role, team):
        raise DomainError(NOT_YOURS if access.is_grantable(role) else "Choose coach or supervisor")
    email = email.strip().lower()
    full_name = " ".join(full_name.split())
    with transaction.atomic():
        if User.objects.filter(email=email).exists():
            raise DomainError({"email": ["There is already an account with this email address"]})
        try:
            with transaction.atomic():
                person = User.objects.create_user(email, None, full_name=full_name)
        except IntegrityError:  # the same address invited at the same moment
            raise DomainError(
                {"email": ["There is already an account with this email address"]}
            ) from None
        Membership.objects.create(user=person, role=role, team=team)
        invitation = _new_invitation(actor, person, InvitationPurpose.JOIN)
        audit.record(
            actor=actor,
            action=AuditAction.INVITATION_SEND,
            obj=invitation,
            authority_id=team.authority_id,
            user_id=person.pk,
        )
    return person


def open_invitation(token: str) -> Invitation | None:
    """The invitation this link's token belongs to, if it still works."""
    if not token or len(token) > 100:
        return None
    found = Invitation.objects.select_related("user").filter(token_hash=hash_token(token)).first()
    return found if found is not None and found.is_open else None


def invitation_by_id(pk: object) -> Invitation | None:
    """The invitation a session was given by its link, if it still works."""
    if not isinstance(pk, int):
        return None
    found = Invitation.objects.select_related("user").filter(pk=pk).first()
    return found if found is not None and found.is_open else None


def accept(*, invitation: Invitation, password: str | None) -> User:
    """Use the link once: set the password chosen (none for a council account, which signs in
    through its council). The second factor is set up next, at the set-up step."""
    person = invitation.user
    if password is not None:
        try:
            validate_password(password, person)
        except ValidationError as error:
            raise DomainError({"password": list(error.messages)}) from None
    with transaction.atomic():
        used = Invitation.objects.filter(
            pk=invitation.pk, used_at__isnull=True, withdrawn_at__isnull=True
        ).update(used_at=timezone.now())
        if not used:
            raise DomainError(
                "This link has already been used. Ask your borough lead for a new one."
            )
        if password is not None:
            person.set_password(password)
            person.save(update_fields=["password"])
        audit.record(actor=person, action=AuditAction.INVITATION_ACCEPT, obj=invitation)
    return person


def reset_second_factor(*, actor: User, person: User) -> Invitation:
    """A lost phone: the person's authenticator apps and passkeys stop working now, and a fresh
    link lets them set up a new phone at their next sign-in."""
    _require_person(actor, person)
    with transaction.atomic():
        removed = {
            "apps": TOTPDevice.objects.filter(user=person).delete()[0],
            "passkeys": WebAuthnCredential.objects.filter(user=person).delete()[0],
            "council": CouncilSignInDevice.objects.filter(user=person).delete()[0],
        }
        invitation = _new_invitation(actor, person, InvitationPurpose.RESET)
        audit.record(
            actor=actor,
            action=AuditAction.SECOND_FACTOR_RESET,
            obj=person,
            before=removed,
            after={"apps": 0, "passkeys": 0, "council": 0},
        )
    return invitation


def role_give(*, actor: User, person: User, role: str, team: Team) -> Membership:
    _require_person(actor, person)
    if not access.may_grant(actor, role, team):
        raise DomainError(NOT_YOURS if access.is_grantable(role) else "Choose coach or supervisor")
    with transaction.atomic():
        found = Membership.objects.filter(user=person, role=role, team=team).first()
        if found is not None:
            return found  # a second submit of the same form
        return Membership.objects.create(user=person, role=role, team=team)


def role_remove(*, actor: User, membership: Membership) -> None:
    if not access.may_take_away(actor, membership):
        raise DomainError(NOT_YOURS)
    if (
        access.carries_cover(membership)
        and Cover.objects.filter(team=membership.team, ends_on__gte=timezone.localdate())
        .filter(Q(absent_coach=membership.user) | Q(covering_coach=membership.user))
        .exists()
    ):
        raise DomainError("End the cover this person is part of in this team first.")
    membership.delete()


def team_create(*, actor: User, authority_id: int, name: str) -> Team:
    name = " ".join(name.split())
    if authority_id not in access.people_authority_ids(actor):
        raise DomainError(NOT_YOURS)
    if Team.objects.filter(authority_id=authority_id, name__iexact=name).exists():
        raise DomainError({"name": ["There is already a team with this name"]})
    with transaction.atomic():
        team = Team.objects.create(authority_id=authority_id, name=name)
        audit.record(
            actor=actor,
            action=AuditAction.TEAM_CREATE,
            obj=team,
            authority_id=authority_id,
            after={"name": name},
        )
    return team


def team_rename(*, actor: User, team: Team, name: str) -> Team:
    _require_team(actor, team)
    name = " ".join(name.split())
    if (
        Team.objects.filter(authority_id=team.authority_id, name__iexact=name)
        .exclude(pk=team.pk)
        .exists()
    ):
        raise DomainError({"name": ["There is already a team with this name"]})
    before = team.name
    with transaction.atomic():
        team.name = name
        team.save(update_fields=["name"])
        audit.record(
            actor=actor,
            action=AuditAction.TEAM_RENAME,
            obj=team,
            authority_id=team.authority_id,
            before={"name": before},
            after={"name": name},
        )
    return team


def cover_arrange(
    *, actor: User, team: Team, absent: User, covering: User, starts_on: date, ends_on: date
) -> Cover:
    _require_team(actor, team)
    if not (access.may_cover(absent, team) and access.may_cover(covering, team)):
        raise DomainError("Both people must be coaches in this team.")
    if absent.pk == covering.pk:
        raise DomainError({"covering": ["Choose someone other than the person away"]})
    if ends_on < starts_on:
        raise DomainError({"ends_on": ["The end date must be on or after the start date"]})
    with transaction.atomic():
        found = Cover.objects.filter(
            team=team,
            absent_coach=absent,
            covering_coach=covering,
            starts_on=starts_on,
            ends_on=ends_on,
        ).first()
        if found is not None:
            return found  # a second submit of the same form
        return Cover.objects.create(
            team=team,
            absent_coach=absent,
            covering_coach=covering,
            starts_on=starts_on,
            ends_on=ends_on,
            arranged_by=actor,
        )


def cover_end(*, actor: User, cover: Cover) -> Cover:
    """End cover now: its last day becomes yesterday, or, if it starts today or later, it is
    removed."""
    _require_team(actor, cover.team)
    today = timezone.localdate()
    if cover.starts_on >= today:
        cover.delete()
        return cover
    cover.ends_on = min(cover.ends_on, today - timedelta(days=1))
    cover.save(update_fields=["ends_on"])
    return cover


def deactivate(*, actor: User, person: User) -> User:
    """A leaver: they can no longer sign in, and any link they were sent stops working. Their
    roles stay, so the trail still reads, and their cases wait to be reallocated."""
    _require_person(actor, person)
    if person.pk == actor.pk:
        raise DomainError("You cannot switch off your own account.")
    with transaction.atomic():
        person.is_active = False
        person.save(update_fields=["is_active"])
        Invitation.objects.filter(user=person, used_at__isnull=True).update(
            withdrawn_at=timezone.now()
        )
    return person
