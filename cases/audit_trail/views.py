"""The audit trail page of a young person (docs/programme.md X2). Opening it is audited too."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from cases.audit_trail import selectors
from yourchoice import audit
from yourchoice.audit.actions import AuditAction


@login_required
def young_person_audit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    trail = selectors.young_person_trail(
        request.user,
        pk,
        kind=request.GET.get("kind", ""),
        page_number=request.GET.get("page", 1),
    )
    audit.record_for_young_person(
        actor=request.user,
        action=AuditAction.YOUNG_PERSON_AUDIT_VIEW,
        young_person=trail.young_person,
    )
    return render(
        request,
        "cases/audit_trail.html",
        {
            "trail": trail,
            "kinds": selectors.KINDS,
            "page_query": f"{urlencode({'kind': trail.kind})}&" if trail.kind else "",
        },
    )
