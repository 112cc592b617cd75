"""The forms a borough lead runs their people with, and those of the one-time link. Choices
come from the access policy, so a form never offers a team, role or person out of reach; the
services check again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts import access
from accounts.models import Membership, Team, User
from yourchoice.web.forms import GovForm, date_field


def _team_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        empty_label="Choose a team",
        error_messages={
            "required": "Choose a team",
            "invalid_choice": "Choose one of your authority's teams",
        },
    )


def _role_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Role",
        choices=access.givable_role_choices(),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose coach or supervisor",
            "invalid_choice": "Choose coach or supervisor",
        },
    )


class _TeamsForm(GovForm):
    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams.filter(active=True).order_by("name")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["team"].label_from_instance = lambda t: t.name  # type: ignore[attr-defined]  # a ModelChoiceField


class InviteForm(_TeamsForm):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter their full name"},
    )
    email = forms.EmailField(
        label="Work email address",
        help_text="The invitation is sent here. It is also how they will sign in.",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter their work email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    team = _team_field()
    role = _role_field()


class RoleGiveForm(_TeamsForm):
    team = _team_field()
    role = _role_field()


class RoleRemoveForm(GovForm):
    membership = forms.ModelChoiceField(
        label="Role to take away",
        queryset=Membership.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": "Choose the role to take away",
            "invalid_choice": "Choose one of their roles in your teams",
        },
    )

    def __init__(self, *args: Any, memberships: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        field.queryset = memberships.select_related("team").order_by("team__name", "role")  # type: ignore[attr-defined]  # a ModelChoiceField
        field.label_from_instance = lambda m: f"{m.get_role_display()}, {m.team.name}"  # type: ignore[attr-defined]  # a ModelChoiceField


class TeamNameForm(GovForm):
    name = forms.CharField(
        label="Team name",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter a name for the team"},
    )


class CoverForm(GovForm):
    absent = forms.ModelChoiceField(
        label="Who is away",
        queryset=Membership.objects.none(),
        empty_label="Choose a coach",
        error_messages={"required": "Choose the coach who is away"},
    )
    covering_coach = forms.ModelChoiceField(
        label="Who covers their cases",
        help_text="A coach in the same team. They see the cases while the cover lasts.",
        queryset=User.objects.none(),
        empty_label="Choose a coach",
        error_messages={"required": "Choose the coach who covers"},
    )
    starts_on = date_field("First day of cover", "Enter the first day of cover")
    ends_on = date_field("Last day of cover", "Enter the last day of cover")

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_ids = list(teams.filter(active=True).values_list("pk", flat=True))
        absent = self.fields["absent"]
        absent.queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            access.coach_memberships(team_ids)
            .filter(user__is_active=True)
            .select_related("user", "team")
            .order_by("user__full_name", "team__name")
        )
        absent.label_from_instance = lambda m: f"{m.user.full_name}, {m.team.name}"  # type: ignore[attr-defined]  # a ModelChoiceField
        covering = self.fields["covering_coach"]
        covering.queryset = User.objects.filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            pk__in=access.coach_memberships(team_ids).values("user_id"), is_active=True
        ).order_by("full_name")
        covering.label_from_instance = lambda u: u.full_name  # type: ignore[attr-defined]  # a ModelChoiceField


class ConfirmForm(GovForm):
    """A button that confirms what the page says: no fields."""


class ChoosePasswordForm(GovForm):
    password = forms.CharField(
        label="Choose a password",
        help_text="At least 12 characters. A few words you will remember work well.",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Choose a password"},
    )
    password_again = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Type the password again"},
    )


class CurrentPasswordForm(GovForm):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )
