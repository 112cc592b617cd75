"""Logging a session, and correcting or adding to its notes (S1–S3)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts import access
from accounts.access import Perm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from cases.models import Episode
from sessions import selectors, services
from sessions.forms import AddendumForm, NotesForm, SessionCorrectionForm, SessionLogForm
from sessions.models import SessionLog
from yourchoice.data.errors import ChangedSinceOpened, DomainError, StaleVersion
from yourchoice.web import offline
from yourchoice.web.forms import form_page


def answers(form: SessionLogForm, data: dict[str, Any]) -> dict[str, Any]:
    """What the session form says happened, as the session services take it."""
    return {
        "occurred_at": data["occurred_at"],
        "attendance": data["attendance"],
        "duration_minutes": data["duration_minutes"],
        "place": data["place"],
        "techniques": list(data["techniques"]),
        "feeling_start": data["feeling_start"],
        "feeling_end": data["feeling_end"],
        "goal_scores": form.goal_scores(),
        "between_session_task": data["between_session_task"],
        "notes": data["notes"],
    }


@login_required
def log_session(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        context = selectors.session_form_context(request.user, pk)
    except Http404:
        if offline.sending(request):
            return offline.conflict_answer(not_open_any_more(request.user, request.POST))
        raise
    episode = context.episode
    access.require_on(request.user, Perm.SESSION_WRITE, episode)

    def drawn(data: QueryDict | None, initial: dict[str, Any] | None = None) -> SessionLogForm:
        return SessionLogForm(
            data,
            initial=initial,
            goals=context.goals,
            techniques=lambda: context.techniques,
            last=lambda: context.last,
            referred_on=episode.referred_on,
        )

    # A sent form says its own answers: the usual ones are read for a blank form only.
    form = (
        drawn(request.POST)
        if request.method == "POST"
        else drawn(
            None,
            SessionLogForm.initial_for(
                episode_pk=episode.pk,
                goals=context.goals,
                usual_place=context.usual_place,
                usual_duration=context.usual_duration,
            ),
        )
    )

    def save(data: dict) -> tuple:
        changed = changed_since_opened(form, data, episode)
        if changed is not None:
            raise changed
        # If the database goes mid-save the form comes back with what was typed and the same
        # idempotency key, so pressing Save again makes one session (503).
        return services.session_log(
            actor=request.user,
            episode=episode,
            idempotency_key=data["idempotency_key"],
            **answers(form, data),
            safeguarding_concern=data["safeguarding_concern"],
            concern_summary=data["concern_summary"],
        )

    def done(saved: tuple) -> HttpResponse:
        log, created = saved
        messages.success(
            request,
            # A new session has the ratings just sent; one sent before says what it stored.
            saved_message(
                log, created, len(form.goal_scores()) if created else log.goal_ratings.count()
            ),
            # Tells the page to drop the unsent draft kept in the browser tab, and that a
            # session this phone kept waiting has arrived (static/js/offline/).
            extra_tags=f"draft-clear:session-{episode.pk} phone-sent:{log.idempotency_key}",
        )
        return redirect("cases:young-person", pk=episode.young_person_id)

    def refused(error: DomainError) -> SessionLogForm | None:
        if not isinstance(error, ChangedSinceOpened):
            return None
        # Drawn again for the goals as they are now, so saving again saves without the
        # replaced goal's rating, as the message says.
        data = request.POST.copy()
        data["goals_shown"] = SessionLogForm.goals_shown_for(context.goals)
        again = drawn(data)
        again.is_valid()
        return again

    return form_page(
        request,
        form,
        "sessions/log_session.html",
        {"episode": episode},
        save=save,
        done=done,
        refused=refused,
    )


def changed_since_opened(
    form: SessionLogForm, data: dict[str, Any], episode: Episode
) -> ChangedSinceOpened | None:
    """What changed since the form was drawn that saving it as it is would hide: the case it
    was written for closed (and another opened), or a goal it rates was replaced or ended."""
    opened_for = data.get("opened_for")
    if opened_for is not None and opened_for != episode.pk:
        return ChangedSinceOpened(
            "The case this session was written for has closed since the form was opened, and "
            "a new case has been opened. The session has not been saved.",
            reason="closed",
        )
    replaced = form.replaced_goals_rated()
    if replaced and not data.get("without_changed_goals"):
        described = ", ".join(
            f"\u201c{text}\u201d" for text in selectors.goal_descriptions(replaced)
        )
        return ChangedSinceOpened(
            f"A goal this session rates has been replaced or ended since the form was opened: "
            f"{described}. Save again to save the session without that rating.",
            reason="goal-changed",
        )
    return None


def not_open_any_more(user: User, sent: QueryDict) -> ChangedSinceOpened:
    """Why a session sent from a phone's outbox has no open case to go to, saying no more than
    the coach may know: the case they can still see has closed, or it is no longer theirs."""
    opened_for = sent.get("opened_for", "")
    if opened_for.isdigit() and selectors.sees_case(user, int(opened_for)):
        return ChangedSinceOpened(
            "The case this session was written for has been closed. The session has not been "
            "saved.",
            reason="closed",
        )
    return ChangedSinceOpened(
        "You can no longer add to this young person's record: the case may have moved to "
        "another coach or borough. The session has not been saved.",
        reason="gone",
    )


def saved_message(log: SessionLog, created: bool, ratings: int) -> SafeString:
    """What was saved, in a line, with a link to it: "Session logged: attended, Tuesday 3
    December at 14:05, 2 goal ratings. View the session"."""
    when = timezone.localtime(log.occurred_at)
    said = [
        log.get_attendance_display().lower(),
        f"{date_format(when, 'l j F')} at {when:%H:%M}",
    ]
    if ratings:
        said.append(f"{ratings} goal rating{pluralize(ratings)}")
    return format_html(
        '{}: {}. <a class="govuk-notification-banner__link" href="{}">View the session</a>',
        "Session logged" if created else "This session was already logged",
        ", ".join(said),
        reverse("sessions:detail", args=[log.pk]),
    )


