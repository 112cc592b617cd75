"""Pages about cases: the home page for each role and the young person's page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from accounts.selectors import service_counts
from cases import selectors
from yourchoice import access, audit


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One home page; each role the person holds adds its own section (PRODUCT.md §2)."""
    user = request.user
    held = access.roles(user)
    context = {
        "roles": held,
        "Role": Role,
        "caseload": selectors.caseload_for_coach(user) if Role.COACH in held else None,
        "coaches": selectors.coaches_for_supervisor(user) if Role.SUPERVISOR in held else None,
        "authority_cases": selectors.cases_for_authority(user) if Role.BOROUGH_LEAD in held else None,
        "authority_counts": selectors.counts_by_authority() if Role.PROGRAMME_LEAD in held else None,
        "service_counts": service_counts() if Role.ADMINISTRATOR in held else None,
    }
    return render(request, "cases/home.html", context)


@login_required
def young_person(request: HttpRequest, pk: int) -> HttpResponse:
    """The young person's page (C4, C7). Reading it is audited (X2)."""
    page = selectors.young_person_page(request.user, pk)
    audit.record(
        actor=request.user,
        action="young_person.view",
        obj=page.young_person,
        young_person_id=page.young_person.pk,
        authority_id=page.young_person.authority_id,
    )
    return render(request, "cases/young_person.html", {"page": page})
