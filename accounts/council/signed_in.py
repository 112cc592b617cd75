"""What a browser's session keeps of a council sign-in: the request in progress (for the callback
only, taken out when it is used), and, once signed in, what signing out at the council needs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from yourchoice.web.middleware import FORM_TARGETS_SESSION_KEY

#: The council found from the email address typed, before the person is sent to it.
CHOSEN_KEY = "council_sign_in_chosen"
#: The authorization request in progress: its state, nonce and PKCE verifier.
PENDING_KEY = "council_sign_in_pending"
#: The provider and ID token of the sign-in, to sign out at the council too.
SIGNED_IN_KEY = "council_signed_in"


def take_pending(request: HttpRequest) -> dict[str, Any]:
    """The request in progress, taken out of the session for good before the answer is checked,
    so that an answer (its state and code) can be used once only."""
    pending = request.session.pop(PENDING_KEY, None)
    if pending is not None:
        # Saved at once, so that it is gone even if checking the answer fails.
        request.session.save()
    return dict(pending) if isinstance(pending, dict) else {}


def remember(
    request: HttpRequest,
    *,
    provider_id: int,
    authority_id: int,
    sign_out_origin: str,
) -> None:
    request.session[SIGNED_IN_KEY] = {
        "provider": provider_id,
        "authority": authority_id,
    }
    if sign_out_origin:
        request.session[FORM_TARGETS_SESSION_KEY] = [sign_out_origin]
    else:
        request.session.pop(FORM_TARGETS_SESSION_KEY, None)


def forget(request: HttpRequest) -> None:
    """A sign-in that did not come through a council (the password and a code) keeps nothing
    of an earlier council step in the same browser."""
    for key in (SIGNED_IN_KEY, FORM_TARGETS_SESSION_KEY, CHOSEN_KEY, PENDING_KEY):
        request.session.pop(key, None)


def signed_in_with(request: HttpRequest) -> dict[str, Any]:
    found = request.session.get(SIGNED_IN_KEY)
    return dict(found) if isinstance(found, dict) else {}
