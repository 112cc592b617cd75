"""Changes a person makes to their own sign-in (X7): adding and removing passkeys.

Signing in itself is in accounts/views.py, with the other sign-in steps.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_otp_webauthn.models import WebAuthnCredential

from accounts import passkeys
from accounts.models import User
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data.errors import DomainError

PASSKEY_NAME_MAX = 60
NOT_MADE = (
    "Your phone did not make a passkey that checks it is you. Try again, and use your "
    "fingerprint, face or screen lock when your phone asks."
)


def passkey_add(
    *, actor: User, name: str, state: dict[str, Any], answer: dict[str, Any]
) -> WebAuthnCredential:
    """Keep the passkey the person's phone just made, under the name they gave it.

    `state` is the challenge this session was given (accounts/passkeys.py) and `answer` what
    the phone sent back; the page that calls this is reached only after a full sign-in."""
    name = " ".join(name.split())
    if not name:
        raise DomainError({"name": ["Enter a name for this passkey, such as Work phone"]})
    if len(name) > PASSKEY_NAME_MAX:
        raise DomainError({"name": [f"Enter a name of {PASSKEY_NAME_MAX} characters or fewer"]})
    if not actor.is_active:
        raise DomainError("This account is switched off.")
    with transaction.atomic():
        try:
            credential = passkeys.complete_enrolment(user=actor, state=state, answer=answer)
        except passkeys.PasskeyRefused:
            raise DomainError(NOT_MADE) from None
        credential.name = name
        credential.save(update_fields=["name"])
        audit.record(actor=actor, action=AuditAction.SIGNIN_PASSKEY_ADDED, obj=credential)
    return credential


def passkey_remove(*, actor: User, passkey: WebAuthnCredential) -> None:
    """Remove one of the person's own passkeys: it can no longer sign anyone in."""
    if passkey.user_id != actor.pk:
        raise DomainError("You can only remove your own passkeys.")
    with transaction.atomic():
        audit.record(actor=actor, action=AuditAction.SIGNIN_PASSKEY_REMOVED, obj=passkey)
        passkey.delete()
