"""The retention review queue and the decisions on it, for borough leads (docs/programme.md X6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.http import AuthenticatedHttpRequest
from casework.retention import selectors, services
from casework.retention.forms import AnonymiseForm, ExtendForm
from yourchoice.web.forms import form_page

if TYPE_CHECKING:
    from cases.models import RetentionExtension


@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    review = selectors.retention_queue(request.user, page_number=request.GET.get("page", 1))
    return render(request, "cases/retention_queue.html", {"queue": review})


@login_required
def anonymise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    retention = selectors.retention_for_user(request.user, pk)
    reference = retention.young_person.reference

    def done(_: object) -> HttpResponse:
        messages.success(request, f"{reference} has been anonymised.")
        return redirect("cases:retention-queue")

    return form_page(
        request,
        AnonymiseForm(request.POST if request.method == "POST" else None),
        "cases/retention_anonymise.html",
        {"retention": retention},
        save=lambda data: services.young_person_anonymise(
            actor=request.user, young_person=retention.young_person
        ),
        done=done,
    )


@login_required
def extend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    retention = selectors.retention_for_user(request.user, pk)
    reference = retention.young_person.reference

    def done(extension: RetentionExtension) -> HttpResponse:
        messages.success(
            request, f"{reference} will be kept until {extension.keep_until:%-d %B %Y}."
        )
        return redirect("cases:retention-queue")

    return form_page(
        request,
        ExtendForm(request.POST if request.method == "POST" else None),
        "cases/retention_extend.html",
        {"retention": retention},
        save=lambda data: services.retention_extend(
            actor=request.user, young_person=retention.young_person, **data
        ),
        done=done,
    )
