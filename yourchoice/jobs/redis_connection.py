"""One way to open a short-lived, bounded connection to the service's Redis.

REDIS_URL is either a TCP address (`redis://host:port/db`) or, for the embedded Redis of
`make run` and `make test`, a unix socket written the way Celery's transport wants it
(`redis+socket:///path/to/redis.sock`), which redis-py does not read. Code outside Celery that
talks to Redis itself (the relay's check, /health/, the sign-in address limit) opens its
connections here, so both forms work everywhere.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

#: Redis URL schemes that name a unix socket.
SOCKET_SCHEMES = ("redis+socket", "unix")


def is_socket(url: str) -> bool:
    return urlsplit(url).scheme in SOCKET_SCHEMES


def bounded_client(url: str, *, timeout: float) -> redis.Redis:
    """A client that gives up after `timeout` seconds to connect and again to answer, and
    never retries: callers go on without Redis rather than hold someone up."""
    bounds: dict[str, Any] = {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
    }
    parts = urlsplit(url)
    if parts.scheme == "redis+socket":
        return redis.Redis(unix_socket_path=parts.path, **bounds)
    return redis.Redis.from_url(url, **bounds)
