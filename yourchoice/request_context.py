"""The client address of the request being served, for audit events written deep in services."""

from __future__ import annotations

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("yc_request_ip", default=None)


def set_ip(value: str | None) -> object:
    return _ip.set(value)


def reset(token: object) -> None:
    _ip.reset(token)  # type: ignore[arg-type]


def current_ip() -> str | None:
    return _ip.get()
