"""The supervision record form: who was there, cases discussed, decisions and actions (V2)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.html import format_html

from cases.models import Episode
from supervision.models import SupervisionFormat
from yourchoice.web.forms import GovForm, date_field
from yourchoice.web.versioned_form import VersionedForm

ACTION_ROWS = 3


class SupervisionForm(GovForm):
    held_on = date_field("Date of supervision", "Enter the date of supervision")
    format = forms.ChoiceField(
        label="Format",
        choices=SupervisionFormat.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose individual or group"},
    )
    coaches = forms.MultipleChoiceField(
        label="Coaches present",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the coaches who were there"},
    )
    cases = forms.MultipleChoiceField(
        label="Cases discussed", required=False, widget=forms.CheckboxSelectMultiple
    )
    decisions = forms.CharField(
        label="Decisions", required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

    def __init__(
        self,
        *args: Any,
        coaches: list[Any],
        episodes: list[Episode],
        owners: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.coach_list = coaches
        self.episode_list = episodes
        self.fields["coaches"].choices = [(str(c.pk), c.full_name) for c in coaches]  # type: ignore[attr-defined]  # a ChoiceField
        self.fields["cases"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            (str(e.pk), f"{e.young_person.reference}: {e.young_person.display_name} ({e.coach})")
            for e in episodes
        ]
        self.initial.setdefault("held_on", timezone.localdate())
        # The GOV.UK templates print labels as HTML: stored text is escaped where it goes in.
        for coach in coaches:
            self.fields[f"wellbeing_{coach.pk}"] = forms.CharField(
                label=format_html("Wellbeing check-in: {}", coach.full_name),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
            )
        for episode in episodes:
            self.fields[f"notes_{episode.pk}"] = forms.CharField(
                label=format_html("Notes on {}", episode.young_person.reference),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=5000,
            )
        owner_choices = [("", "Choose who will do it")] + [(str(u.pk), u.full_name) for u in owners]
        case_choices = [("", "Not about one case")] + [
            (str(e.pk), e.young_person.reference) for e in episodes
        ]
        for i in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{i}_description"] = forms.CharField(
                label=f"Action {i}", required=False, max_length=300
            )
            self.fields[f"action_{i}_owner"] = forms.ChoiceField(
                label="Who will do it", choices=owner_choices, required=False
            )
            self.fields[f"action_{i}_due_on"] = date_field("Due by")
            self.fields[f"action_{i}_case"] = forms.ChoiceField(
                label="About which case", choices=case_choices, required=False
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        for i in range(1, ACTION_ROWS + 1):
            description = data.get(f"action_{i}_description", "").strip()
            owner, due = data.get(f"action_{i}_owner"), data.get(f"action_{i}_due_on")
            if description and not owner:
                self.add_error(f"action_{i}_owner", f"Choose who will do action {i}")
            if description and not due:
                self.add_error(f"action_{i}_due_on", f"Enter when action {i} is due")
            if not description and (owner or due):
                self.add_error(f"action_{i}_description", f"Describe action {i}")
        return data

    def wellbeing_fields(self) -> list[forms.BoundField]:
        return [self[f"wellbeing_{c.pk}"] for c in self.coach_list]

    def case_rows(self) -> list[tuple[str, str, forms.BoundField, bool]]:
        chosen = set(self["cases"].value() or [])
        return [
            (str(e.pk), label, self[f"notes_{e.pk}"], str(e.pk) in chosen)
            for e, (_, label) in zip(self.episode_list, self.fields["cases"].choices, strict=True)  # type: ignore[attr-defined]  # a ChoiceField
        ]

    def action_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"action_{i}_{part}"] for part in ("description", "owner", "due_on", "case")]
            for i in range(1, ACTION_ROWS + 1)
        ]


class SupervisionEditForm(VersionedForm):
    """Correcting a supervision record: its date, decisions, each coach's wellbeing check-in and
    the notes on each case discussed. Who was there and which cases stay as recorded."""

    held_on = date_field("Date of supervision", "Enter the date of supervision")
    decisions = forms.CharField(
        label="Decisions", required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )

    def __init__(self, *args: Any, record: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attendee_list = list(record.attendees.all())
        self.discussion_list = list(record.discussions.all())
        # Labels are printed as HTML (see SupervisionForm): stored text is escaped here.
        for attendee in self.attendee_list:
            self.fields[f"wellbeing_{attendee.pk}"] = forms.CharField(
                label=format_html("Wellbeing check-in: {}", attendee.coach.full_name),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
            )
        for discussion in self.discussion_list:
            self.fields[f"notes_{discussion.pk}"] = forms.CharField(
                label=format_html("Notes on {}", discussion.episode.young_person.reference),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=5000,
            )
        self.load(record)

    def record_values(self, record: Any) -> dict[str, Any]:
        values: dict[str, Any] = {"held_on": record.held_on, "decisions": record.decisions}
        for attendee in record.attendees.all():
            values[f"wellbeing_{attendee.pk}"] = attendee.wellbeing_checkin
        for discussion in record.discussions.all():
            values[f"notes_{discussion.pk}"] = discussion.notes
        return {k: v for k, v in values.items() if k in self.fields}

    def wellbeing(self) -> dict[int, str]:
        return {a.pk: self.cleaned_data[f"wellbeing_{a.pk}"] for a in self.attendee_list}

    def case_notes(self) -> dict[int, str]:
        return {d.pk: self.cleaned_data[f"notes_{d.pk}"] for d in self.discussion_list}

    def wellbeing_fields(self) -> list[forms.BoundField]:
        return [self[f"wellbeing_{a.pk}"] for a in self.attendee_list]

    def case_fields(self) -> list[forms.BoundField]:
        return [self[f"notes_{d.pk}"] for d in self.discussion_list]
