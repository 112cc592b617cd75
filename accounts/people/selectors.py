"""Reads for the pages a borough lead runs their people from: always through the policy's
`people_run_by` and `managed_teams`, so a lead never sees another authority's people."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import access
from accounts.models import Cover, EnrolmentLink, Membership, Team, User


def _with_sign_in_state(people: QuerySet[User], teams: QuerySet[Team]) -> QuerySet[User]:
    now = timezone.now()
    return people.annotate(
        has_app=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        link_waiting=Exists(
            EnrolmentLink.objects.filter(
                user=OuterRef("pk"),
                used_at__isnull=True,
                withdrawn_at__isnull=True,
                expires_at__gt=now,
            )
        ),
    ).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(team__in=teams)
            .select_related("team")
            .order_by("team__name", "role"),
            to_attr="team_roles",
        )
    )


def people_of(lead: User) -> list[User]:
    """Everyone the lead runs, by name, each with their roles in the lead's teams and whether
    they have set up their sign-in."""
    teams = access.managed_teams(lead)
    return list(_with_sign_in_state(access.people_run_by(lead), teams).order_by("full_name", "pk"))


def person_for(lead: User, pk: int) -> User:
    """One person the lead runs; anyone else is not found (404), as if there were nobody."""
    teams = access.managed_teams(lead)
    return get_object_or_404(_with_sign_in_state(access.people_run_by(lead), teams), pk=pk)


def passkey_count(person: User) -> int:
    return WebAuthnCredential.objects.filter(user=person, confirmed=True).count()


def teams_of(lead: User) -> list[Team]:
    return list(access.managed_teams(lead).select_related("authority").order_by("name", "pk"))


def team_for(lead: User, pk: int) -> Team:
    return get_object_or_404(access.managed_teams(lead).select_related("authority"), pk=pk)


@dataclass(frozen=True)
class CoverRow:
    cover: Cover
    current: bool


def covers_of(lead: User) -> list[CoverRow]:
    """Cover in the lead's teams that has not ended, soonest first."""
    today = timezone.localdate()
    found = (
        Cover.objects.filter(team__in=access.managed_teams(lead), ends_on__gte=today)
        .select_related("team", "absent_coach", "covering_coach")
        .order_by("starts_on", "pk")
    )
    return [CoverRow(cover, cover.starts_on <= today) for cover in found]


def coaches_of(team_ids: list[int]) -> QuerySet[User]:
    """Coaches of these teams who can sign in, by name: whom cover can be arranged for."""
    return User.objects.filter(
        pk__in=access.coach_memberships(team_ids).values("user_id"), is_active=True
    ).order_by("full_name", "pk")
