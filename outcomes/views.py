"""Goal and measure pages (O1, O2)."""

from __future__ import annotations

import logging
import uuid
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import Perm
from accounts.http import AuthenticatedHttpRequest
from cases.selectors import current_episode_for_user, latest_episode_for_user
from outcomes import selectors, services
from outcomes.extracts import services as extract_services
from outcomes.forms import (
    GoalEndForm,
    GoalForm,
    MeasureOccasionForm,
    SdqItemsForm,
    SdqScalesForm,
    YoungPersonTurnForm,
)
from outcomes.models import (
    MAX_LIVE_GOALS,
    EntryMode,
    Extract,
    GoalStatus,
    MeasureResponse,
    ReportFormat,
)
from outcomes.reports import services as report_services
from outcomes.reports.forms import LONDON, ReportRequestForm
from outcomes.reports.periods import Period
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data.errors import DomainError
from yourchoice.web import handover
from yourchoice.web.forms import back_to_case, form_page

logger = logging.getLogger(__name__)


@login_required
def goal_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    episode = current_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.GOAL_WRITE, episode)
    return form_page(
        request,
        GoalForm(request.POST or None),
        "outcomes/goal_new.html",
        {"episode": episode, "max_live_goals": MAX_LIVE_GOALS},
        save=lambda data: services.goal_set(actor=request.user, episode=episode, **data),
        done=lambda _: back_to_case(request, "Goal added.", episode.young_person_id),
    )


@login_required
def goal_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    goal = selectors.get_goal_for_user(request.user, pk)
    access.require_on(request.user, Perm.GOAL_WRITE, goal.episode)
    if goal.status != GoalStatus.LIVE and request.method != "POST":
        # (A form sent from a page opened before it ended is answered as stale, input kept.)
        messages.info(request, "This goal has already ended.")
        return redirect("cases:young-person", pk=goal.episode.young_person_id)
    form = GoalEndForm(request.POST or None, initial={"version": goal.version})
    return form_page(
        request,
        form,
        "outcomes/goal_end.html",
        {"goal": goal},
        save=lambda data: services.goal_end(actor=request.user, goal=goal, **data),
        done=lambda _: back_to_case(request, "Goal updated.", goal.episode.young_person_id),
    )


# --- The young person's turn (S7) -------------------------------------------------------------


@login_required
@require_POST
def turn_start(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The coach hands the phone over: from here the browser's session is locked (see
    yourchoice/web/handover.py) until the coach signs back in to it."""
    episode = current_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.SESSION_WRITE, episode)
    try:
        services.young_person_turn_start(actor=request.user, episode=episode)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("cases:young-person", pk=pk)
    handover.lock(request, episode_id=episode.pk, back_url=reverse("cases:young-person", args=[pk]))
    return redirect("outcomes:turn")


def _no_store(response: HttpResponse) -> HttpResponse:
    # Whoever holds the phone next must not find these answers in the browser's cache.
    response["Cache-Control"] = "no-store"
    return response


@handover.allowed_while_locked
@login_required
@access.requires(Perm.SESSION_WRITE)
def turn(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The young person's own screen: how they feel and their goals, nothing else (S7)."""
    held = handover.locked(request)
    if held is None:
        return redirect("home")  # no turn under way (it ended, or never began here)
    if held.get("done"):
        return redirect("outcomes:turn-done")
    page = selectors.turn_page(request.user, held["episode"])
    access.require_on(request.user, Perm.SESSION_WRITE, page.episode)
    form = YoungPersonTurnForm(
        request.POST if request.method == "POST" else None,
        initial={"idempotency_key": uuid.uuid4()},
        goals=page.goals,
    )

    def save(data: dict) -> object:
        if data["feeling"] is None and not form.goal_scores():
            return None  # nothing chosen: nothing to record, the phone goes back
        return services.young_person_check_in(
            actor=request.user,
            episode=page.episode,
            idempotency_key=data["idempotency_key"],
            feeling=data["feeling"],
            goal_scores=form.goal_scores(),
        )

    def done(_: object) -> HttpResponse:
        handover.mark_done(request)
        return redirect("outcomes:turn-done")

    response = form_page(
        request, form, "outcomes/turn.html", {"called": page.called}, save=save, done=done
    )
    return _no_store(response)


@handover.allowed_while_locked
@login_required
def turn_done(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Give the phone back to your coach": shown until the coach unlocks the phone."""
    held = handover.locked(request)
    if held is None:
        return redirect("home")
    handover.mark_done(request)
    return _no_store(render(request, "outcomes/turn_done.html"))


MEASURE_FORMS: dict[str, type[MeasureOccasionForm]] = {
    EntryMode.ITEMS: SdqItemsForm,
    EntryMode.SCALES: SdqScalesForm,
}


@login_required
def sdq_record(request: AuthenticatedHttpRequest, pk: int, mode: str) -> HttpResponse:
    """Enter an SDQ from the paper form, by item answers or by scale scores (O2)."""
    if mode not in MEASURE_FORMS:
        raise Http404
    episode = latest_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.MEASURE_WRITE, episode)
    definition = selectors.sdq_definition()
    form = MEASURE_FORMS[mode](request.POST or None, initial={"completed_on": timezone.localdate()})

    def save(data: dict) -> object:
        return services.measure_record(
            actor=request.user,
            episode=episode,
            definition=definition,
            occasion=data["occasion"],
            completed_on=data["completed_on"],
            item_answers=form.answers() if mode == EntryMode.ITEMS else None,  # type: ignore[attr-defined]  # SdqItemsForm's
            scale_scores=form.scales() if mode == EntryMode.SCALES else None,  # type: ignore[attr-defined]  # SdqScalesForm's
        )

    def done(response: MeasureResponse) -> HttpResponse:
        total = response.total_score
        messages.success(
            request,
            f"SDQ recorded. Total difficulties: {total}."
            if total is not None
            else "SDQ recorded. Total difficulties is missing: a scale had too few answers.",
        )
        return redirect("cases:young-person", pk=episode.young_person_id)

    return form_page(
        request,
        form,
        "outcomes/sdq_record.html",
        {"episode": episode, "mode": mode, "definition": definition},
        save=save,
        done=done,
    )


