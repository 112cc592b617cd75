"""Request-wide rules: sign-in everywhere, audit context, security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from yourchoice import request_context

# Paths a signed-out person may reach. Everything else needs a full (two-factor) sign-in.
# The API answers for itself: token or verified session, else 401/403 (yourchoice/api.py).
PUBLIC_PREFIXES = ("/sign-in/", "/password-reset/", "/static/", "/health/", "/api/")


class SignInRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_context.set_ip(request.META.get("REMOTE_ADDR"))
        try:
            if not request.path.startswith(PUBLIC_PREFIXES) and not _verified(request):
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            return self.get_response(request)
        finally:
            request_context.reset(token)


def _verified(request: HttpRequest) -> bool:
    user = request.user
    # Only a session that passed both factors counts (django-otp sets is_verified).
    return bool(user.is_authenticated and user.is_verified())


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy: no inline script or style, nothing from elsewhere."""

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
        response.headers.setdefault("Content-Security-Policy", self.POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        signed_in = hasattr(request, "user") and request.user.is_authenticated
        if signed_in or request.path.startswith("/api/"):
            # Case records must not linger in shared computers' or proxies' caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
