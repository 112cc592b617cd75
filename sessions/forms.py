"""The session form: one screen, phone-first, with the usual answers filled in (S1)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, cast

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from outcomes.forms import scale_field
from outcomes.models import Goal
from sessions.models import (
    MAX_DURATION_MINUTES,
    MAX_FEELING,
    MIN_DURATION_MINUTES,
    MIN_FEELING,
    Attendance,
    Place,
    SessionLog,
    Technique,
)
from sessions.rules import session_moment_problem
from sessions.selectors import LastTime
from yourchoice.data.errors import DomainError
from yourchoice.web.forms import GovForm, ScaleSelect, ShortlistCheckboxes, date_field
from yourchoice.web.versioned_form import VersionedForm

#: Techniques shown before "More techniques": the ones a coach uses come first.
SHORTLIST = 4


def feeling_field(label: str, what: str) -> forms.TypedChoiceField:
    return scale_field(
        label,
        f"{MIN_FEELING} very low, {MAX_FEELING} very good",
        what=what,
        low=MIN_FEELING,
        high=MAX_FEELING,
    )


class SessionLogForm(GovForm):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    # The case and goals the form was drawn for. A form sent later (from a phone's outbox, or a
    # tab left open) whose case has closed or whose rated goal was replaced meanwhile is asked
    # about, never saved onto what is there now (S6; sessions/views.py).
    opened_for = forms.IntegerField(widget=forms.HiddenInput, required=False)
    goals_shown = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    #: Sent by the outbox when the coach chose to save without a replaced goal's rating.
    without_changed_goals = forms.BooleanField(widget=forms.HiddenInput, required=False)
    occurred_on = date_field("Date of the session", "Enter the date of the session")
    occurred_time = forms.TimeField(
        label="Time",
        widget=forms.TimeInput(
            attrs={"type": "time", "class": "govuk-input--width-5"}, format="%H:%M"
        ),
        error_messages={
            "required": "Enter the time of the session",
            "invalid": "Enter a real time, like 16:30",
        },
    )
    attendance = forms.ChoiceField(
        label="Did the session happen?",
        choices=Attendance.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the session happened"},
    )
    duration_minutes = forms.IntegerField(
        label="How long, in minutes",
        required=False,
        min_value=MIN_DURATION_MINUTES,
        max_value=MAX_DURATION_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "invalid": "Enter how long the session lasted in minutes, like 60",
            "min_value": f"Enter how long the session lasted, from {MIN_DURATION_MINUTES} to "
            f"{MAX_DURATION_MINUTES} minutes",
            "max_value": f"Enter how long the session lasted, from {MIN_DURATION_MINUTES} to "
            f"{MAX_DURATION_MINUTES} minutes",
        },
    )
    place = forms.ChoiceField(
        label="Where",
        choices=Place.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    techniques = forms.ModelMultipleChoiceField(
        # No "choose all that apply": boxes say so themselves, and the line costs a swipe.
        label="Techniques used",
        queryset=Technique.objects.filter(active=True),
        required=False,
        widget=ShortlistCheckboxes(shown=SHORTLIST),
    )
    feeling_start = feeling_field("How they felt at the start", "how they felt at the start")
    feeling_end = feeling_field("How they felt at the end", "how they felt at the end")
    between_session_task = forms.CharField(
        label="Task until the next session",
        required=False,
        max_length=1000,
    )
    notes = forms.CharField(
        label="Notes",
        help_text="You can correct them for a day; then add to them.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=10000,
    )
    safeguarding_concern = forms.BooleanField(
        label="A safeguarding concern was raised",
        required=False,
        help_text="Your supervisor is told straight away, by reference only.",
    )
    concern_summary = forms.CharField(
        label="What is the concern?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(
        self,
        *args: Any,
        goals: list[Goal],
        techniques: Callable[[], QuerySet[Technique]] | None = None,
        last: Callable[[], LastTime] | None = None,
        referred_on: date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.goals = goals
        # Only drawing the form needs these (the coach's order of techniques, last time's
        # answers): they are read then, so a save that succeeds never reads them.
        self._techniques, self._last = techniques, last
        self._drawn = False
        self.referred_on = referred_on
        for goal in goals:
            # The GOV.UK templates print labels as HTML: stored text is escaped here.
            self.fields[f"goal_{goal.pk}"] = scale_field(
                format_html("Goal: \u201c{}\u201d", goal.description),
                "0 not at all, 10 fully met",
                what=f"how far the goal \u201c{goal.description}\u201d is met today",
            )
        # Keep the order a coach works through: when, what happened, goals, then notes.
        order = [
            "idempotency_key",
            "opened_for",
            "goals_shown",
            "without_changed_goals",
            "occurred_on",
            "occurred_time",
            "attendance",
            "duration_minutes",
            "place",
            "techniques",
            "feeling_start",
            "feeling_end",
            *[f"goal_{g.pk}" for g in goals],
            "between_session_task",
            "notes",
            "safeguarding_concern",
            "concern_summary",
        ]
        self.order_fields(order)

    def add_domain_error(self, error: DomainError) -> None:
        # The service checks the moment; on this page it is typed as a date and a time, and a
        # problem with it is nearly always the date.
        error.errors = {
            ("occurred_on" if k == "occurred_at" else k): v for k, v in error.errors.items()
        }
        super().add_domain_error(error)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        day, at = data.get("occurred_on"), data.get("occurred_time")
        if day and at:
            data["occurred_at"] = timezone.make_aware(datetime.combine(day, at))
            # The same rule as the service's, here too, so a future date is marked on the
            # first submit together with anything else, not after the rest is put right.
            problem = session_moment_problem(data["occurred_at"], referred_on=self.referred_on)
            if problem:
                self.add_error("occurred_on", problem)
        if (
            data.get("attendance") in Attendance.values
            and data["attendance"] != Attendance.ATTENDED
        ):
            # The questions about a session that happened do not apply: what they hold is not
            # kept (the service drops it too), so a mistyped length cannot stop the save.
            for name in self.held_only_fields():
                self._errors.pop(name, None)  # type: ignore[attr-defined]  # Django's own error dict
                data[name] = "" if name == "place" else None
        return data

    #: Drawn by the page's template as hidden inputs, not as questions.
    HIDDEN_FIELDS = ("idempotency_key", "opened_for", "goals_shown", "without_changed_goals")

    def replaced_goals_rated(self) -> list[int]:
        """The goals this form was drawn with that are no longer live, and that it rates: a
        rating for them would otherwise be dropped without a word."""
        shown = {
            int(pk) for pk in (self.cleaned_data.get("goals_shown") or "").split() if pk.isdigit()
        }
        live = {goal.pk for goal in self.goals}
        return sorted(pk for pk in shown - live if str(self.data.get(f"goal_{pk}", "")).strip())

    #: When and where: filled in with now and the usual answers, shown last, folded away.
    WHEN_FIELDS = ("occurred_on", "occurred_time", "duration_minutes", "place")

    def session_fields(self) -> list[forms.BoundField]:
        """The questions a coach answers each time, in the order they work through them."""
        self._prepare_to_draw()
        skip = {"attendance", *self.HIDDEN_FIELDS, *self.WHEN_FIELDS}
        return [self[name] for name in self.fields if name not in skip]

    def _prepare_to_draw(self) -> None:
        """Put the coach's techniques in her order and mark last time's answers."""
        if self._drawn:
            return
        self._drawn = True
        chosen = cast(forms.ModelMultipleChoiceField, self.fields["techniques"])
        if self._techniques is not None:
            chosen.queryset = self._techniques()
        # Read once: the page draws the list in two parts (the shortlist and "More").
        # Iterated, not list()ed: list() asks its length first, a COUNT query of its own.
        chosen.choices = [choice for choice in cast(ModelChoiceIterator, chosen.choices)]
        last = self._last() if self._last is not None else LastTime()
        for name in ("feeling_start", "feeling_end"):
            cast(ScaleSelect, self.fields[name].widget).last = getattr(last, name)
        for goal in self.goals:
            widget = cast(ScaleSelect, self.fields[f"goal_{goal.pk}"].widget)
            widget.last = last.goal_scores.get(goal.pk)
        if last.between_session_task:
            self.fields["between_session_task"].help_text = format_html(
                "Last time\u2019s task: {}", last.between_session_task
            )

    def when_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.WHEN_FIELDS]

    def when_has_errors(self) -> bool:
        return any(name in self.errors for name in self.WHEN_FIELDS)

    def when_summary(self) -> list[tuple[str, bool]]:
        """The folded line: (text, only when the session happened), e.g. "Today at 14:05",
        "60 minutes", "Community setting". The page hides the second kind for a missed one."""
        values = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        initial = {
            name: self.get_initial_for_field(self.fields[name], name) for name in self.WHEN_FIELDS
        }
        day = values.get("occurred_on") or initial["occurred_on"]
        at = values.get("occurred_time") or initial["occurred_time"]
        minutes = values.get("duration_minutes", initial["duration_minutes"])
        place = values.get("place", initial["place"])
        today = timezone.localdate()
        when = (
            "Today"
            if day == today
            else "Yesterday"
            if day == today - timedelta(days=1)
            else date_format(day, "l j F")
            if isinstance(day, date)
            else "Date to enter"
        )
        parts = [(f"{when} at {at:%H:%M}" if at else when, False)]
        if minutes:
            parts.append((f"{minutes} minutes", True))
        if place:
            parts.append((str(Place(place).label), True))
        return parts

    def held_only_fields(self) -> list[str]:
        """The questions about a session that happened: the page clears and hides them when
        another attendance is chosen (static/js/attendance.mjs); without JavaScript they stay,
        and the service drops what they hold."""
        return [
            "duration_minutes",
            "place",
            "feeling_start",
            "feeling_end",
            *[f"goal_{g.pk}" for g in self.goals],
        ]

    def goal_scores(self) -> dict[int, int]:
        return {
            goal.pk: self.cleaned_data[f"goal_{goal.pk}"]
            for goal in self.goals
            if self.cleaned_data.get(f"goal_{goal.pk}") is not None
        }

    @staticmethod
    def goals_shown_for(goals: list[Goal]) -> str:
        """The goals a form is drawn with, as its hidden `goals_shown` says them."""
        return " ".join(str(goal.pk) for goal in goals)

    @staticmethod
    def initial_for(
        *, episode_pk: int, goals: list[Goal], usual_place: str, usual_duration: int
    ) -> dict[str, Any]:
        now = timezone.localtime()
        return {
            "idempotency_key": uuid.uuid4(),
            "opened_for": episode_pk,
            "goals_shown": SessionLogForm.goals_shown_for(goals),
            "occurred_on": now.date(),
            "occurred_time": now.replace(second=0, microsecond=0).time(),
            "attendance": Attendance.ATTENDED,
            "duration_minutes": usual_duration,
            "place": usual_place,
        }


class NotesForm(VersionedForm):
    notes = forms.CharField(
        label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )


class AddendumForm(GovForm):
    text = forms.CharField(
        label="Addendum",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        error_messages={"required": "Enter the addendum"},
    )
    reason = forms.CharField(
        label="Why are you adding this?",
        max_length=200,
        error_messages={"required": "Say why the notes need an addendum"},
    )


class SessionCorrectionForm(VersionedForm, SessionLogForm):
    """The session form again, filled in with the session as it stands, for correcting any
    part of it within the correction window (S8). Versioned, like every edit: a correction
    made while someone else corrected it first is refused and shows what they changed."""

    # A resend of a correction is refused by its version, so it needs no key of its own; a
    # concern raised with the session is a flag, changed on the flag's own page.
    idempotency_key = None  # type: ignore[assignment]  # Django removes a declared field set to None
    opened_for = None  # type: ignore[assignment]  # as above: the version guards a correction
    goals_shown = None  # type: ignore[assignment]  # as above
    without_changed_goals = None  # type: ignore[assignment]  # as above
    safeguarding_concern = None  # type: ignore[assignment]  # as above
    concern_summary = None  # type: ignore[assignment]  # as above

    def record_values(self, record: models.Model) -> dict[str, Any]:
        log = cast(SessionLog, record)
        when = timezone.localtime(log.occurred_at)
        scores = {r.goal_id: r.score for r in log.goal_ratings.all()}
        return {
            "occurred_on": when.date(),
            "occurred_time": when.time().replace(second=0, microsecond=0),
            "attendance": log.attendance,
            "duration_minutes": log.duration_minutes,
            "place": log.place,
            "techniques": sorted(t.pk for t in log.techniques.all()),
            "feeling_start": log.feeling_start,
            "feeling_end": log.feeling_end,
            **{f"goal_{goal.pk}": scores.get(goal.pk) for goal in self.goals},
            "between_session_task": log.between_session_task,
            "notes": log.notes,
        }
