"""The notifications pages: the list, opening one, marking them read, and choosing email
(docs/notifications.md). Every signed-in person has their own; nobody reaches another's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from cases.notifications import selectors, services
from cases.notifications.forms import EmailChoiceForm
from yourchoice.web.forms import form_page


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    listed = selectors.notifications_page(request.user, request.GET.get("page"))
    return render(
        request,
        "cases/notifications.html",
        {
            "page_obj": listed.page,
            "rows": listed.rows,
            "unread": any(row.notification.is_unread for row in listed.rows),
        },
    )


@login_required
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to what it is about, through the visibility rule; it is read."""
    notification, target = selectors.notification_target(request.user, pk)
    services.notification_open(actor=request.user, notification=notification)
    return redirect(target)


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19]


@login_required
@require_POST
def notifications_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Mark one notification read (`notification` given), or all of them."""
    named = request.POST.getlist("notification")
    ids = _ids(named) if named else None
    count = services.notifications_mark_read(actor=request.user, notification_ids=ids)
    if ids is None:
        messages.success(request, "All your notifications are marked as read.")
    elif count:
        messages.success(request, "Notification marked as read.")
    return redirect("notifications:list")


@login_required
def notification_email(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Nothing ticked posts nothing at all: still a choice (no emails), not a first visit.
    form = EmailChoiceForm(
        request.POST if request.method == "POST" else None,
        initial={"kinds": selectors.email_kinds(request.user)},
    )

    def done(chosen: list[str]) -> HttpResponse:
        messages.success(
            request,
            "Your email choices are saved."
            if chosen
            else "You will not be emailed about notifications.",
        )
        return redirect("notifications:list")

    return form_page(
        request,
        form,
        "cases/notification_email.html",
        {},
        save=lambda data: services.notification_emails_choose(
            actor=request.user, kinds=data["kinds"]
        ),
        done=done,
    )
