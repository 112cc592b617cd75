"""A limit on sign-in failures from one address, across accounts (docs/sign-in.md).

django-axes locks an account after repeated failures, whoever makes them. That does nothing
against spraying: one common password tried once or twice on each of many accounts. So this
module counts, per client address, the distinct accounts (or unknown addresses typed) that
failed in a sliding window. When an address reaches the limit it is *paced*, not locked:

- A browser that has signed in to the account typed before (it carries the signed cookie set
  at sign-in, `KNOWN_BROWSER_COOKIE`) is not held up at all. A council's staff sign in from
  their own browsers, so an attacker behind the same office address does not lock them out.
- Any other attempt from the address gets one turn every `SIGN_IN_ADDRESS_PACE_SECONDS`: the
  first is checked as usual (the right password gets in), the rest are answered "Sign-in
  paused" before any password is checked. Spraying slows to one guess per turn; someone new
  at the office waits a few seconds at most.

A whole-address lockout was the alternative, and was rejected: everyone behind one council
address would be locked out by one attacker or a busy morning of typos.

The counts live in Redis (sorted sets, one per address: member an account hash, score the
time of its last failure), so every web worker shares them. If Redis cannot be reached,
sign-in goes on without this limit (and the per-account lockout still holds): a queue outage
must not stop people signing in.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from functools import cache

import redis
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.jobs.redis_connection import bounded_client

logger = logging.getLogger(__name__)

KEY_PREFIX = "yc:signin-address:"
KNOWN_BROWSER_COOKIE = "yc_known_browser"
KNOWN_BROWSER_SALT = "accounts.address_limit.known-browser"
#: How long a browser stays known after its last sign-in.
KNOWN_BROWSER_DAYS = 90


def client_for(url: str) -> redis.Redis:
    """Short timeouts and no retries: a Redis that is down or hung must not hold up a sign-in
    for more than half a second (it then goes on without the limit)."""
    return bounded_client(url, timeout=0.5)


@cache
def _redis() -> redis.Redis:
    return client_for(settings.REDIS_URL)


def _enabled() -> bool:
    return settings.SIGN_IN_ADDRESS_ACCOUNT_LIMIT > 0


def _account_hash(email: str) -> str:
    """A keyed hash of the address typed: Redis never holds an email address."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def _address_key(address: str) -> str:
    return f"{KEY_PREFIX}failures:{address}"


def _window() -> int:
    return settings.SIGN_IN_ADDRESS_WINDOW_MINUTES * 60


def note_failure(address: str | None, email: str) -> None:
    """Count a failed attempt from `address` for the account typed; audit the failure that
    takes the address to the limit (once per time it is reached)."""
    if not address or not _enabled():
        return
    now = time.time()
    key = _address_key(address)
    try:
        pipe = _redis().pipeline()
        pipe.zremrangebyscore(key, 0, now - _window())
        pipe.zadd(key, {_account_hash(email): now})
        pipe.zcard(key)
        pipe.expire(key, _window())
        _, added, accounts, _ = pipe.execute()
    except redis.RedisError:
        logger.warning("Sign-in address limit unavailable (Redis); the account lockout still holds")
        return
    if added and accounts == settings.SIGN_IN_ADDRESS_ACCOUNT_LIMIT:
        audit.record(
            actor=None,
            action=AuditAction.SIGNIN_ADDRESS_LIMITED,
            accounts=accounts,
            window_minutes=settings.SIGN_IN_ADDRESS_WINDOW_MINUTES,
        )


def _limited(address: str) -> bool:
    key = _address_key(address)
    pipe = _redis().pipeline()
    pipe.zremrangebyscore(key, 0, time.time() - _window())
    pipe.zcard(key)
    _, accounts = pipe.execute()
    return accounts >= settings.SIGN_IN_ADDRESS_ACCOUNT_LIMIT


def _take_turn(address: str) -> bool:
    """One attempt per pace from a limited address: SET NX with an expiry is atomic, so two
    simultaneous attempts cannot both take the turn."""
    key = f"{KEY_PREFIX}turn:{address}"
    return bool(_redis().set(key, 1, nx=True, ex=settings.SIGN_IN_ADDRESS_PACE_SECONDS))


def is_known_browser(request: HttpRequest, email: str) -> bool:
    value = request.COOKIES.get(KNOWN_BROWSER_COOKIE)
    if not value:
        return False
    try:
        known = signing.loads(
            value, salt=KNOWN_BROWSER_SALT, max_age=KNOWN_BROWSER_DAYS * 24 * 3600
        )
    except signing.BadSignature:
        return False
    return hmac.compare_digest(str(known), _account_hash(email))


def must_wait(request: HttpRequest, address: str | None, email: str) -> bool:
    """True when this attempt is to be answered "Sign-in paused" without checking it."""
    if not address or not _enabled() or is_known_browser(request, email):
        return False
    try:
        return _limited(address) and not _take_turn(address)
    except redis.RedisError:
        logger.warning("Sign-in address limit unavailable (Redis); the account lockout still holds")
        return False


def remember_browser(response: HttpResponse, email: str) -> None:
    """After a full sign-in: this browser may sign in to this account unpaced from now on. The
    cookie holds a signed keyed hash of the address, nothing readable."""
    response.set_cookie(
        KNOWN_BROWSER_COOKIE,
        signing.dumps(_account_hash(email), salt=KNOWN_BROWSER_SALT),
        max_age=KNOWN_BROWSER_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
