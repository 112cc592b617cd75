"""Break-glass pages: asking for access, and the borough lead's list of uses to review."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import Perm
from accounts.http import AuthenticatedHttpRequest
from cases.break_glass import selectors, services
from cases.break_glass.forms import BreakGlassForm
from cases.break_glass.models import BreakGlassGrant
from yourchoice.web.forms import form_page


@login_required
@access.requires(Perm.BREAK_GLASS)
def break_glass(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for read-only access to one young person outside one's reach, by reference (X9)."""

    def done(grant: BreakGlassGrant) -> HttpResponse:
        until = timezone.localtime(grant.ends_at)
        messages.success(request, f"You can read this record until {until:%H:%M}.")
        return redirect("cases:young-person", pk=grant.young_person_id)

    return form_page(
        request,
        BreakGlassForm(request.POST or None),
        "cases/break_glass.html",
        {"hours": settings.BREAK_GLASS_HOURS, "live": selectors.own_live_grants(request.user)},
        save=lambda data: services.break_glass_open(actor=request.user, **data),
        done=done,
    )


@login_required
@access.requires(Perm.BREAK_GLASS_REVIEW)
def break_glass_uses(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The borough lead's list of break-glass uses of their authority's records (X9)."""
    uses = selectors.uses_to_review(request.user, request.GET.get("page"))
    return render(
        request, "cases/break_glass_uses.html", {"page_obj": uses.page, "uses": uses.rows}
    )


@login_required
@access.requires(Perm.BREAK_GLASS_REVIEW)
@require_POST
def break_glass_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    grant = selectors.grant_for_reviewer(request.user, pk)
    services.break_glass_review(actor=request.user, grant=grant)
    messages.success(request, "Marked as reviewed.")
    return redirect("cases:break-glass-uses")