@login_required
def session_correct(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Correct any part of a session within the correction window (S8); after it, the
    session's page offers an addendum instead."""
    log = selectors.get_session_for_user(request.user, pk)
    access.require_on(request.user, Perm.SESSION_WRITE, log.episode)
    if services.notes_locked(log):
        messages.info(request, "This session can no longer be corrected. Add to its notes.")
        return redirect("sessions:detail", pk=log.pk)
    form = SessionCorrectionForm(
        request.POST if request.method == "POST" else None,
        record=log,
        goals=selectors.goals_to_correct(request.user, log),
        techniques=lambda: selectors.techniques_for(log.coach),
        referred_on=log.episode.referred_on,
    )

    def save(data: dict) -> SessionLog:
        return services.session_correct(
            actor=request.user,
            session_log=log,
            version=data["version"],
            **answers(form, data),
        )

    def done(corrected: SessionLog) -> HttpResponse:
        messages.success(request, "Session corrected.")
        return redirect("sessions:detail", pk=corrected.pk)

    context = {
        "log": log,
        "episode": log.episode,
        "correctable_until": services.correctable_until(log),
    }
    return form_page(request, form, "sessions/correct_session.html", context, save=save, done=done)


@login_required
def session_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A session, with a notes correction form in the window and an addendum form after."""
    log = selectors.get_session_for_user(request.user, pk)
    context = {
        "log": log,
        "can_write": access.can(request.user, Perm.SESSION_WRITE, log.episode),
        "locked": services.notes_locked(log),
        "correctable_until": services.correctable_until(log),
        "notes_form": NotesForm(prefix="notes", record=log),
        "addendum_form": AddendumForm(prefix="addendum"),
        "back_url": reverse("cases:young-person", args=[log.episode.young_person_id]),
    }
    if request.method == "POST":
        access.require_on(request.user, Perm.SESSION_WRITE, log.episode)
    correcting = "notes-notes" in request.POST

    def saved(message: str) -> HttpResponse:
        messages.success(request, message)
        return redirect("sessions:detail", pk=log.pk)

    def refused(error: DomainError) -> None:
        if isinstance(error, StaleVersion):
            # Someone else corrected the notes first: show theirs, keep hers, save nothing.
            now = selectors.get_session_for_user(request.user, pk)
            context.update(log=now, locked=services.notes_locked(now))

    if correcting:
        form = context["notes_form"] = NotesForm(request.POST, prefix="notes")
        return form_page(
            request,
            form,
            "sessions/session_detail.html",
            context,
            save=lambda data: services.session_notes_correct(
                actor=request.user, session_log=log, notes=data["notes"], version=data["version"]
            ),
            done=lambda _: saved("Notes corrected."),
            refused=refused,
        )
    sent = request.POST if request.method == "POST" else None
    addendum_form = context["addendum_form"] = AddendumForm(sent, prefix="addendum")
    return form_page(
        request,
        addendum_form,
        "sessions/session_detail.html",
        context,
        save=lambda data: services.session_addendum_add(
            actor=request.user, session_log=log, **data
        ),
        done=lambda _: saved("Addendum added."),
    )
