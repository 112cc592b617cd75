"""The pages a borough lead runs their people from (X8), and the one-time link a person follows
to set up their sign-in. Every write goes through `form_page` and accounts/people/services.py;
every person and team is found through the policy, so anyone else's is not found (404)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts import access
from accounts.access import Perm
from accounts.council import services as council_services
from accounts.council import signed_in as council_session
from accounts.http import AuthenticatedHttpRequest
from accounts.models import EnrolmentLink, EnrolmentLinkPurpose, User
from accounts.people import links, selectors, services
from accounts.people.forms import (
    ChoosePasswordForm,
    ConfirmForm,
    CoverForm,
    CurrentPasswordForm,
    InviteForm,
    RoleGiveForm,
    RoleRemoveForm,
    TeamNameForm,
)
from accounts.views import second_step
from yourchoice.data.errors import DomainError
from yourchoice.web.forms import form_page


def _bound(request: HttpRequest) -> dict[str, Any] | None:
    return request.POST if request.method == "POST" else None


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def people(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Everyone the lead runs, with their roles and whether they have set up their sign-in;
    the authority's teams; and the cover arranged."""
    context = {
        "people": selectors.people_of(request.user),
        "teams": selectors.teams_of(request.user),
        "covers": selectors.covers_of(request.user),
    }
    return render(request, "people/people.html", context)


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InviteForm(_bound(request), teams=access.managed_teams(request.user))

    def done(person: User) -> HttpResponse:
        messages.success(
            request, f"Invitation sent to {person.email}. The link in it works for 7 days."
        )
        return redirect("people:person", pk=person.pk)

    return form_page(
        request,
        form,
        "people/invite.html",
        {},
        save=lambda data: services.person_invite(
            actor=request.user,
            email=data["email"],
            full_name=data["full_name"],
            team=data["team"],
            role=data["role"],
        ),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def person(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.person_for(request.user, pk)
    context = {
        "person": found,
        "passkeys": selectors.passkey_count(found),
        "givable": access.givable_role_choices(),
    }
    return render(request, "people/person.html", context)


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def role_give(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.person_for(request.user, pk)
    form = RoleGiveForm(_bound(request), teams=access.managed_teams(request.user))

    def done(membership: Any) -> HttpResponse:
        messages.success(
            request,
            f"{found.full_name} is now a {membership.get_role_display().lower()} in "
            f"{membership.team.name}.",
        )
        return redirect("people:person", pk=found.pk)

    return form_page(
        request,
        form,
        "people/role_give.html",
        {"person": found},
        save=lambda data: services.role_give(
            actor=request.user, person=found, team=data["team"], role=data["role"]
        ),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def role_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.person_for(request.user, pk)
    form = RoleRemoveForm(
        _bound(request),
        memberships=access.team_role_memberships(found, access.managed_teams(request.user)),
    )

    def done(_: None) -> HttpResponse:
        removed = form.cleaned_data["membership"]
        messages.success(
            request,
            f"{found.full_name} is no longer a {removed.get_role_display().lower()} in "
            f"{removed.team.name}.",
        )
        if access.gives_a_caseload(removed.role):
            # Cases still allocated to them there are listed, for reallocation.
            return redirect("cases:person-cases", pk=found.pk)
        return redirect("people:person", pk=found.pk)

    return form_page(
        request,
        form,
        "people/role_remove.html",
        {"person": found},
        save=lambda data: services.role_remove(
            actor=request.user, person=found, membership=data["membership"]
        ),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.person_for(request.user, pk)

    def done(_: User) -> HttpResponse:
        messages.success(request, f"{found.full_name}'s account is switched off.")
        return redirect("cases:person-cases", pk=found.pk)

    return form_page(
        request,
        ConfirmForm(_bound(request)),
        "people/deactivate.html",
        {"person": found},
        save=lambda _: services.person_deactivate(actor=request.user, person=found),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def second_factor_reset(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.person_for(request.user, pk)

    def done(_: EnrolmentLink) -> HttpResponse:
        messages.success(
            request,
            f"{found.full_name}'s second step is reset. They have been emailed a link to set "
            "it up again.",
        )
        return redirect("people:person", pk=found.pk)

    return form_page(
        request,
        ConfirmForm(_bound(request)),
        "people/second_factor_reset.html",
        {"person": found, "passkeys": selectors.passkey_count(found)},
        save=lambda _: services.second_factor_reset(actor=request.user, person=found),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def invitation_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.person_for(request.user, pk)

    def done(_: EnrolmentLink) -> HttpResponse:
        messages.success(request, f"A new invitation is sent to {found.email}.")
        return redirect("people:person", pk=found.pk)

    return form_page(
        request,
        ConfirmForm(_bound(request)),
        "people/invitation_resend.html",
        {"person": found},
        save=lambda _: services.invitation_resend(actor=request.user, person=found),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def team_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    led = access.led_authority_ids(request.user)

    def done(team: Any) -> HttpResponse:
        messages.success(request, f"Team made: {team.name}.")
        return redirect("people:list")

    return form_page(
        request,
        TeamNameForm(_bound(request)),
        "people/team_new.html",
        {},
        # A lead of several authorities makes a team in the first; rare enough to need the
        # administrator for the others.
        save=lambda data: services.team_create(
            actor=request.user, authority_id=led[0], name=data["name"]
        ),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def team_rename(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    team = selectors.team_for(request.user, pk)
    old_name = team.name

    def done(renamed: Any) -> HttpResponse:
        messages.success(request, f"{old_name} is now called {renamed.name}.")
        return redirect("people:list")

    return form_page(
        request,
        TeamNameForm(_bound(request), initial={"name": team.name}),
        "people/team_rename.html",
        {"team": team},
        save=lambda data: services.team_rename(actor=request.user, team=team, name=data["name"]),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def cover(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CoverForm(_bound(request), teams=access.managed_teams(request.user))

    def done(arranged: Any) -> HttpResponse:
        messages.success(
            request,
            f"Cover arranged: {arranged.covering_coach.full_name} covers "
            f"{arranged.absent_coach.full_name}.",
        )
        return redirect("people:list")

    def save(data: dict[str, Any]) -> Any:
        return services.cover_arrange(
            actor=request.user,
            team=data["absent"].team,
            absent_coach=data["absent"].user,
            covering_coach=data["covering_coach"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )

    def refused(error: DomainError) -> None:
        error.errors = {
            ("absent" if k in ("absent_coach", "team") else k): v for k, v in error.errors.items()
        }

    return form_page(
        request,
        form,
        "people/cover.html",
        {"covers": selectors.covers_of(request.user)},
        save=save,
        done=done,
        refused=refused,
    )


# --- The one-time link (the person, not signed in) -------------------------------------------


def enrolment_link(request: HttpRequest, token: str) -> HttpResponse:
    """Follow an invitation or a reset link: choose a password (an account without one, as an
    invited person's is) or enter one's own, or sign in with one's council account; then set
    up the authenticator app. The link is spent when the person goes on, and only this browser
    may then set the app up (links.permit)."""
    link = links.find(token)
    if link is None:
        links.refused(token)
        return render(request, "people/link_refused.html", {"message": links.REFUSED}, status=410)
    if request.user.is_authenticated and request.user.pk != link.user_id:
        # Someone else is signed in in this browser: they are signed out first.
        logout(request)
    owner = link.user
    provider = council_services.provider_for_email(owner.email)
    invitation = link.purpose == EnrolmentLinkPurpose.INVITATION
    context = {
        "link": link,
        "invitation": invitation,
        "has_password": owner.has_usable_password(),
        "council": provider,
    }
    if request.method == "POST" and request.POST.get("way") == "council" and provider is not None:
        return _by_council(request, link, provider, context)

    def choose_password(data: dict[str, Any]) -> User:
        return services.link_set_password(
            link=link, password=data["password"], password_again=data["password_again"]
        )

    def own_password(data: dict[str, Any]) -> User:
        # Checked as a sign-in is, so guessing is counted by the same lockout.
        checked = authenticate(request, email=owner.email, password=data["password"])
        if checked is None or checked.pk != owner.pk:
            raise DomainError(
                {
                    "password": [
                        "The password is not right. If you have forgotten it too, reset your "
                        "password first, then open this link again."
                    ]
                }
            )
        return services.link_use(link=link, how="password")

    chooses = not owner.has_usable_password()
    form = (ChoosePasswordForm if chooses else CurrentPasswordForm)(_bound(request))
    save = choose_password if chooses else own_password

    def done(person: User) -> HttpResponse:
        response = second_step(request, person, reverse(settings.LOGIN_REDIRECT_URL))
        links.permit(request.session, person)
        return response

    return form_page(request, form, "people/link.html", context, save=save, done=done)


def _by_council(
    request: HttpRequest, link: EnrolmentLink, provider: Any, context: dict[str, Any]
) -> HttpResponse:
    """Sign in with the council account instead: the link is spent, this browser may set up
    the app if the council's own second step does not count, and the council sign-in goes on
    as usual (accounts/council/views.py), for the link's own email address."""

    def done(person: User) -> HttpResponse:
        links.permit(request.session, person)
        request.session[council_session.CHOSEN_KEY] = {
            "provider": provider.pk,
            "email": person.email,
        }
        return render(request, "accounts/council_continue.html", {"provider": provider})

    return form_page(
        request,
        ConfirmForm(request.POST),
        "people/link.html",
        context,
        save=lambda _: services.link_use(link=link, how="council"),
        done=done,
    )
