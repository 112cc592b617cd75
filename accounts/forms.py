from __future__ import annotations

from typing import Any, cast

from django import forms

from yourchoice.web.forms import GovForm, date_field


class SignInForm(GovForm):
    email = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )


class CodeForm(GovForm):
    code = forms.RegexField(
        label="Code from your authenticator app",
        help_text="The 6-digit code shown in the app, for example 123456",
        regex=r"^\s*\d{6}\s*$",
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "govuk-input--width-5",
            }
        ),
        error_messages={
            "required": "Enter the 6-digit code",
            "invalid": "Enter the 6-digit code, using numbers only",
        },
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class PasskeyNameForm(GovForm):
    """The name a person gives a passkey as they add it (sent by static/js/passkeys.mjs)."""

    name = forms.CharField(
        label="Name for this passkey",
        help_text="So you can tell your passkeys apart, for example Work phone",
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "govuk-input--width-20"}),
    )


class PasskeyRemoveForm(GovForm):
    """Confirming the removal of a passkey: the button is the whole form."""


class UnlockForm(GovForm):
    """The coach's password, to take the phone back after the young person's turn (S7)."""

    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )


class CouncilEmailForm(GovForm):
    """The work email address, whose domain names the council to sign in through."""

    email = forms.EmailField(
        label="Work email address",
        help_text="The address you use at your council, for example name@hackney.gov.uk",
        widget=forms.EmailInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your work email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )


# --- A borough lead running their authority's people (accounts/people.py) --------------------

ROLE_CHOICES = [("coach", "Coach"), ("supervisor", "Supervisor")]


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class InviteForm(GovForm):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter their full name"},
    )
    email = forms.EmailField(
        label="Work email address",
        help_text="The link to set up their sign-in goes here",
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Enter their work email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose coach or supervisor",
            "invalid_choice": "Choose coach or supervisor",
        },
    )
    team = TeamChoiceField(
        label="Team",
        queryset=None,
        empty_label="Choose a team",
        error_messages={
            "required": "Choose a team",
            "invalid_choice": "Choose one of your authority's teams",
        },
    )

    def __init__(self, *args: Any, roles: tuple[str, ...], teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            c for c in ROLE_CHOICES if c[0] in roles
        ]
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams


class GiveRoleForm(GovForm):
    role = InviteForm.base_fields["role"]
    team = InviteForm.base_fields["team"]

    def __init__(self, *args: Any, roles: tuple[str, ...], teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            c for c in ROLE_CHOICES if c[0] in roles
        ]
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = teams


class TeamNameForm(GovForm):
    name = forms.CharField(
        label="Team name",
        max_length=100,
        error_messages={"required": "Enter the team's name"},
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.full_name or obj.email


class CoverForm(GovForm):
    absent = PersonChoiceField(
        label="Who is away",
        queryset=None,
        empty_label="Choose a coach",
        error_messages={
            "required": "Choose who is away",
            "invalid_choice": "Choose a coach in this team",
        },
    )
    covering = PersonChoiceField(
        label="Who covers their cases",
        queryset=None,
        empty_label="Choose a coach",
        error_messages={
            "required": "Choose who covers",
            "invalid_choice": "Choose a coach in this team",
        },
    )
    starts_on = date_field("From", "Enter the date cover starts")
    ends_on = date_field("To", "Enter the last day of cover")

    def __init__(self, *args: Any, coaches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["absent"]).queryset = coaches
        cast(forms.ModelChoiceField, self.fields["covering"]).queryset = coaches


class ConfirmForm(GovForm):
    """A change confirmed by its button alone."""


class ChoosePasswordForm(GovForm):
    password = forms.CharField(
        label="Choose a password",
        help_text="At least 12 characters. A few words you will remember is a good password.",
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password_again") != data["password"]:
            self.add_error("password_again", "The passwords are not the same")
        return data
