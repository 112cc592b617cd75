"""Reads about people and places (no case data)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import Authority, CouncilIdentityProvider, Team, User


@dataclass(frozen=True)
class ServiceCounts:
    active_authorities: int
    teams: int
    active_accounts: int


def service_counts() -> ServiceCounts:
    return ServiceCounts(
        active_authorities=Authority.objects.filter(active=True).count(),
        teams=Team.objects.filter(active=True).count(),
        active_accounts=User.objects.filter(is_active=True).count(),
    )


def passkeys_of(user: User) -> QuerySet[WebAuthnCredential]:
    """The person's own passkeys, most recently used first (never another person's)."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by(
        F("last_used_at").desc(nulls_last=True), "-created_at", "-pk"
    )


def has_authenticator_app(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def council_sign_in_offered() -> bool:
    """Whether any council signs its staff in through its own provider (X7)."""
    return CouncilIdentityProvider.objects.filter(enabled=True).exists()
