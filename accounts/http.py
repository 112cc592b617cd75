"""The request a signed-in person's view receives, for type checking."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind @login_required: its user is signed in, never anonymous."""

    user: User
