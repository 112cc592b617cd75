"""What a borough lead changes about their authority's people (X8). Each write is keyword-only,
takes the acting lead, checks the access policy, validates, saves in a transaction and is
audited with what was before and after: accounts, roles, teams and cover by the access trail's
model signals (accounts/access_audit.py), which name the lead as who did it (`acting_as`);
links and second-factor resets here."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import access
from accounts.access import Perm
from accounts.models import Cover, EnrolmentLink, EnrolmentLinkPurpose, Membership, Team, User
from accounts.people import links
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data import dates
from yourchoice.data.errors import DomainError
from yourchoice.web.request_context import acting_as

NAME_MAX = 150
TEAM_NAME_MAX = 100
NOT_YOURS = (
    "You can only change the people who work only in your authority's teams. Ask the service's "
    "administrator about anyone else."
)
NOT_YOUR_TEAM = "Choose one of your authority's teams."
NOT_GIVABLE = "Choose coach or supervisor. Only the service's administrator gives other roles."


def _require_lead(actor: User) -> None:
    if not access.has_perm(actor, Perm.PEOPLE_MANAGE):
        raise DomainError("Only a borough lead can change people and teams.")


def _require_runs(actor: User, person: User) -> None:
    _require_lead(actor)
    if not access.people_run_by(actor).filter(pk=person.pk).exists():
        raise DomainError(NOT_YOURS)


def _require_team(actor: User, team: Team, *, field: str = "team") -> None:
    if not access.managed_teams(actor).filter(pk=team.pk, active=True).exists():
        raise DomainError({field: [NOT_YOUR_TEAM]})


def _role_value(role: str) -> str:
    if not access.may_give(role):
        raise DomainError({"role": [NOT_GIVABLE]})
    return role


# --- Inviting -------------------------------------------------------------------------------


def person_invite(*, actor: User, email: str, full_name: str, team: Team, role: str) -> User:
    """Make an account for someone new, a coach or supervisor of one of the lead's teams; email
    them a one-time link to set up their sign-in. The account has no password and no second
    factor until they follow it: nobody else can sign in to it or set it up."""
    _require_lead(actor)
    _require_team(actor, team)
    role = _role_value(role)
    email = email.strip().lower()
    full_name = " ".join(full_name.split())
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        dates.add(
            errors, "email", "Enter an email address in the correct format, like name@example.org"
        )
    if not full_name:
        dates.add(errors, "full_name", "Enter their full name")
    elif len(full_name) > NAME_MAX:
        dates.add(errors, "full_name", f"Enter a name of {NAME_MAX} characters or fewer")
    if errors:
        raise DomainError(errors)
    if User.objects.annotate(lower=Lower("email")).filter(lower=email).exists():
        raise DomainError(
            {
                "email": [
                    "There is already an account with this email address. If they work only in "
                    "your teams, find them in your list of people and give them a role; "
                    "otherwise ask the service's administrator."
                ]
            }
        )
    with transaction.atomic(), acting_as(actor):
        try:
            with transaction.atomic():
                person = User.objects.create_user(email, None, full_name=full_name)
        except IntegrityError:  # the same address sent twice at once: one account
            raise DomainError(
                {"email": ["There is already an account with this email address."]}
            ) from None
        Membership.objects.create(user=person, role=role, team=team)
        links.issue(
            actor=actor,
            person=person,
            purpose=EnrolmentLinkPurpose.INVITATION,
            authority=team.authority,
        )
    return person


def invitation_resend(*, actor: User, person: User) -> EnrolmentLink:
    """A new invitation link for someone who has not set up their sign-in yet; the old one
    stops working."""
    _require_runs(actor, person)
    if not person.is_active:
        raise DomainError("Their account is switched off.")
    if TOTPDevice.objects.filter(user=person, confirmed=True).exists():
        raise DomainError(
            "They have already set up their sign-in. If their phone is lost, reset their "
            "second step instead."
        )
    team = access.managed_teams(actor).filter(memberships__user=person).first()
    return links.issue(
        actor=actor,
        person=person,
        purpose=EnrolmentLinkPurpose.INVITATION,
        authority=team.authority if team is not None else None,
    )


# --- Roles ----------------------------------------------------------------------------------


def role_give(*, actor: User, person: User, team: Team, role: str) -> Membership:
    """Make the person a coach or supervisor of one of the lead's teams as well."""
    _require_runs(actor, person)
    _require_team(actor, team)
    role = _role_value(role)
    if not person.is_active:
        raise DomainError("Their account is switched off: they cannot be given a role.")
    if Membership.objects.filter(user=person, role=role, team=team).exists():
        raise DomainError(
            {"role": [f"They are already a {access.role_label(role).lower()} in {team.name}."]}
        )
    with transaction.atomic(), acting_as(actor):
        try:
            with transaction.atomic():
                return Membership.objects.create(user=person, role=role, team=team)
        except IntegrityError:  # the same role given twice at once
            raise DomainError({"role": ["They already have this role."]}) from None


