"""Service-wide views: health, error pages, and the service worker and web app manifest."""

from __future__ import annotations

import json
import sys

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from yourchoice.jobs import queue
from yourchoice.web import unavailable


def health(request: HttpRequest) -> JsonResponse:
    """Reports each dependency, for load balancers and for people on call."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means the dependency is down
        checks["database"] = "unavailable"
    # A PING bounded by a short socket timeout: a Redis that is down, hung or cut off by the
    # network gets "unavailable" within a second, rather than holding the load balancer's check.
    checks["queue"] = "ok" if queue.broker_answers() else "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "degraded", **checks}
    if checks["database"] == "ok":
        # Jobs in the outbox, not yet sent (yourchoice/jobs/queue.py). Informative: they go once
        # the queue is back, so a few waiting do not make the service unhealthy.
        body["jobs_waiting"] = queue.waiting_count()
    return JsonResponse(body, status=200 if healthy else 503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    # The database failed before any view ran (loading the session, say): 503, keeping what
    # was sent (yourchoice/web/unavailable.py), rather than "there is a problem".
    error = sys.exc_info()[1]
    if unavailable.is_outage(error):
        return unavailable.retry_page(request)
    # No context processors: the error may be the database being down.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the root so that it may look after every page. Browsers fetch
    this on every page to see whether it changed, so it is a line: it loads the worker itself
    (static/js/offline/sw.mjs) under its hashed name, cached for a year, and changes when it
    does."""
    script = f"importScripts({json.dumps(static('js/service-worker.js'))});\n"
    return HttpResponse(script, content_type="text/javascript")


@require_GET
def web_manifest(request: HttpRequest) -> JsonResponse:
    """What lets a coach add the service to their phone's home screen."""
    icons = [
        {"src": static(f"assets/images/{name}"), "sizes": size, "type": kind, **extra}
        for name, size, kind, extra in (
            ("favicon.svg", "any", "image/svg+xml", {}),
            ("govuk-icon-192.png", "192x192", "image/png", {}),
            ("govuk-icon-512.png", "512x512", "image/png", {}),
            ("govuk-icon-mask.svg", "any", "image/svg+xml", {"purpose": "monochrome"}),
        )
    ]
    response = JsonResponse(
        {
            "name": "Your Choice",
            "short_name": "Your Choice",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b0c0c",
            "icons": icons,
        },
        content_type="application/manifest+json",
    )
    return response
