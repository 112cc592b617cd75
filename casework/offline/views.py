"""The pages a phone keeps for working without signal, and what its service worker asks
(docs/offline.md). Each is an addition: every page works without them, and without JavaScript."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from casework.offline import selectors, services
from casework.offline.forms import AskSupervisorForm
from yourchoice.web import offline
from yourchoice.web.forms import form_page


@require_GET
def state(request: HttpRequest) -> JsonResponse:
    """Who is signed in (as the phone files it), a token to send with, and the pages the
    phone keeps with their versions. 401, saying nothing else, to someone not signed in."""
    user = request.user
    if not user.is_authenticated or not user.is_verified():  # type: ignore[union-attr]  # django-otp adds is_verified
        return JsonResponse({"signed_in": False}, status=401)
    return JsonResponse(
        {
            "signed_in": True,
            "owner": offline.owner_of(user),
            "csrf": get_token(request),
            # Copies older than a sign-in lasts are not shown: a phone found later shows nothing.
            "keep_hours": settings.SESSION_MAX_HOURS,
            "copies": [
                {"url": c.url, "source": c.source, "version": c.version}
                for c in selectors.copies_for(user)  # type: ignore[arg-type]  # signed in above
            ],
        }
    )


@login_required
def young_person(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The reduced young person's page the phone shows with no signal."""
    record = selectors.kept_record(request.user, pk)
    return render(request, "offline/young_person.html", {"record": record})


@login_required
def outbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What is waiting on this phone: drawn by the phone itself from what it keeps."""
    return render(request, "offline/outbox.html")


@login_required
def unavailable(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Shown by the phone, with no signal, for a page it does not keep."""
    return render(request, "offline/unavailable.html")


@login_required
@require_POST
def ask_supervisor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A coach asks their supervisor about a session waiting on their phone that the service
    could not save as it was (docs/offline.md): the supervisor is told by email, by reference
    only, and only of a case the coach can still see. Sent by the phone's list of what waits."""
    form = AskSupervisorForm(request.POST)

    def save(data: dict) -> int:
        return services.ask_supervisor(
            actor=request.user, young_person_pk=data["young_person"], reason=data["reason"]
        )

    def done(told: int) -> HttpResponse:
        messages.success(request, "Your supervisor has been asked.")
        return redirect("offline:outbox")

    return form_page(request, form, "offline/outbox.html", {}, save=save, done=done)
