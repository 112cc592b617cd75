"""One-time links that set up sign-in: the only way an account gets its second factor.

An account made without a second factor (a person just invited, or one whose lost phone's
authenticator a borough lead reset) must not be set up by whoever signs in to it first: with a
guessed or leaked password, that person would enrol their own phone and hold the account. So
the authenticator app is set up only in a browser that followed the link emailed to the
account's own address, within ENROL_PERMIT_MINUTES of doing so (`permit`, checked by the
set-up step in accounts/views.py).

The link's secret is made by the worker that sends the email (accounts/emails.py), and only
its SHA-256 hash is stored, so neither the outbox nor the table holds a link that works.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone

from accounts.models import Authority, EnrolmentLink, EnrolmentLinkPurpose, User
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data.errors import DomainError
from yourchoice.jobs.queue import send_after_commit

#: How long each kind of link works for once sent.
LINK_DAYS = {
    EnrolmentLinkPurpose.INVITATION: 7,
    EnrolmentLinkPurpose.SECOND_FACTOR_RESET: 3,
}
#: How long a browser that followed a link has to set up the authenticator app.
ENROL_PERMIT_MINUTES = 30
PERMIT_KEY = "signin_enrol_permit"

REFUSED = (
    "This link has already been used, has expired or has been replaced by a newer one. Ask your "
    "borough lead to send you a new link."
)


def hash_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def issue(
    *,
    actor: User | None,
    person: User,
    purpose: EnrolmentLinkPurpose,
    authority: Authority | None,
    secret: str = "",
) -> EnrolmentLink:
    """A new link for the person, replacing any they have not used, and its email queued.

    The row is made with the hash of a secret nobody holds: the link works once the worker has
    made the real secret and sent it (accounts/emails.py). Only the command for a service
    with no borough lead yet (manage.py sign_in_link --show) passes its own `secret`, shown to
    whoever runs it, and no email is sent."""
    from accounts.people.tasks import send_enrolment_link  # the task imports this module

    now = timezone.now()
    with transaction.atomic():
        EnrolmentLink.objects.filter(
            user=person, used_at__isnull=True, withdrawn_at__isnull=True
        ).update(withdrawn_at=now)
        link = EnrolmentLink.objects.create(
            user=person,
            purpose=purpose,
            authority=authority,
            key_hash=hash_of(secret or new_secret()),
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=LINK_DAYS[purpose]),
        )
        audit.record(
            actor=actor,
            action=AuditAction.ENROLMENT_LINK_SENT,
            obj=person,
            authority_id=authority.pk if authority is not None else None,
            purpose=purpose.value,
            link=link.pk,
            expires_at=link.expires_at.isoformat(),
            emailed=not secret,
        )
        if not secret:
            send_after_commit(
                send_enrolment_link,
                link.pk,
                delayed="The email may take longer than usual to arrive.",
            )
    return link


def withdraw_all(person: User) -> int:
    """Every link the person has not used stops working (their account was switched off)."""
    return EnrolmentLink.objects.filter(
        user=person, used_at__isnull=True, withdrawn_at__isnull=True
    ).update(withdrawn_at=timezone.now())


def find(token: str) -> EnrolmentLink | None:
    """The link a secret opens, if it still works: not used, not replaced, not expired, and
    its account switched on. Otherwise None, whatever the reason (the page says the same)."""
    if not token or len(token) > 100:
        return None
    link = (
        EnrolmentLink.objects.select_related("user", "authority")
        .filter(key_hash=hash_of(token))
        .first()
    )
    return link if link is not None and link.is_usable else None


def refused(token: str) -> None:
    """Audit a link that does not work, against its account when it is one of ours."""
    link = (
        EnrolmentLink.objects.filter(key_hash=hash_of(token)).only("pk", "user_id").first()
        if token and len(token) <= 100
        else None
    )
    audit.record(
        actor=None,
        action=AuditAction.SIGNIN_LINK_REFUSED,
        obj=link.user if link is not None else None,
        link=link.pk if link is not None else None,
    )


def use(link: EnrolmentLink, *, how: str) -> User:
    """Spend the link, once: a second use, even a simultaneous one, finds it used."""
    with transaction.atomic():
        locked = EnrolmentLink.objects.select_for_update().select_related("user").get(pk=link.pk)
        if not locked.is_usable:
            raise DomainError(REFUSED)
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        audit.record(
            actor=locked.user,
            action=AuditAction.SIGNIN_LINK_USED,
            obj=locked.user,
            authority_id=locked.authority_id,
            purpose=locked.purpose,
            link=locked.pk,
            how=how,
        )
    return locked.user


# --- The permit a followed link leaves in the browser's session ------------------------------


def permit(session: SessionBase, user: User) -> None:
    """This browser may set up the person's second factor, for a while."""
    session[PERMIT_KEY] = {"user": user.pk, "until": time.time() + ENROL_PERMIT_MINUTES * 60}


def permitted(session: SessionBase, user: User) -> bool:
    held = session.get(PERMIT_KEY)
    if not isinstance(held, dict):
        return False
    until = held.get("until")
    return held.get("user") == user.pk and isinstance(until, (int, float)) and until > time.time()


def forget(session: SessionBase) -> None:
    session.pop(PERMIT_KEY, None)
