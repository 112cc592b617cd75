"""The server's side of working without signal (docs/offline.md).

A phone keeps the forms a coach may need with no connection and, when a form is saved with
none, keeps what was typed in an outbox of its own (static/js/offline/). When the connection
returns it sends each one again to the same page, through the same form and service as a
tap on Save, with `X-Outbox: send`: the answer is then a short JSON message the phone can act
on (saved; needs the coach: with the reason; try again later), not a page.

Whose items are whose on a shared phone is said by an opaque owner id: the page carries the
signed-in person's, the phone files what it keeps under it, and a send says whose item it is,
so nothing one person left waiting is ever sent as another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import salted_hmac

from yourchoice.data.errors import ChangedSinceOpened, DomainError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.forms import Form

#: What a phone's outbox sends with each item it sends again.
SENDING = "send"
#: Asked for a page's copy to keep on the phone, not to show it now (audited as such).
COPY = "X-Offline-Copy"


def owner_of(user: AbstractBaseUser) -> str:
    """The opaque id a phone files a person's offline copies and outbox under: the same for
    the same person, and saying nothing about who they are."""
    return salted_hmac("yourchoice.offline.owner", str(user.pk)).hexdigest()[:32]


def sending(request: HttpRequest) -> bool:
    """Whether this is a phone's outbox sending an item again."""
    return request.method == "POST" and request.headers.get("X-Outbox") == SENDING


def copying(request: HttpRequest) -> bool:
    """Whether the phone asked for this page to keep a copy of it."""
    return request.headers.get(COPY) == "1"


def someone_else(request: HttpRequest) -> bool:
    """A send of an item kept for another person than the one signed in: never saved."""
    user: Any = getattr(request, "user", None)
    owner = request.headers.get("X-Outbox-Owner", "")
    return user is None or not user.is_authenticated or owner != owner_of(user)


def _quietly(request: HttpRequest) -> None:
    # The coach is not looking at this answer: a success message left for the next page would
    # say "session logged" about something they did not just do.
    for _ in messages.get_messages(request):
        pass


def saved_answer(request: HttpRequest, response: HttpResponse) -> JsonResponse:
    _quietly(request)
    return JsonResponse({"outcome": "saved", "location": response.get("Location", "")})


def conflict_answer(error: ChangedSinceOpened) -> JsonResponse:
    return JsonResponse(
        {"outcome": "conflict", "reason": error.reason, "message": str(error)}, status=409
    )


def form_answer(
    request: HttpRequest, form: Form, status: int, error: DomainError | None
) -> JsonResponse:
    """The answer to a send that did not save: what the coach must decide or put right."""
    _quietly(request)
    if isinstance(error, ChangedSinceOpened):
        return conflict_answer(error)
    if status == 503:
        return JsonResponse({"outcome": "unavailable"}, status=503)
    if status == 409:
        return JsonResponse(
            {"outcome": "conflict", "reason": "changed", "message": str(error or "")}, status=409
        )
    errors = {name or "form": [str(m) for m in found] for name, found in form.errors.items()}
    return JsonResponse(
        {
            "outcome": "invalid",
            "message": "Some answers need putting right before this can be saved.",
            "errors": errors,
        },
        status=400,
    )


def not_yours_answer() -> JsonResponse:
    return JsonResponse(
        {
            "outcome": "conflict",
            "reason": "someone-else",
            "message": "This was saved on the phone by someone else and can only be sent by them.",
        },
        status=409,
    )
