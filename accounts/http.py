"""The request a signed-in person's view receives, for type checking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request behind @login_required: its user is signed in, never anonymous."""

    user: User


if TYPE_CHECKING:
    from rest_framework.request import Request

    class AuthenticatedRequest(Request):
        """An API request that passed IsAuthenticated (every API view's default permission)."""

        @property
        def user(self) -> User: ...
        @user.setter
        def user(self, value: User) -> None: ...
