"""Correcting a young person's profile and key contacts after referral (docs/programme.md C4).

The allocated coach, the team's supervisor and the borough lead may all change the record, so
two of them may have it open at once: each save carries the version its form was loaded with,
and a stale one is refused without writing anything (yourchoice/web/concurrency.py). Audit events
name the fields that changed, never their values.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts import access
from accounts.access import Perm
from cases.models import (
    EducationStatus,
    Episode,
    Ethnicity,
    Gender,
    KeyContact,
    LookedAfter,
    SpecialNeeds,
    YoungPerson,
    YouthJustice,
)
from cases.profile.selectors import governing_episode
from cases.services import YOUNG_PERSON_FIELDS, YoungPersonDetails
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data import dates
from yourchoice.data.errors import DomainError, StaleVersion
from yourchoice.web.concurrency import require_version, save_changes

if TYPE_CHECKING:
    from accounts.models import User

CONTACT_FIELDS = ("name", "relationship", "phone", "email")

_CHOICES = {
    "gender": Gender,
    "ethnicity": Ethnicity,
    "special_needs": SpecialNeeds,
    "looked_after": LookedAfter,
    "education_status": EducationStatus,
    "youth_justice": YouthJustice,
}
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,30}$")


def _require_writer(actor: User, young_person: YoungPerson) -> Episode:
    episode = governing_episode(young_person)
    access.require_on(actor, Perm.CASE_WRITE, episode)
    if young_person.anonymised_at is not None:
        raise DomainError("This record has been anonymised and can no longer be changed.")
    return episode


def _profile_errors(young_person: YoungPerson, details: YoungPersonDetails) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not details.given_name.strip():
        errors["given_name"] = ["Enter the young person's first name."]
    if not details.family_name.strip():
        errors["family_name"] = ["Enter the young person's last name."]
    referrals = list(
        Episode.objects.filter(young_person=young_person)
        .order_by("referred_on")
        .values_list("referred_on", flat=True)
    )
    # Before the first referral, and not too old at the latest one.
    for referred_on in referrals[:1] + referrals[-1:]:
        problem = dates.date_of_birth(
            details.date_of_birth, referred_on=referred_on, referral_what="the first referral"
        )
        if problem:
            errors["date_of_birth"] = [problem]
            break
    for name, choices in _CHOICES.items():
        if getattr(details, name) not in choices.values:
            errors[name] = ["Choose one of the options."]
    return errors


@transaction.atomic
def young_person_update(
    *, actor: User, young_person: YoungPerson, version: int, details: YoungPersonDetails
) -> YoungPerson:
    """Correct the young person's profile. Saves only what changed; nothing at all when the
    record moved on since the form was loaded (StaleVersion)."""
    current = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
    _require_writer(actor, current)
    require_version(
        current,
        version,
        what="this young person's details",
        actions=(AuditAction.YOUNG_PERSON_UPDATE,),
        actor=actor,
        young_person_id=current.pk,
    )
    details = YoungPersonDetails(
        **{
            **details.__dict__,
            "given_name": details.given_name.strip(),
            "family_name": details.family_name.strip(),
            "preferred_name": details.preferred_name.strip(),
        }
    )
    errors = _profile_errors(current, details)
    if errors:
        raise DomainError(errors)
    changed = save_changes(current, {f: getattr(details, f) for f in YOUNG_PERSON_FIELDS})
    if not changed:
        return current
    audit.record_for_young_person(
        actor=actor,
        action=AuditAction.YOUNG_PERSON_UPDATE,
        young_person=current,
        obj=current,
        fields=changed,
        version=current.version,
    )
    return current


def _contact_errors(
    *, name: str, relationship: str, phone: str, email: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Enter the contact's name."]
    if not relationship:
        errors["relationship"] = ["Say who they are to the young person, for example: mother."]
    if phone and not _PHONE.match(phone):
        errors["phone"] = ["Enter a phone number, like 020 7946 0000 or +44 7700 900000."]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = ["Enter an email address, like name@example.com."]
    return errors


@transaction.atomic
def key_contact_add(
    *,
    actor: User,
    young_person: YoungPerson,
    name: str,
    relationship: str,
    phone: str = "",
    email: str = "",
) -> KeyContact:
    """Add someone important to the young person: a parent, carer or worker (C4)."""
    current = YoungPerson.objects.select_for_update().get(pk=young_person.pk)
    _require_writer(actor, current)
    values = _checked_contact(name=name, relationship=relationship, phone=phone, email=email)
    contact = KeyContact.objects.create(young_person=current, **values)
    audit.record_for_young_person(
        actor=actor, action=AuditAction.KEY_CONTACT_ADD, young_person=current, obj=contact
    )
    return contact


def _checked_contact(*, name: str, relationship: str, phone: str, email: str) -> dict[str, str]:
    """A contact's details as saved (trimmed), or DomainError naming each field at fault."""
    values = {
        "name": name.strip(),
        "relationship": relationship.strip(),
        "phone": phone.strip(),
        "email": email.strip(),
    }
    errors = _contact_errors(**values)
    if errors:
        raise DomainError(errors)
    return values


def _locked_contact(contact: KeyContact) -> KeyContact | None:
    """The contact, locked for the change; None if someone removed it meanwhile."""
    return KeyContact.objects.select_for_update().filter(pk=contact.pk).first()


def _check_contact_change(actor: User, current: KeyContact, version: int) -> YoungPerson:
    """The contact's young person, once the actor may change them and `version` is current."""
    young_person = YoungPerson.objects.get(pk=current.young_person_id)
    _require_writer(actor, young_person)
    require_version(
        current,
        version,
        what="this contact",
        actions=(AuditAction.KEY_CONTACT_UPDATE,),
        actor=actor,
        young_person_id=young_person.pk,
    )
    return young_person


@transaction.atomic
def key_contact_update(
    *,
    actor: User,
    contact: KeyContact,
    version: int,
    name: str,
    relationship: str,
    phone: str = "",
    email: str = "",
) -> KeyContact:
    """Change a key contact's details, unless someone else changed or removed it first."""
    current = _locked_contact(contact)
    if current is None:
        raise StaleVersion(
            "Someone else removed this contact after you opened it, so your changes have not "
            "been saved. Add the contact again if they are still involved."
        )
    young_person = _check_contact_change(actor, current, version)
    values = _checked_contact(name=name, relationship=relationship, phone=phone, email=email)
    changed = save_changes(current, values)
    if not changed:
        return current
    audit.record_for_young_person(
        actor=actor,
        action=AuditAction.KEY_CONTACT_UPDATE,
        young_person=young_person,
        obj=current,
        fields=changed,
        version=current.version,
    )
    return current


@transaction.atomic
def key_contact_remove(*, actor: User, contact: KeyContact, version: int) -> None:
    """Remove a key contact who is no longer involved, unless someone changed it meanwhile.
    A contact someone else already removed stays removed: there is nothing to overwrite."""
    current = _locked_contact(contact)
    if current is None:
        return
    young_person = _check_contact_change(actor, current, version)
    audit.record_for_young_person(
        actor=actor, action=AuditAction.KEY_CONTACT_REMOVE, young_person=young_person, obj=current
    )
    current.delete()
