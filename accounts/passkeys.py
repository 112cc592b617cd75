"""Passkeys: the phone's fingerprint, face unlock or screen lock as both sign-in factors (X7).

A passkey is something the person has (a key that never leaves their phone) and, because the
phone must check who is holding it before it signs, something they are or know. So the service
asks the phone to verify the person every time, at enrolment and at each sign-in, and refuses
an answer that says it did not (`PasskeyHelper`). A passkey is a django-otp device
(django-otp-webauthn), so a passkey sign-in leaves the session verified exactly as a code does.

The ceremonies here hold their challenge in the session, one at a time, and take it out
before checking an answer, so an answer can never be replayed. docs/sign-in.md has the rules.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import UserVerificationRequirement

from accounts.models import User

ENROL_STATE_KEY = "passkey_enrol_state"
SIGN_IN_STATE_KEY = "passkey_sign_in_state"


class PasskeyRefused(Exception):
    """The browser's answer did not prove a passkey of this service, checked by its owner."""


class PasskeyHelper(WebAuthnHelper):
    """django-otp-webauthn's ceremonies, with the person verified by the phone every time."""

    def get_generate_registration_options_kwargs(self, *, user: User) -> dict[str, Any]:
        options: dict[str, Any] = super().get_generate_registration_options_kwargs(user=user)
        # The library asks for "preferred": a key that only proves presence would then be
        # enrolled, and could sign in with one factor.
        options["authenticator_selection"].user_verification = UserVerificationRequirement.REQUIRED
        return options

    def authenticate_begin(
        self, user: User | None = None, require_user_verification: bool = True
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        # Always required, whoever asks: the verification is the second factor.
        result: tuple[dict[str, Any], dict[str, Any]] = super().authenticate_begin(
            user=user, require_user_verification=True
        )
        return result


def _helper(request: HttpRequest | None = None) -> PasskeyHelper:
    # The relying party comes from settings, not from the request (settings.py, Passkeys).
    return PasskeyHelper(request=request)


def take_state(request: HttpRequest, key: str) -> dict[str, Any]:
    """The ceremony's challenge, taken out of the session for good before it is checked."""
    state = request.session.pop(key, None)
    # Saved at once, so that the challenge is gone even if checking the answer fails.
    request.session.save()
    return dict(state) if isinstance(state, dict) else {}


def begin_enrolment(request: HttpRequest, user: User) -> dict[str, Any]:
    """The options the browser needs to make a passkey for `user`; the challenge is kept."""
    options, state = _helper(request).register_begin(user=user)
    request.session[ENROL_STATE_KEY] = state
    return dict(options)


def complete_enrolment(*, user: User, state: dict[str, Any], answer: dict[str, Any]) -> Any:
    """Check the browser's new passkey against the challenge and save it (unnamed). Raises
    PasskeyRefused for an answer that does not verify, the person unchecked included."""
    if not state:
        raise PasskeyRefused("no ceremony was started in this session")
    try:
        return _helper().register_complete(user=user, state=state, data=answer)
    except (WebAuthnException, OTPWebAuthnApiError, KeyError, TypeError, ValueError) as error:
        raise PasskeyRefused(type(error).__name__) from error


def begin_sign_in(request: HttpRequest) -> dict[str, Any]:
    """Options for signing in with any of this service's passkeys on the device (no account
    named: the person picks their passkey, so nothing here says which accounts exist)."""
    options, state = _helper(request).authenticate_begin(user=None)
    request.session[SIGN_IN_STATE_KEY] = state
    return dict(options)


def credential_named_in(answer: dict[str, Any]) -> Any | None:
    """The stored passkey an answer claims to come from, before it is checked (to audit a
    refusal against its account), or None."""
    raw_id = answer.get("rawId")
    if not isinstance(raw_id, str):
        return None
    try:
        digest = WebAuthnCredential.get_credential_id_sha256(base64url_to_bytes(raw_id))
    except ValueError:
        return None
    return (
        WebAuthnCredential.objects.select_related("user")
        .filter(credential_id_sha256=digest)
        .first()
    )


def complete_sign_in(*, state: dict[str, Any], answer: dict[str, Any]) -> Any:
    """Check a sign-in answer: a stored passkey, the challenge of this session, this site, and
    the person verified by the phone. Returns the passkey (a django-otp device); raises
    PasskeyRefused otherwise. Whether its account may sign in is the caller's to decide."""
    if not state:
        raise PasskeyRefused("no ceremony was started in this session")
    try:
        return _helper().authenticate_complete(user=None, state=state, data=answer)
    except (WebAuthnException, OTPWebAuthnApiError, KeyError, TypeError, ValueError) as error:
        raise PasskeyRefused(type(error).__name__) from error
