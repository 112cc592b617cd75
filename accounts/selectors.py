"""Reads about people and places (no case data)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Authority, Team, User


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
