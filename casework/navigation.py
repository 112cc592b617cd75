"""The header navigation and search box: only what the person's roles can use, and nothing
that goes nowhere."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts import access
from accounts.access import Perm
from cases.break_glass.selectors import banner_for
from cases.notifications.selectors import unread_count
from yourchoice.web import offline


def navigation(request: HttpRequest) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    search = False
    unread = 0
    break_glass = None
    may_break_glass = False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_verified():
        # The header's count of what is new, on every page: one indexed query.
        unread = unread_count(user)
        # Every page showing a young person the person reads only by break-glass says so.
        break_glass = banner_for(user)
        may_break_glass = access.may_break_glass(user)
        # The header's "Find a young person" box, for those who may see named records; the
        # search page has its own box instead.
        search = access.has_perm(user, Perm.CASE_SEARCH) and request.path != reverse("cases:search")
        items.append({"label": "Home", "url": reverse("home")})
        if access.has_perm(user, Perm.REVIEW_READ):
            items.append({"label": "Caseload review", "url": reverse("supervision:review")})
        if access.has_perm(user, Perm.RETENTION_REVIEW):
            items.append({"label": "Retention", "url": reverse("cases:retention-queue")})
        if access.has_perm(user, Perm.PEOPLE_MANAGE):
            items.append({"label": "People", "url": reverse("people:list")})
        if access.has_perm(user, Perm.BREAK_GLASS_REVIEW):
            items.append({"label": "Break-glass uses", "url": reverse("cases:break-glass-uses")})
        if access.has_perm(user, Perm.IMPORT):
            items.append({"label": "Import", "url": reverse("cases:imports")})
        if access.has_perm(user, Perm.REPORT_DOWNLOAD):
            items.append({"label": "Reports", "url": reverse("outcomes:reports")})
        if access.has_perm(user, Perm.EXTRACT_DOWNLOAD):
            items.append({"label": "Extracts", "url": reverse("outcomes:extracts")})
        if access.sees_all_authorities(user):
            items.append({"label": "Across London", "url": reverse("outcomes:london")})
        if access.has_perm(user, Perm.SERVICE_ADMIN) and user.is_staff:
            items.append({"label": "Administration", "url": reverse("admin:index")})
    for item in items:
        item["active"] = request.path == item["url"] or (
            item["url"] != "/" and request.path.startswith(item["url"])
        )
    return {
        "nav_items": items,
        "header_search": search,
        "notifications_unread": unread,
        "break_glass": break_glass,
        "may_break_glass": may_break_glass,
        "software_version": settings.VERSION,
        # Whose copies and outbox the phone may show (docs/offline.md); none before sign-in.
        "offline_owner": offline.owner_of(user)
        if user is not None and user.is_authenticated and user.is_verified()
        else "",
        "offline_copy": offline.copying(request),
    }