def role_remove(*, actor: User, person: User, membership: Membership) -> None:
    """Take one of the person's roles in the lead's teams away. Their last role cannot be:
    someone who leaves has their account switched off instead, so nobody is left signed in
    with nothing, and the leaver's cases are listed for reallocation."""
    _require_runs(actor, person)
    if (
        not access.team_role_memberships(person, access.managed_teams(actor))
        .filter(pk=membership.pk)
        .exists()
    ):
        raise DomainError({"membership": ["Choose one of their roles in your teams."]})
    with transaction.atomic(), acting_as(actor):
        # Locked, so two removals at once cannot take away the last two roles between them.
        held = list(Membership.objects.select_for_update().filter(user=person))
        if len(held) <= 1:
            raise DomainError(
                {
                    "membership": [
                        "This is their only role. If they have left, switch off their account "
                        "instead."
                    ]
                }
            )
        Membership.objects.filter(pk=membership.pk).delete()


# --- Teams ----------------------------------------------------------------------------------


def _team_name(actor_authority_id: int, name: str, *, other_than: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise DomainError({"name": ["Enter a name for the team"]})
    if len(name) > TEAM_NAME_MAX:
        raise DomainError({"name": [f"Enter a name of {TEAM_NAME_MAX} characters or fewer"]})
    taken = Team.objects.annotate(lower=Lower("name")).filter(
        authority_id=actor_authority_id, lower=name.lower()
    )
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    if taken.exists():
        raise DomainError({"name": ["Your authority already has a team with this name"]})
    return name


def team_create(*, actor: User, authority_id: int, name: str) -> Team:
    """A new team in an authority the lead leads."""
    _require_lead(actor)
    if authority_id not in access.led_authority_ids(actor):
        raise DomainError(NOT_YOUR_TEAM)
    name = _team_name(authority_id, name)
    with transaction.atomic(), acting_as(actor):
        try:
            with transaction.atomic():
                return Team.objects.create(authority_id=authority_id, name=name)
        except IntegrityError:  # the same team made twice at once
            raise DomainError(
                {"name": ["Your authority already has a team with this name"]}
            ) from None


def team_rename(*, actor: User, team: Team, name: str) -> Team:
    _require_lead(actor)
    if not access.managed_teams(actor).filter(pk=team.pk).exists():
        raise DomainError(NOT_YOUR_TEAM)
    name = _team_name(team.authority_id, name, other_than=team.pk)
    if name == team.name:
        return team
    with transaction.atomic(), acting_as(actor):
        team.name = name
        team.save(update_fields=["name"])
    return team


# --- Cover ----------------------------------------------------------------------------------


def cover_arrange(
    *,
    actor: User,
    team: Team,
    absent_coach: User,
    covering_coach: User,
    starts_on: date,
    ends_on: date,
) -> Cover:
    """One coach covers a colleague's caseload in the same team, from one day to another
    (both included): while it lasts the covering coach reaches the absent coach's cases in
    that team (`access.covering_today`)."""
    _require_lead(actor)
    _require_team(actor, team)
    errors: dict[str, list[str]] = {}
    for field, person in (("absent_coach", absent_coach), ("covering_coach", covering_coach)):
        if not person.is_active or not access.coaches_in(person, team):
            dates.add(errors, field, f"Choose a coach in {team.name}")
    if absent_coach.pk == covering_coach.pk:
        dates.add(errors, "covering_coach", "Choose a different coach to cover them")
    dates.add(errors, "starts_on", dates.ahead(starts_on, what="The first day of cover"))
    dates.add(
        errors,
        "ends_on",
        dates.ahead(
            ends_on,
            what="The last day of cover",
            not_before=starts_on,
            not_before_what="the first day of cover",
        ),
    )
    if errors:
        raise DomainError(errors)
    with transaction.atomic(), acting_as(actor):
        if (
            Cover.objects.select_for_update()
            .filter(
                team=team,
                absent_coach=absent_coach,
                covering_coach=covering_coach,
                starts_on__lte=ends_on,
                ends_on__gte=starts_on,
            )
            .exists()
        ):
            raise DomainError(
                f"{covering_coach.full_name} already covers {absent_coach.full_name} on some of "
                "these days."
            )
        return Cover.objects.create(
            team=team,
            absent_coach=absent_coach,
            covering_coach=covering_coach,
            starts_on=starts_on,
            ends_on=ends_on,
            arranged_by=actor,
        )


# --- Leavers and lost phones ----------------------------------------------------------------


def person_deactivate(*, actor: User, person: User) -> User:
    """Switch off a leaver's account: they cannot sign in by any way (password, passkey,
    council), a sign-in already made ends at their next page, and links sent to them stop
    working. Their roles are kept, so the record says where they worked; their open cases
    are for the lead to reallocate (the page that follows lists them)."""
    _require_runs(actor, person)
    if not person.is_active:
        raise DomainError("Their account is already switched off.")
    with transaction.atomic(), acting_as(actor):
        person.is_active = False
        person.save(update_fields=["is_active"])
        links.withdraw_all(person)
    return person


def second_factor_reset(*, actor: User, person: User) -> EnrolmentLink:
    """A lost phone: its authenticator app and passkeys stop signing the person in (a sign-in
    they verified ends at its next page), and the person is emailed a one-time link with which
    they set up a new one. Until then the password alone reaches nothing, and no one can set
    up a new authenticator without the link (a council sign-in whose own second step the
    authority trusts still signs them in: that is not on the phone)."""
    _require_runs(actor, person)
    if not person.is_active:
        raise DomainError("Their account is switched off.")
    apps = TOTPDevice.objects.filter(user=person)
    passkeys = WebAuthnCredential.objects.filter(user=person)
    before = {
        "authenticator_app": apps.filter(confirmed=True).exists(),
        "passkeys": passkeys.count(),
    }
    team = access.managed_teams(actor).filter(memberships__user=person).first()
    authority = team.authority if team is not None else None
    with transaction.atomic():
        apps.delete()
        passkeys.delete()
        audit.record(
            actor=actor,
            action=AuditAction.SECOND_FACTOR_RESET,
            obj=person,
            authority_id=authority.pk if authority is not None else None,
            before=before,
            after={"authenticator_app": False, "passkeys": 0},
        )
        return links.issue(
            actor=actor,
            person=person,
            purpose=EnrolmentLinkPurpose.SECOND_FACTOR_RESET,
            authority=authority,
        )


# --- Following a link (the person themselves, not yet signed in) ----------------------------


def link_set_password(*, link: EnrolmentLink, password: str, password_again: str) -> User:
    """An invitation followed: the person chooses their password, and the link is spent. The
    authenticator app is set up next, in the same browser (links.permit)."""
    person = link.user
    if password != password_again:
        raise DomainError({"password_again": ["Enter the same password twice"]})
    try:
        validate_password(password, person)
    except ValidationError as error:
        raise DomainError({"password": list(error.messages)}) from None
    with transaction.atomic():
        links.use(link, how="password")
        person.set_password(password)
        person.save(update_fields=["password"])
        TOTPDevice.objects.filter(user=person, confirmed=False).delete()
    return person


def link_use(*, link: EnrolmentLink, how: str) -> User:
    """A link followed by someone who proved who they are another way (their password, after a
    reset; or their council account, which signs in next): the link is spent."""
    with transaction.atomic():
        person = links.use(link, how=how)
        TOTPDevice.objects.filter(user=person, confirmed=False).delete()
    return person
