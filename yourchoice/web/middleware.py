"""Request-wide rules: sign-in everywhere, audit context, security headers."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import redirect

from yourchoice import audit, scoping
from yourchoice.jobs import queue
from yourchoice.web import handover, offline, request_context, unavailable

# Paths a signed-out person may reach. Everything else needs a full (two-factor) sign-in.
# The API answers for itself: token or verified session, else 401/403 (yourchoice/api/).
# The service worker, the web app manifest and the phone's question "who is signed in?" answer
# a signed-out phone too: the last with a 401 of its own (docs/offline.md).
PUBLIC_PREFIXES = (
    "/sign-in/",
    "/password-reset/",
    "/static/",
    "/health/",
    "/api/",
    "/sw.js",
    "/manifest.webmanifest",
    "/offline/state/",
)


class PageCompressionMiddleware(GZipMiddleware):
    """Pages and API answers travel gzipped to a browser that accepts it: a caseload of 50
    cases is about 100 KB of HTML and 10 KB compressed, on a phone's slow connection and data
    plan (docs/performance.md). Static files come compressed already from WhiteNoise, which
    answers before this.

    Compressing a page that holds a secret can leak it to someone who both watches the traffic
    and can make the browser send text of theirs into the same page (BREACH). Django's
    GZipMiddleware pads each answer with a random number of bytes against it ("Heal the
    Breach"), the CSRF token is masked afresh in every answer, and sign-in lives in a cookie,
    never in a page.

    Streamed answers (report and extract downloads) are left as they are: spreadsheets and PDFs
    are compressed already, and a long extract would hold a web worker for the compressing."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.streaming:
            return response
        return super().process_response(request, response)


class CaseScopeMiddleware:
    """Every request runs in the scope of the person making it (yourchoice/scoping.py): a case
    query anywhere in it holds only what they may see, and with nobody signed in it fails."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with scoping.cases_of(request):
            return self.get_response(request)


class SignInRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_context.set_ip(request.META.get("REMOTE_ADDR"))
        user_token = request_context.set_user(lambda: getattr(request, "user", None))
        try:
            if not request.path.startswith(PUBLIC_PREFIXES) and not _verified(request):
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            return self.get_response(request)
        finally:
            request_context.reset_user(user_token)
            request_context.reset(token)


def _verified(request: HttpRequest) -> bool:
    user = request.user
    # Only a session that passed both factors counts (django-otp sets is_verified).
    return bool(user.is_authenticated and user.is_verified())  # type: ignore[attr-defined]  # set by django-otp's middleware


class HandOverLockMiddleware:
    """While the phone is with the young person (yourchoice/web/handover.py), only the pages
    marked for it answer; every other page, Back and typed addresses included, goes to the
    unlock page, where the coach's password or passkey takes the lock off. An API call made with
    the locked browser session is refused outright."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse], *args: object
    ) -> HttpResponse | None:
        if handover.locked(request) is None or getattr(view, "allowed_while_locked", False):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "The phone is with a young person."}, status=403)
        return redirect(settings.HANDOVER_UNLOCK_URL)


class IdleTimeoutMiddleware:
    """Signs a person out after SESSION_COOKIE_AGE without a request (the idle timeout, X3), and
    SESSION_MAX_HOURS after they signed in however busy (docs/sign-in.md).

    The session's expiry slides forward as it is used. Saving the session on every request did
    that with a database write per page (three statements with the transaction); saving it at
    most once a minute keeps the timeout within a minute of exact for a fraction of the cost.
    The sign-in's start is stamped into the session the first time it is written after signing
    in (at once, or within the minute), so every way of signing in is bounded alike.
    """

    REFRESH_SECONDS = 60
    KEY = "_refreshed_at"
    STARTED_KEY = "_signed_in_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            started = session.get(self.STARTED_KEY)
            if started is not None and time.time() - started > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
                messages.info(
                    request,
                    f"You were signed out: a sign-in lasts {settings.SESSION_MAX_HOURS} hours. "
                    "Sign in again.",
                )
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        response = self.get_response(request)
        session = request.session
        # Only a signed-in browser session: an API call with a token has none to refresh.
        if SESSION_KEY in session:
            now = int(time.time())
            if not session.modified and now - session.get(self.KEY, 0) >= self.REFRESH_SECONDS:
                session[self.KEY] = now  # marks the session modified: saved with a new expiry
            if session.modified:
                # Stamped only when the session is written anyway: never an extra write.
                session.setdefault(self.STARTED_KEY, now)
        return response


#: Other sites this browser's pages may send a form to, kept in its session: a council's own
#: sign-out page, for a person who signed in through it (accounts/council/). Browsers hold a
#: form and every redirect after it to the page's form-action, so without this the sign-out
#: button could not hand over to the council's sign-out.
FORM_TARGETS_SESSION_KEY = "csp_form_targets"
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def _form_targets(request: HttpRequest) -> list[str]:
    session = getattr(request, "session", None)
    targets = session.get(FORM_TARGETS_SESSION_KEY, []) if session is not None else []
    # Only origins: nothing from the session may add another directive to the header.
    return [t for t in targets if isinstance(t, str) and _ORIGIN.match(t)]


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy: no inline script or style, nothing from elsewhere, and
    forms sent only here (or to the council's sign-out of a council sign-in)."""

    POLICY = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = self.POLICY
        targets = _form_targets(request)
        if targets:
            allowed = " ".join(["form-action 'self'", *targets])
            policy = policy.replace("form-action 'self'", allowed)
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        signed_in = hasattr(request, "user") and request.user.is_authenticated
        if signed_in or request.path.startswith("/api/"):
            # Case records must not linger in shared computers' or proxies' caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class DelayedWorkMiddleware:
    """Says in plain English what a queue outage delayed (an email, a report), on the page the
    person sees next. The work itself waits in the outbox and is sent later
    (yourchoice/jobs/queue.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:

        with queue.collecting_notices() as notices:
            response = self.get_response(request)
        if not request.path.startswith("/api/"):
            for notice in notices:
                messages.warning(request, notice)
        return response


class DatabaseUnavailableMiddleware:
    """A view that loses the database answers 503 with a page that keeps what was sent, not 500
    (yourchoice/web/unavailable.py). A failure before the view is handled by
    `views.server_error`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:

        if not unavailable.is_outage(exception):
            return None
        unavailable.log_outage(request)
        return unavailable.retry_page(request)


class ReadAuditMiddleware:
    """Writes the read events the request noted (yourchoice/audit/): one per young person
    whose record a successful GET showed, by page, API or export, before the answer leaves.
    A request that fails, is refused or redirects showed nothing and writes nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:

        with audit.collecting_reads() as log:
            response = self.get_response(request)
            if request.method in ("GET", "HEAD") and 200 <= response.status_code < 300:
                match = request.resolver_match
                route = match.view_name if match is not None else ""
                user = getattr(request, "user", None)
                audit.write_reads(
                    log,
                    actor=user if user is not None and user.is_authenticated else None,
                    route=route,
                    channel="api"
                    if route.startswith("api:")
                    else "offline copy"
                    if offline.copying(request)
                    else "page",
                )
        return response
