"""Logging a session, and correcting or adding to its notes (S1–S3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from sessions import selectors, services
from sessions.forms import AddendumForm, NotesForm, SessionLogForm
from yourchoice import access, unavailable
from yourchoice.access import Perm
from yourchoice.errors import DomainError, StaleVersion


@login_required
def log_session(request: HttpRequest, pk: int) -> HttpResponse:
    context = selectors.session_form_context(request.user, pk, usual=request.method != "POST")
    episode = context.episode
    access.require_on(request.user, Perm.SESSION_WRITE, episode)
    status = 200
    if request.method == "POST":
        form = SessionLogForm(request.POST, goals=context.goals)
        if form.is_valid():
            data = form.cleaned_data
            try:
                log, created = services.session_log(
                    actor=request.user,
                    episode=episode,
                    idempotency_key=data["idempotency_key"],
                    occurred_at=data["occurred_at"],
                    attendance=data["attendance"],
                    duration_minutes=data["duration_minutes"],
                    place=data["place"],
                    techniques=list(data["techniques"]),
                    feeling_start=data["feeling_start"],
                    feeling_end=data["feeling_end"],
                    goal_scores=form.goal_scores(),
                    between_session_task=data["between_session_task"],
                    notes=data["notes"],
                    safeguarding_concern=data["safeguarding_concern"],
                    concern_summary=data["concern_summary"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            except unavailable.DATABASE_ERRORS:
                # The database went mid-save: the form comes back with what was typed and the
                # same idempotency key, so pressing Save again makes one session (503).
                unavailable.keep_on_form(request, form)
                status = 503
            else:
                messages.success(
                    request,
                    "Session logged." if created else "This session was already logged.",
                    # Tells the page to drop the unsent draft kept in the browser tab.
                    extra_tags=f"draft-clear:session-{episode.pk}",
                )
                return redirect("cases:young-person", pk=episode.young_person_id)
    else:
        form = SessionLogForm(
            initial=SessionLogForm.initial_for(
                usual_place=context.usual_place, usual_duration=context.usual_duration
            ),
            goals=context.goals,
        )
    if status == 200 and form.errors:
        status = 400
    return render(
        request, "sessions/log_session.html", {"form": form, "episode": episode}, status=status
    )


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A session, with a notes correction form in the window and an addendum form after."""
    log = selectors.get_session_for_user(request.user, pk)
    can_write = access.can(request.user, Perm.SESSION_WRITE, log.episode)
    locked = services.notes_locked(log)
    notes_form = NotesForm(prefix="notes", record=log)
    addendum_form = AddendumForm(prefix="addendum")
    status = 200
    if request.method == "POST":
        access.require_on(request.user, Perm.SESSION_WRITE, log.episode)
        try:
            if "notes-notes" in request.POST:
                notes_form = NotesForm(request.POST, prefix="notes")
                if notes_form.is_valid():
                    services.session_notes_correct(
                        actor=request.user,
                        session_log=log,
                        notes=notes_form.cleaned_data["notes"],
                        version=notes_form.cleaned_data["version"],
                    )
                    messages.success(request, "Notes corrected.")
                    return redirect("sessions:detail", pk=log.pk)
            else:
                addendum_form = AddendumForm(request.POST, prefix="addendum")
                if addendum_form.is_valid():
                    services.session_addendum_add(
                        actor=request.user, session_log=log, **addendum_form.cleaned_data
                    )
                    messages.success(request, "Addendum added.")
                    return redirect("sessions:detail", pk=log.pk)
        except StaleVersion as error:
            # Someone else corrected the notes first: show theirs, keep hers, save nothing.
            notes_form.show_conflict(error)
            log = selectors.get_session_for_user(request.user, pk)
            locked = services.notes_locked(log)
            status = 409
        except DomainError as error:
            (notes_form if "notes-notes" in request.POST else addendum_form).add_domain_error(error)
            status = 400
        else:
            status = 400
    return render(
        request,
        "sessions/session_detail.html",
        {
            "log": log,
            "can_write": can_write,
            "locked": locked,
            "notes_form": notes_form,
            "addendum_form": addendum_form,
            "back_url": reverse("cases:young-person", args=[log.episode.young_person_id]),
        },
        status=status,
    )
