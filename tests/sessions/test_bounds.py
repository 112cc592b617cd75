"""A session's bounds are written once, in sessions/models.py (goal ratings in outcomes/models.py):
the database constraints, the session form, the API serializer and the service agree with them."""

from __future__ import annotations

from datetime import date
from typing import cast

from django import forms
from django.db.models import Q
from django.utils import timezone
from rest_framework import serializers

from cases.models import Episode
from outcomes.api import GoalCreateSerializer, GoalEndSerializer, GoalRateSerializer
from outcomes.models import MAX_RATING, MIN_RATING, GoalRating
from sessions import services
from sessions.api import SessionLogCreateSerializer
from sessions.forms import SessionLogForm
from sessions.models import (
    MAX_DURATION_MINUTES,
    MAX_FEELING,
    MIN_DURATION_MINUTES,
    MIN_FEELING,
    SessionLog,
)

BOUNDS = {
    "duration_minutes": (MIN_DURATION_MINUTES, MAX_DURATION_MINUTES),
    "feeling_start": (MIN_FEELING, MAX_FEELING),
    "feeling_end": (MIN_FEELING, MAX_FEELING),
}


def _lookups(condition: Q) -> dict[str, object]:
    """Every field lookup in a constraint's condition, however it is nested."""
    found: dict[str, object] = {}
    for child in condition.children:
        if isinstance(child, Q):
            found.update(_lookups(child))
        else:
            assert isinstance(child, tuple)  # a Q's leaves are (lookup, value) pairs
            found[child[0]] = child[1]
    return found


def _constraint(model, name: str) -> Q:
    return next(c for c in model._meta.constraints if c.name == name).condition


def test_the_database_constraints_use_the_models_bounds():
    duration = _lookups(_constraint(SessionLog, "session_duration_sensible"))
    assert duration["duration_minutes__gte"] == MIN_DURATION_MINUTES
    assert duration["duration_minutes__lte"] == MAX_DURATION_MINUTES
    feelings = _lookups(_constraint(SessionLog, "session_feelings_0_to_10"))
    assert feelings["feeling_start__lte"] == feelings["feeling_end__lte"] == MAX_FEELING
    # The columns are unsigned, so the database's lower bound is 0 whatever the constant says.
    assert MIN_FEELING == MIN_RATING == 0
    assert _lookups(_constraint(GoalRating, "goal_rating_0_to_10"))["score__lte"] == MAX_RATING


def test_the_session_form_uses_the_models_bounds():
    form = SessionLogForm(goals=[])
    duration = form.fields["duration_minutes"]
    assert isinstance(duration, forms.IntegerField)
    assert (duration.min_value, duration.max_value) == BOUNDS["duration_minutes"]
    for name in ("feeling_start", "feeling_end"):
        # A feeling is one tap on a scale whose boxes run from the model's bounds.
        field = form.fields[name]
        assert isinstance(field, forms.TypedChoiceField)
        values = [value for value, _ in cast(list[tuple[int, str]], field.choices)]
        assert (min(values), max(values)) == BOUNDS[name] == (MIN_FEELING, MAX_FEELING), name
    assert form.fields["feeling_end"].error_messages["invalid_choice"] == (
        f"Choose how they felt at the end, from {MIN_FEELING} to {MAX_FEELING}"
    )


def test_the_api_serializers_use_the_models_bounds():
    fields = SessionLogCreateSerializer().fields
    for name, (low, high) in BOUNDS.items():
        field = fields[name]
        assert isinstance(field, serializers.IntegerField)
        assert (field.min_value, field.max_value) == (low, high), name
    goal_scores = fields["goal_scores"]
    assert isinstance(goal_scores, serializers.DictField)
    goal_scores = goal_scores.child
    assert isinstance(goal_scores, serializers.IntegerField)
    assert (goal_scores.min_value, goal_scores.max_value) == (MIN_RATING, MAX_RATING)
    for serializer, name in (
        (GoalCreateSerializer, "first_score"),
        (GoalRateSerializer, "score"),
        (GoalEndSerializer, "replacement_score"),
    ):
        field = serializer().fields[name]
        assert isinstance(field, serializers.IntegerField)
        assert (field.min_value, field.max_value) == (MIN_RATING, MAX_RATING), name


def _problems(
    goal: int = MIN_RATING,
    duration_minutes: int | None = 60,
    feeling_start: int | None = None,
    feeling_end: int | None = None,
) -> dict[str, list[str]]:
    """The service's checks on a session that happened, with the values given."""
    return services._validate(
        episode=Episode(referred_on=date(2020, 1, 1)),
        occurred_at=timezone.now(),
        attendance="attended",
        duration_minutes=duration_minutes,
        place="home",
        feeling_start=feeling_start,
        feeling_end=feeling_end,
        goal_scores={1: goal},
    )


def test_the_service_uses_the_models_bounds():
    for name, (low, high) in BOUNDS.items():
        assert name not in _problems(**{name: low}), name
        assert name not in _problems(**{name: high}), name
        assert name in _problems(**{name: low - 1}), name
        assert name in _problems(**{name: high + 1}), name
    assert "goal_1" not in _problems(goal=MAX_RATING)
    assert "goal_1" in _problems(goal=MAX_RATING + 1)
