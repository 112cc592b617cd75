"""The phone handed to a young person (docs/programme.md S7): the coach's sign-in locked.

While the young person holds the coach's phone, the browser's session is locked: only the pages
marked `allowed_while_locked` answer (their own screen, the give-back screen, the unlock page and
signing out), and every other page sends the browser to the unlock page
(`HandOverLockMiddleware`), so Back, a typed address or a bookmark shows nothing of any record.
Only the coach's password or passkey takes the lock off.

The lock lives in the session, so it ends with the sign-in, and holds in every tab of the
browser. It names the one episode whose young person has the phone, and where to go back to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest

LOCK_KEY = "handover_lock"

View = TypeVar("View", bound=Callable[..., Any])


def allowed_while_locked(view: View) -> View:
    """Mark a view that answers while the phone is with the young person."""
    view.allowed_while_locked = True  # type: ignore[attr-defined]  # a function's own attribute
    return view


def lock(request: HttpRequest, *, episode_id: int, back_url: str) -> None:
    """Lock the session for the young person's turn on this episode; `back_url` is where the
    coach returns once they unlock it."""
    request.session[LOCK_KEY] = {"episode": episode_id, "back": back_url, "done": False}


def locked(request: HttpRequest) -> dict[str, Any] | None:
    """The lock, if the session holds one."""
    session = getattr(request, "session", None)
    value = session.get(LOCK_KEY) if session is not None else None
    return value if isinstance(value, dict) else None


def mark_done(request: HttpRequest) -> None:
    """The young person has finished: their screen now only says to give the phone back."""
    held = locked(request)
    if held is not None:
        request.session[LOCK_KEY] = {**held, "done": True}


def unlock(request: HttpRequest) -> str:
    """Take the lock off; returns where the coach goes back to."""
    held = request.session.pop(LOCK_KEY, None) or {}
    return str(held.get("back") or "/")
