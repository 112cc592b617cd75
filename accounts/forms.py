from __future__ import annotations

from django import forms

from yourchoice.web.forms import GovForm


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
