"""The question a coach sends about a session their phone could not send as it was."""

from __future__ import annotations

from django import forms

from casework.offline.notifications import REASONS
from yourchoice.web.forms import GovForm


class AskSupervisorForm(GovForm):
    reason = forms.ChoiceField(choices=list(REASONS.items()))
    young_person = forms.IntegerField(required=False, min_value=1)
