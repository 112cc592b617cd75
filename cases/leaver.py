"""A leaver (X8): a borough lead switches off the account of someone leaving, and sees the
open cases still allocated to them, each with a link to reallocate it. Here, not in accounts/,
because it lists cases (accounts/ imports no case data)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect

from accounts import access, people
from accounts.access import Perm
from accounts.forms import ConfirmForm
from accounts.http import AuthenticatedHttpRequest
from cases.models import Episode
from yourchoice.web.forms import form_page


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def leaver(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(access.managed_people(request.user), pk=pk)
    scope = access.authority_scope(request.user)
    open_cases = (
        Episode.objects.visible_to(request.user)
        .filter(scope, coach=person)
        .open()
        .select_related("young_person", "team")
        .order_by("young_person__reference")
        if scope is not None
        else Episode.objects.none()
    )

    def done(_: object) -> HttpResponse:
        messages.success(request, f"{person.full_name} can no longer sign in.")
        return redirect("cases:leaver", pk=person.pk)

    return form_page(
        request,
        ConfirmForm(request.POST if request.method == "POST" else None),
        "cases/leaver.html",
        {"person": person, "open_cases": list(open_cases)},
        save=lambda _: people.deactivate(actor=request.user, person=person),
        done=done,
    )