@login_required
@access.requires(Perm.REPORT_DOWNLOAD)
def reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask for a report for any period and follow it from queued to ready (O4, O7)."""
    authorities, london = selectors.report_authorities(request.user)
    form = ReportRequestForm(request.POST or None, authorities=authorities, london=london)

    def save(data: dict) -> tuple:
        place = data["place"]
        authority = None if place == LONDON else next(a for a in authorities if str(a.pk) == place)
        period = form.chosen_period()
        return report_services.report_request(
            actor=request.user, authority=authority, start=period.start, end=period.end
        )

    def done(asked: tuple) -> HttpResponse:
        _, created = asked
        messages.success(
            request,
            "Your report is being made. This page shows when it is ready."
            if created
            else "That report is already being made.",
        )
        return redirect("outcomes:reports")

    return form_page(
        request,
        form,
        "outcomes/reports.html",
        # A callable, which the template calls: the list is read only when the page is drawn
        # (after a refused request), not before a request that is made and redirected.
        {
            "reports": lambda: selectors.reports_for_user(
                request.user, authorities=authorities, london=london
            )
        },
        save=save,
        done=done,
    )


@login_required
def report_download(request: AuthenticatedHttpRequest, pk: int, fmt: str) -> FileResponse:
    """Files only through here, permission-checked and audited; never a public media URL.
    Anyone who may not have the file gets 404, as if it did not exist."""
    if fmt == ReportFormat.PDF:
        # Made from the printable page on first download: whoever may have the page may have
        # its PDF, and nobody else can cause one to be made.
        page = selectors.get_report_file_for_user(request.user, pk, ReportFormat.HTML)
        try:
            report_file = report_services.report_pdf(page)
        except FileNotFoundError:
            logger.warning("Stored file missing: %s", Path(page.file.name or "").name)
            raise Http404 from None
    else:
        report_file = selectors.get_report_file_for_user(request.user, pk, fmt)
    audit.record(
        actor=request.user,
        action=AuditAction.REPORT_DOWNLOAD,
        obj=report_file.report,
        authority_id=report_file.report.authority_id,
        format=fmt,
    )
    path = Path(settings.MEDIA_ROOT) / report_file.file.name  # type: ignore[operator]  # a stored file has a name
    return _attachment(path, path.name)


def _attachment(path: Path, filename: str) -> FileResponse:
    """A stored file as a download. A file lost from storage (restored data without its files,
    say) is gone, a 404, not a server error."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        logger.warning("Stored file missing: %s", path.name)
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _period(start: str, end: str) -> Period | None:
    """The period asked for in the address, or None (the default) if it is not a period."""
    try:
        period = Period(date.fromisoformat(start), date.fromisoformat(end))
    except ValueError:
        return None
    return period if period.start <= period.end else None


@login_required
@access.requires(Perm.REPORT_DOWNLOAD)
def london(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every authority's key figures for one period side by side (O5): by default the latest
    whole month with reports, or the period in ?start=&end= (a link under the table)."""
    if not access.sees_all_authorities(request.user):
        raise PermissionDenied
    view = selectors.london_table(
        request.GET.get("sort", "authority"),
        request.GET.get("dir") == "desc",
        _period(request.GET.get("start", ""), request.GET.get("end", "")),
    )
    return render(request, "outcomes/london.html", {"view": view})


@login_required
@access.requires(Perm.EXTRACT_DOWNLOAD)
def extracts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Evaluators ask for a pseudonymised extract and download its tables (O6)."""
    if request.method == "POST":
        extract_services.extract_request(actor=request.user)
        messages.success(request, "The extract is being made. This page shows when it is ready.")
        return redirect("outcomes:extracts")
    listed = Extract.objects.prefetch_related("files").order_by("-requested_at")[:20]
    return render(request, "outcomes/extracts.html", {"extracts": listed})


@login_required
def extract_download(request: AuthenticatedHttpRequest, pk: int, table: str) -> FileResponse:
    found = extract_services.get_extract_file_for_user(request.user, pk, table)
    audit.record(
        actor=request.user, action=AuditAction.EXTRACT_DOWNLOAD, obj=found.extract, table=table
    )
    path = Path(settings.MEDIA_ROOT) / found.file.name  # type: ignore[operator]  # a stored file has a name
    return _attachment(path, f"extract-{pk}-{path.name}")
