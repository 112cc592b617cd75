"""Goal pages (O1)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from outcomes import selectors, services
from outcomes.forms import GoalEndForm, GoalForm
from outcomes.models import GoalStatus
from sessions.selectors import current_episode_for_user
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
