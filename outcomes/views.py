"""Goal and measure pages (O1, O2)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cases.selectors import current_episode_for_user, latest_episode_for_user
from outcomes import selectors, services
from outcomes.forms import GoalEndForm, GoalForm, SdqItemsForm, SdqScalesForm
from outcomes.models import GoalStatus
from yourchoice import access
from yourchoice.access import Perm
from yourchoice.errors import DomainError


@login_required
def goal_new(request: HttpRequest, pk: int) -> HttpResponse:
    episode = current_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.GOAL_WRITE, episode)
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_set(actor=request.user, episode=episode, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Goal added.")
            return redirect("cases:young-person", pk=episode.young_person_id)
    return render(
        request,
        "outcomes/goal_new.html",
        {"form": form, "episode": episode},
        status=400 if form.errors else 200,
    )


@login_required
def goal_end(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.get_goal_for_user(request.user, pk)
    access.require_on(request.user, Perm.GOAL_WRITE, goal.episode)
    if goal.status != GoalStatus.LIVE:
        messages.info(request, "This goal has already ended.")
        return redirect("cases:young-person", pk=goal.episode.young_person_id)
    form = GoalEndForm(request.POST or None, initial={"version": goal.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.goal_end(
                actor=request.user,
                goal=goal,
                status=data["status"],
                version=data["version"],
                replacement=data["replacement"],
                replacement_score=data["replacement_score"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Goal updated.")
            return redirect("cases:young-person", pk=goal.episode.young_person_id)
    return render(
        request,
        "outcomes/goal_end.html",
        {"form": form, "goal": goal},
        status=400 if form.errors else 200,
    )


MEASURE_FORMS = {"items": SdqItemsForm, "scales": SdqScalesForm}


@login_required
def sdq_record(request: HttpRequest, pk: int, mode: str) -> HttpResponse:
    """Enter an SDQ from the paper form, by item answers or by scale scores (O2)."""
    if mode not in MEASURE_FORMS:
        raise Http404
    episode = latest_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.MEASURE_WRITE, episode)
    definition = selectors.sdq_definition()
    form = MEASURE_FORMS[mode](request.POST or None, initial={"completed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = services.measure_record(
                actor=request.user,
                episode=episode,
                definition=definition,
                occasion=data["occasion"],
                completed_on=data["completed_on"],
                item_answers=form.answers() if mode == "items" else None,
                scale_scores=form.scales() if mode == "scales" else None,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            total = response.total_score
            messages.success(
                request,
                f"SDQ recorded. Total difficulties: {total}."
                if total is not None
                else "SDQ recorded. Total difficulties is missing: a scale had too few answers.",
            )
            return redirect("cases:young-person", pk=episode.young_person_id)
    return render(
        request,
        "outcomes/sdq_record.html",
        {"form": form, "episode": episode, "mode": mode, "definition": definition},
        status=400 if form.errors else 200,
    )
