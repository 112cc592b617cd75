"""Reads for goal and measure pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from outcomes.models import Goal, MeasureDefinition

if TYPE_CHECKING:
    from accounts.models import User


def get_goal_for_user(user: User, pk: int) -> Goal:
    goal = (
        Goal.objects.visible_to(user).select_related("episode__young_person").filter(pk=pk).first()
    )
    if goal is None:
        raise Http404
    return goal


SDQ_CODE = "sdq-self-report"


def sdq_definition() -> MeasureDefinition:
    return MeasureDefinition.objects.get(code=SDQ_CODE, active=True)
