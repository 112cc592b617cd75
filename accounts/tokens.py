"""API tokens: issue (shown once), hash, check, revoke (X4)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, User
from yourchoice import audit
from yourchoice.audit.actions import AuditAction

if TYPE_CHECKING:
    from rest_framework.request import Request

DEFAULT_DAYS = 90


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *, actor: User, user: User, name: str, days: int = DEFAULT_DAYS
) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns it with the secret, which is never stored."""
    key = "yc_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:8],
        key_hash=_hash(key),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.record(actor=actor, action=AuditAction.API_TOKEN_ISSUE, obj=token, user_id=user.pk)
    return token, key


def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(actor=actor, action=AuditAction.API_TOKEN_REVOKE, obj=token)


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`. A revoked, expired or unknown token gets the same 401."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(self.keyword + " "):
            return None
        key = header[len(self.keyword) + 1 :].strip()
        token = ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
        if token is None or not token.is_usable:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, only once both sign-in factors are done."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = request._request.user
        if not (hasattr(user, "is_verified") and user.is_verified()):
            return None
        return result
