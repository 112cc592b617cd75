"""Pages for a borough lead running their authority's people (X8; accounts/people.py).

Every person, team, role and cover is looked up within what accounts/access.py says the lead
runs, so another authority's (or a programme lead's) looks missing: 404. The services check
again, for anything a form lets through.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts import access, people
from accounts.access import Perm
from accounts.forms import ConfirmForm, CoverForm, GiveRoleForm, InviteForm, TeamNameForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Authority, Cover, Membership, Team, User
from yourchoice.web.forms import form_page


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def people_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The authority's teams, each with its people and their roles, and cover arranged."""
    authorities = Authority.objects.filter(
        pk__in=access.people_authority_ids(request.user)
    ).prefetch_related(
        Prefetch(
            "teams",
            queryset=Team.objects.order_by("name").prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=access.team_memberships(
                        access.managed_teams(request.user).values("pk")
                    )
                    .select_related("user")
                    .order_by("user__full_name", "role"),
                ),
                Prefetch(
                    "covers",
                    queryset=Cover.objects.filter(ends_on__gte=timezone.localdate())
                    .select_related("absent_coach", "covering_coach")
                    .order_by("starts_on"),
                ),
            ),
        )
    )
    return render(request, "accounts/people/list.html", {"authorities": authorities})


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InviteForm(
        request.POST or None,
        roles=access.grantable_roles(request.user),
        teams=access.managed_teams(request.user).filter(active=True).order_by("name"),
    )

    def done(person: User) -> HttpResponse:
        messages.success(
            request, f"Invitation sent to {person.email}. The link works for 72 hours."
        )
        return redirect("accounts:people")

    return form_page(
        request,
        form,
        "accounts/people/invite.html",
        {},
        save=lambda data: people.invite(
            actor=request.user,
            full_name=data["full_name"],
            email=data["email"],
            role=data["role"],
            team=data["team"],
        ),
        done=done,
    )


def _person(request: AuthenticatedHttpRequest, pk: int) -> User:
    return get_object_or_404(access.managed_people(request.user), pk=pk)


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def person(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One person: their roles in the authority's teams, a role to give, and what else the lead
    can do for them (a lost phone, leaving)."""
    found = _person(request, pk)
    form = GiveRoleForm(
        request.POST or None,
        roles=access.grantable_roles(request.user),
        teams=access.managed_teams(request.user).filter(active=True).order_by("name"),
    )

    def done(membership: Membership) -> HttpResponse:
        messages.success(request, f"{found.full_name} is now {membership}.")
        return redirect("accounts:person", pk=found.pk)

    context = {
        "person": found,
        "memberships": found.memberships.select_related("team").order_by("team__name", "role"),
    }
    return form_page(
        request,
        form,
        "accounts/people/person.html",
        context,
        save=lambda data: people.role_give(
            actor=request.user, person=found, role=data["role"], team=data["team"]
        ),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def role_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(
        access.team_memberships(access.managed_teams(request.user).values("pk"))
        .filter(user__in=access.managed_people(request.user))
        .select_related("user", "team"),
        pk=pk,
    )

    def done(_: None) -> HttpResponse:
        messages.success(request, f"Role taken away: {membership}")
        return redirect("accounts:person", pk=membership.user_id)

    return form_page(
        request,
        ConfirmForm(request.POST if request.method == "POST" else None),
        "accounts/people/role_remove.html",
        {"membership": membership},
        save=lambda _: people.role_remove(actor=request.user, membership=membership),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def reset_second_factor(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = _person(request, pk)

    def done(_: object) -> HttpResponse:
        messages.success(
            request,
            f"{found.full_name}'s sign-in is reset. A link to set up a new phone has been "
            f"emailed to {found.email}.",
        )
        return redirect("accounts:person", pk=found.pk)

    return form_page(
        request,
        ConfirmForm(request.POST if request.method == "POST" else None),
        "accounts/people/reset.html",
        {"person": found},
        save=lambda _: people.reset_second_factor(actor=request.user, person=found),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def team_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    authorities = access.people_authority_ids(request.user)

    def done(team: Team) -> HttpResponse:
        messages.success(request, f"Team made: {team.name}")
        return redirect("accounts:people")

    return form_page(
        request,
        TeamNameForm(request.POST or None),
        "accounts/people/team_name.html",
        {"team": None},
        # A lead of several authorities makes a team in the first; rare enough not to ask.
        save=lambda data: people.team_create(
            actor=request.user, authority_id=authorities[0], name=data["name"]
        ),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def team_rename(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(access.managed_teams(request.user), pk=pk)
    old_name = team.name

    def done(renamed: Team) -> HttpResponse:
        messages.success(request, f"{old_name} is now called {renamed.name}")
        return redirect("accounts:people")

    return form_page(
        request,
        TeamNameForm(request.POST or None, initial={"name": team.name}),
        "accounts/people/team_name.html",
        {"team": team},
        save=lambda data: people.team_rename(actor=request.user, team=team, name=data["name"]),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def cover_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(access.managed_teams(request.user), pk=pk)

    def done(cover: Cover) -> HttpResponse:
        messages.success(
            request,
            f"{cover.covering_coach.full_name} covers {cover.absent_coach.full_name}'s cases "
            f"from {cover.starts_on:%-d %B %Y} to {cover.ends_on:%-d %B %Y}.",
        )
        return redirect("accounts:people")

    return form_page(
        request,
        CoverForm(request.POST or None, coaches=access.team_coaches(team)),
        "accounts/people/cover_new.html",
        {"team": team},
        save=lambda data: people.cover_arrange(
            actor=request.user,
            team=team,
            absent=data["absent"],
            covering=data["covering"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        ),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def cover_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cover = get_object_or_404(
        Cover.objects.filter(team__in=access.managed_teams(request.user)).select_related(
            "team", "absent_coach", "covering_coach"
        ),
        pk=pk,
    )

    def done(_: Cover) -> HttpResponse:
        messages.success(request, "Cover ended.")
        return redirect("accounts:people")

    return form_page(
        request,
        ConfirmForm(request.POST if request.method == "POST" else None),
        "accounts/people/cover_end.html",
        {"cover": cover},
        save=lambda _: people.cover_end(actor=request.user, cover=cover),
        done=done,
    )
