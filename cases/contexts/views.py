"""Pages about contexts (docs/contexts.md, C10): a context's page, linking a young person to a
context (one they can see, or a new one), and ending a link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts import access
from accounts.access import Perm
from accounts.http import AuthenticatedHttpRequest
from cases import selectors as case_selectors
from cases.contexts import selectors, services
from cases.contexts.forms import ContextLinkEndForm, ContextLinkForm, ContextNewForm
from cases.contexts.models import ContextLink
from yourchoice.web.forms import back_to_case, form_page


@login_required
def context_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A context: what it is, where, the young people linked to it whom the person sees, and
    how many others there are (never who). 404 for anyone who sees none of its links."""
    page = selectors.context_page(request.user, pk)
    return render(request, "cases/context.html", {"page": page})


@login_required
def context_link(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Link the young person to a context the person already sees."""
    episode = case_selectors.latest_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.CONTEXT_WRITE, episode)
    young_person = episode.young_person
    contexts = selectors.linkable_contexts(
        request.user, young_person.pk, with_current=request.method == "POST"
    )
    form = ContextLinkForm(request.POST or None, contexts=contexts)

    def done(link: ContextLink) -> HttpResponse:
        return back_to_case(request, f"Linked to {link.context.name}.", young_person.pk)

    return form_page(
        request,
        form,
        "cases/context_link.html",
        {"young_person": young_person, "contexts": contexts},
        save=lambda data: services.context_link(
            actor=request.user,
            context=data["context"],
            young_person=young_person,
            reason=data["reason"],
            known_from=data["known_from"],
        ),
        done=done,
    )


@login_required
def context_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record a new context from the young person it touches, and link them to it."""
    episode = case_selectors.latest_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.CONTEXT_WRITE, episode)
    young_person = episode.young_person
    form = ContextNewForm(request.POST or None, exclude_authority_id=young_person.authority_id)

    def done(link: ContextLink) -> HttpResponse:
        messages.success(request, f"{link.context.name} recorded, and the young person linked.")
        return redirect("cases:context", pk=link.context_id)

    return form_page(
        request,
        form,
        "cases/context_new.html",
        {"young_person": young_person},
        save=lambda data: services.context_create(
            actor=request.user,
            young_person=young_person,
            idempotency_key=data["idempotency_key"],
            kind=data["kind"],
            name=data["name"],
            description=data["description"],
            authorities=data["authorities"],
            reason=data["reason"],
            known_from=data["known_from"],
        ),
        done=done,
    )


@login_required
def context_link_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """End a young person's link to a context; it stays on their record, dated."""
    link = selectors.get_link_for_user(request.user, pk)
    episode = case_selectors.latest_episode_for_user(request.user, link.young_person_id)
    access.require_on(request.user, Perm.CONTEXT_WRITE, episode)
    if not link.is_current:
        messages.info(request, "This link has already ended.")
        return redirect("cases:young-person", pk=link.young_person_id)
    return form_page(
        request,
        ContextLinkEndForm(request.POST or None),
        "cases/context_link_end.html",
        {"link": link},
        save=lambda data: services.context_link_end(actor=request.user, link=link, **data),
        done=lambda _: back_to_case(
            request, f"The link to {link.context.name} has ended.", link.young_person_id
        ),
    )
