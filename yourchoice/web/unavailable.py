"""What a person sees when the database cannot be reached (docs/faults.md).

A database that restarts or fails over drops the connections in use. The next request then
reconnects (CONN_HEALTH_CHECKS), but a request caught in the middle gets a database error.
Instead of "Sorry, there is a problem" (500), it answers 503 with a page that keeps what the
person sent: write pages re-render their form with an error (`form_page`, the one write path),
and anything else gets `retry_page`, which holds the submitted fields and a "Try again" button.
Forms with an idempotency key (the session form) are safe to send again: one record is made.

Nothing here reads the database: it is the thing that is down.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.template import loader

logger = logging.getLogger(__name__)

#: The errors a lost or refused database connection raises (psycopg's, wrapped by Django).
DATABASE_ERRORS = (OperationalError, InterfaceError)


#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = 30

#: Shown on a form that could not be saved because the database could not be reached.
FORM_MESSAGE = (
    "The service lost touch with its database, so this may not have been saved. "
    "Everything you entered is still here. Wait a minute, then try again."
)
#: The same, for a form with an idempotency key: sending it again cannot make a second record.
FORM_MESSAGE_ONCE = FORM_MESSAGE + " It will not be saved twice."


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_ERRORS)


def log_outage(request: HttpRequest) -> None:
    # Method and path only: paths carry record ids, never names.
    logger.warning("Database unavailable during %s %s", request.method, request.path)


def _csrf_passed(request: HttpRequest) -> bool:
    """Whether the POST came from one of our own forms. The CSRF check has run if the view was
    reached; if the database failed earlier (loading the session), run it now."""
    if getattr(request, "csrf_processing_done", False):
        return True

    def view(request: HttpRequest) -> HttpResponse:  # a stand-in: the check needs a callable
        raise AssertionError

    return CsrfViewMiddleware(view).process_view(request, view, (), {}) is None


def _secret(name: str) -> bool:
    """Fields the Try again page never holds: passwords (sign-in, password reset) and the
    authenticator code."""
    return "password" in name or name == "code"


def _kept_fields(request: HttpRequest) -> list[tuple[str, str]]:
    if request.method != "POST" or not _csrf_passed(request):
        return []
    # A password (or an authenticator code) is never written back into a page.
    return [
        (name, value)
        for name, values in request.POST.lists()
        if not _secret(name)
        for value in values
    ]


def retry_page(request: HttpRequest) -> HttpResponse:
    """503 for a request the database failed. A form's fields come back as a "Try again"
    form; the API gets its error shape."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "error": {
                    "status": 503,
                    "message": "The service cannot reach its database. Try again in a minute.",
                    "fields": {},
                }
            },
            status=503,
        )
    else:
        kept = _kept_fields(request)
        context: dict[str, Any] = {
            "kept": kept,
            "action": request.get_full_path(),
            "once": any(name == "idempotency_key" for name, _ in kept),
        }
        # Rendered without the request: no context processor may touch the database.
        html = loader.get_template("errors/503.html").render(context)
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"  # it may hold what the person typed
    return response


def keep_on_form(request: HttpRequest, form: Any) -> None:
    """The database failed while saving `form`: say so on the form, which keeps what was typed
    (the page answers 503). A form with an idempotency key can simply be sent again."""
    log_outage(request)
    once = "idempotency_key" in form.fields
    form.add_error(None, FORM_MESSAGE_ONCE if once else FORM_MESSAGE)
