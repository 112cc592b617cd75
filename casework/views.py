"""The pages that bring a young person's casework together: the home page for each role and the
young person's page, and asking to close a case (which checks the end measures)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from accounts.http import AuthenticatedHttpRequest
from accounts.selectors import service_counts
from caseload import lists as caseload
from caseload import selectors as caseloads
from cases import selectors as case_selectors
from cases import services
from cases.forms import (
    ClosureDecisionForm,
    ClosureRequestForm,
)
from cases.models import SESSION_STATUSES, ClosureDecision, EpisodeStatus
from casework import selectors
from outcomes.collection import State
from outcomes.models import MAX_LIVE_GOALS, MEANINGFUL_GOAL_CHANGE, GoalStatus, Occasion
from supervision.selectors import outstanding_actions_for_owner
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.web.forms import form_page

#: Timeline entries a page of the young person's record shows, newest first.
TIMELINE_PAGE_SIZE = 20


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One home page; each role the person holds adds its own section (docs/programme.md)."""
    user = request.user
    params = request.GET
    has_caseload = access.has_caseload(user)
    context = {
        "sorts": caseload.SORTS,
        "filters": caseload.FILTERS,
        "orders": caseload.ORDERS,
        "caseload": caseload.arrange(caseloads.caseload_for_coach(user), params)
        if has_caseload
        else None,
        "returned_closures": case_selectors.returned_closures_for_coach(user)
        if has_caseload
        else [],
        "coaches": caseloads.coaches_for_supervisor(user)
        if access.supervised_team_ids(user)
        else None,
        "authority_cases": caseload.page_of_cases(case_selectors.cases_for_authority(user), params)
        if access.led_authority_ids(user)
        else None,
        "authority_counts": case_selectors.counts_by_authority()
        if access.sees_all_authorities(user)
        else None,
        "evaluation": access.has_perm(user, Perm.EXTRACT_DOWNLOAD),
        "service_counts": service_counts() if access.has_perm(user, Perm.SERVICE_ADMIN) else None,
        "actions": outstanding_actions_for_owner(user),
        "today": timezone.localdate(),
    }
    return render(request, "cases/home.html", context)


@login_required
def young_person(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The young person's page (C4, C7). Reading it is audited (X2)."""
    page = selectors.young_person_page(request.user, pk)
    audit.record_for_young_person(
        actor=request.user, action=AuditAction.YOUNG_PERSON_VIEW, young_person=page.young_person
    )
    episode = page.episode
    can_decide_closure = (
        page.pending_closure is not None
        and access.can(request.user, Perm.CLOSURE_APPROVE, episode)
        and access.separation_of_duties(
            requested_by_id=page.pending_closure.requested_by_id, approver_id=request.user.pk
        )
    )
    can_log_session = episode.status in SESSION_STATUSES and access.can(
        request.user, Perm.SESSION_WRITE, episode
    )
    # The newest of the story first, a page at a time: a long case's page stays short.
    timeline = Paginator(page.timeline, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/young_person.html",
        {
            "page": page,
            "timeline": timeline,
            "can_decide_closure": can_decide_closure,
            "can_log_session": can_log_session,
            "can_write_goals": episode.is_open
            and access.can(request.user, Perm.GOAL_WRITE, episode),
            "can_allocate": episode.is_open
            and access.can(request.user, Perm.CASE_ALLOCATE, episode),
            "can_reassess": episode.status == EpisodeStatus.NOT_TAKEN_ON
            and page.young_person.anonymised_at is None
            and access.can(request.user, Perm.REFERRAL_WRITE, episode),
            "can_request_closure": episode.status in SESSION_STATUSES
            and page.pending_closure is None
            and access.can(request.user, Perm.CLOSURE_REQUEST, episode),
            "can_raise_flag": episode.is_open
            and access.can(request.user, Perm.FLAG_WRITE, episode),
            "can_write_measures": access.can(request.user, Perm.MEASURE_WRITE, episode),
            "can_link_context": page.young_person.anonymised_at is None
            and access.can(request.user, Perm.CONTEXT_WRITE, episode),
            "can_read_audit": access.can(request.user, Perm.AUDIT_READ, episode),
            "can_export": access.can(request.user, Perm.SUBJECT_ACCESS, episode),
            "can_edit_profile": page.young_person.anonymised_at is None
            and access.can(request.user, Perm.CASE_WRITE, episode),
            "live_goal_count": sum(1 for g in page.goals if g.goal.status == GoalStatus.LIVE),
            "meaningful_change": MEANINGFUL_GOAL_CHANGE,
            "max_live_goals": MAX_LIVE_GOALS,
        },
    )


@login_required
def closure_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The coach asks to close the case; the supervisor's approval closes it (C3)."""
    page = selectors.young_person_page(request.user, pk)
    episode = page.episode
    access.require_on(request.user, Perm.CLOSURE_REQUEST, episode)
    if page.pending_closure is not None:
        messages.info(request, "A request to close this case is already waiting for approval.")
        return redirect("cases:young-person", pk=pk)
    end_missing = any(
        o.occasion == Occasion.END and o.state != State.DONE for o in page.measure_occasions
    )
    form = ClosureRequestForm(request.POST or None)

    def done(_: object) -> HttpResponse:
        messages.success(request, "Your request to close the case has gone to your supervisor.")
        return redirect("cases:young-person", pk=pk)

    return form_page(
        request,
        form,
        "cases/closure_request.html",
        {"episode": episode, "end_missing": end_missing},
        save=lambda data: services.closure_request(actor=request.user, episode=episode, **data),
        done=done,
    )


@login_required
def closure_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A supervisor approves or returns a coach's request to close a case (V4)."""
    page = selectors.closure_decision_page(request.user, pk)
    closure = page.closure
    access.require_on(request.user, Perm.CLOSURE_APPROVE, closure.episode)
    young_person_url = reverse("cases:young-person", args=[closure.episode.young_person_id])
    if closure.decision != ClosureDecision.PENDING:
        messages.info(request, "This request has already been decided.")
        return redirect(young_person_url)
    # The person who asked sees the request, but the decision is someone else's.
    may_decide = access.separation_of_duties(
        requested_by_id=closure.requested_by_id, approver_id=request.user.pk
    )
    form = ClosureDecisionForm(request.POST or None)

    def done(_: object) -> HttpResponse:
        approved = form.cleaned_data["decision"] == ClosureDecisionForm.APPROVE
        messages.success(
            request,
            "The case is closed." if approved else "The request was returned to the coach.",
        )
        return redirect(young_person_url)

    return form_page(
        request,
        form,
        "cases/closure_decide.html",
        {"page": page, "closure": closure, "back_url": young_person_url, "may_decide": may_decide},
        save=lambda data: services.closure_decide(
            actor=request.user,
            closure=closure,
            approve=data["decision"] == ClosureDecisionForm.APPROVE,
            comment=data["comment"],
        ),
        done=done,
    )
