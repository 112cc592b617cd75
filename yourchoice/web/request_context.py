"""The client address of the request being served, and who is making it, for audit events
written deep in services and model signals."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

_ip: ContextVar[str | None] = ContextVar("yc_request_ip", default=None)
_user: ContextVar[Callable[[], Any] | None] = ContextVar("yc_request_user", default=None)


def set_ip(value: str | None) -> Token[str | None]:
    return _ip.set(value)


def reset(token: Token[str | None]) -> None:
    _ip.reset(token)


def current_ip() -> str | None:
    return _ip.get()


def set_user(getter: Callable[[], Any]) -> Token[Callable[[], Any] | None]:
    """`getter` returns the request's user; it is called only when an event needs it, so a
    request that writes no such event never loads the user for it."""
    return _user.set(getter)


def reset_user(token: Token[Callable[[], Any] | None]) -> None:
    _user.reset(token)


def current_user() -> Any:
    """The signed-in person making the request, or None (no request, or signed out)."""
    getter = _user.get()
    user = getter() if getter is not None else None
    return user if user is not None and user.is_authenticated else None


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """Within this block, events written deep in model signals (accounts/access_audit.py) name
    `user` as who did it: for a service that changes access, whatever called it (a page, a
    command, a test)."""
    token = set_user(lambda: user)
    try:
        yield
    finally:
        reset_user(token)
