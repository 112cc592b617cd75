"""Pages about cases: referral, allocation, transfer, flags, budget and closure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Authority
from accounts.people import selectors as people_selectors
from cases import selectors, services
from cases.forms import (
    BudgetSpendForm,
    FlagForm,
    FlagResolveForm,
    FlagReviewForm,
)
from cases.intake import AllocateForm, ReassessForm, ReferralForm, TransferForm
from cases.models import Episode, EpisodeStatus
from yourchoice.data.errors import AgeToConfirm, DomainError
from yourchoice.web.forms import back_to_case, form_page


@login_required
def flag_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Raise a risk or safeguarding flag with a level and a review date (C6)."""
    episode = selectors.current_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.FLAG_WRITE, episode)
    form = FlagForm(
        request.POST or None, initial={"review_on": timezone.localdate() + timedelta(days=14)}
    )
    return form_page(
        request,
        form,
        "cases/flag_new.html",
        {"episode": episode},
        save=lambda data: services.flag_raise(actor=request.user, episode=episode, **data),
        done=lambda _: back_to_case(request, "Flag raised.", episode.young_person_id),
    )


@login_required
def flag_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change a flag's level or its review date (C6). Refused with what changed (409) when
    someone else reviewed it after the page was opened."""
    flag = selectors.get_flag_for_user(request.user, pk)
    access.require_on(request.user, Perm.FLAG_WRITE, flag.episode)
    if not flag.is_open:
        messages.info(request, "This flag has been resolved.")
        return redirect("cases:young-person", pk=flag.episode.young_person_id)
    return form_page(
        request,
        FlagReviewForm(request.POST or None, record=flag),
        "cases/flag_review.html",
        {"flag": flag},
        save=lambda data: services.flag_review(
            actor=request.user,
            flag=flag,
            version=data["version"],
            level=data["level"],
            review_on=data["review_on"],
        ),
        done=lambda _: back_to_case(request, "Flag reviewed.", flag.episode.young_person_id),
    )


@login_required
def flag_resolve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    flag = selectors.get_flag_for_user(request.user, pk)
    access.require_on(request.user, Perm.FLAG_WRITE, flag.episode)
    return form_page(
        request,
        FlagResolveForm(request.POST or None),
        "cases/flag_resolve.html",
        {"flag": flag},
        save=lambda data: services.flag_resolve(actor=request.user, flag=flag, **data),
        done=lambda _: back_to_case(
            request, "Flag resolved. It stays on the record.", flag.episode.young_person_id
        ),
    )


@login_required
def budget(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The activity budget: what was spent, by whom approved, and what is left (C8)."""
    ledger = selectors.budget_ledger(request.user, pk)
    episode = ledger.episode
    can_spend = episode.is_open and access.can(request.user, Perm.BUDGET_WRITE, episode)
    approvers = services.budget_approvers(episode, requested_by=request.user) if can_spend else []
    form = BudgetSpendForm(
        request.POST or None, approvers=approvers, initial={"spent_on": timezone.localdate()}
    )
    if request.method == "POST":
        access.require_on(request.user, Perm.BUDGET_WRITE, episode)

    def done(_: object) -> HttpResponse:
        messages.success(request, "Spending recorded.")
        return redirect("cases:budget", pk=pk)

    return form_page(
        request,
        form,
        "cases/budget.html",
        {"ledger": ledger, "can_spend": can_spend},
        save=lambda data: services.budget_spend_record(
            actor=request.user,
            episode=episode,
            description=data["description"],
            amount_pence=form.amount_pence(),
            spent_on=data["spent_on"],
            approved_by=data["approved_by"],
        ),
        done=done,
    )


@login_required
@access.requires(Perm.REFERRAL_WRITE)
def referral_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record a referral, checking eligibility and likely duplicates first (C1, C2). When age
    is the only reason it is not eligible, the date of birth is confirmed before anything is
    saved: a mistyped date would otherwise close the referral."""
    authorities = list(Authority.objects.filter(pk__in=access.led_authority_ids(request.user)))
    asked_age = "confirm_date_of_birth" in request.POST

    def referral_form(**kwargs: Any) -> ReferralForm:
        return ReferralForm(
            request.POST or None,
            authorities=authorities,
            ask_to_confirm_age=asked_age,
            **kwargs,
        )

    form = referral_form()
    matches: list = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        matches = services.likely_duplicates(
            authority=data["authority"],
            date_of_birth=data["date_of_birth"],
            given_name=data["given_name"],
            family_name=data["family_name"],
        )
        if matches:
            form = referral_form(matches=matches)
            if "same_as" not in request.POST:
                # Not an error: a check to make before creating someone new (C2).
                return render(
                    request, "cases/referral_new.html", {"form": form, "matches": matches}
                )

    def save(data: dict) -> Episode:
        same_as = data.get("same_as") or ""
        return services.referral_create(
            actor=request.user,
            authority=data["authority"],
            details=services.YoungPersonDetails(
                **{f: data[f] for f in services.YOUNG_PERSON_FIELDS}
            ),
            referrer_name=data["referrer_name"],
            referrer_organisation=data["referrer_organisation"],
            received_on=data["received_on"],
            panel_date=data["panel_date"],
            risk_level=data["risk_level"],
            harms=data["harms"],
            consent_given=data["consent_given"],
            existing_young_person=next((m for m in matches if str(m.pk) == same_as), None),
            confirmed_not_duplicate=same_as == ReferralForm.NEW_PERSON,
            date_of_birth_confirmed=data.get("confirm_date_of_birth", False),
        )

    def refused(error: DomainError) -> ReferralForm | None:
        if not isinstance(error, AgeToConfirm):
            return None
        # The date comes back highlighted, with the box to confirm it right below.
        nonlocal asked_age
        asked_age = True
        asking = referral_form(matches=matches)
        asking.is_valid()
        return asking

    def done(episode: Episode) -> HttpResponse:
        referral = episode.referral
        if referral.eligible:
            messages.success(request, "Referral recorded. Allocate it to a coach when you can.")
        else:
            messages.info(
                request,
                "Referral recorded, but it is not eligible: "
                + " ".join(referral.ineligible_reasons),
            )
        return redirect("cases:young-person", pk=episode.young_person_id)

    return form_page(
        request,
        form,
        "cases/referral_new.html",
        {"matches": matches},
        save=save,
        done=done,
        refused=refused,
    )


@login_required
def referral_reassess(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A borough lead corrects the date of birth on a referral that was not taken on, and the
    service checks its eligibility again (C1)."""
    episode = selectors.latest_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.REFERRAL_WRITE, episode)
    young_person = episode.young_person
    if episode.status != EpisodeStatus.NOT_TAKEN_ON or young_person.anonymised_at is not None:
        messages.info(request, "There is no referral here that was not taken on to re-assess.")
        return redirect("cases:young-person", pk=pk)
    form = ReassessForm(request.POST or None, record=young_person)

    def done(reassessed: Episode) -> HttpResponse:
        referral = reassessed.referral
        if referral.eligible:
            message = "The referral is now eligible. Allocate it to a coach when you can."
        else:
            message = "The date of birth is saved, but the referral is still not eligible: " + (
                " ".join(referral.ineligible_reasons)
            )
        return back_to_case(request, message, pk)

    return form_page(
        request,
        form,
        "cases/referral_reassess.html",
        {"episode": episode, "young_person": young_person},
        save=lambda data: services.referral_reassess(
            actor=request.user,
            episode=episode,
            version=data["version"],
            date_of_birth=data["date_of_birth"],
        ),
        done=done,
    )


@login_required
def allocate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Allocate the case to a coach, or reallocate it (C5)."""
    episode = selectors.current_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.CASE_ALLOCATE, episode)
    form = AllocateForm(request.POST or None, authority_id=episode.authority_id)

    def save(data: dict) -> object:
        membership = data["membership"]
        return services.episode_allocate(
            actor=request.user, episode=episode, coach=membership.user, team=membership.team
        )

    def refused(error: DomainError) -> None:
        error.errors = {
            ("membership" if k in ("coach", "team") else k): v for k, v in error.errors.items()
        }

    def done(_: object) -> HttpResponse:
        messages.success(request, f"Allocated to {form.cleaned_data['membership'].user.full_name}.")
        return redirect("cases:young-person", pk=pk)

    return form_page(
        request,
        form,
        "cases/allocate.html",
        {"episode": episode},
        save=save,
        done=done,
        refused=refused,
    )


@login_required
def transfer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Transfer the case to another authority, keeping its history (C5)."""
    episode = selectors.current_episode_for_user(request.user, pk)
    access.require_on(request.user, Perm.CASE_ALLOCATE, episode)
    form = TransferForm(request.POST or None, exclude_id=episode.authority_id)

    def done(moved: Episode) -> HttpResponse:
        messages.success(request, f"The case has been transferred to {moved.authority.name}.")
        return redirect("home")

    return form_page(
        request,
        form,
        "cases/transfer.html",
        {"episode": episode},
        save=lambda data: services.episode_transfer(
            actor=request.user, episode=episode, to_authority=data["authority"]
        ),
        done=done,
    )


@login_required
@access.requires(Perm.PEOPLE_MANAGE)
def person_cases(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The open cases still allocated to one of the lead's people (a leaver, or a coach who
    left a team), each with the way to reallocate or transfer it (X8)."""
    person = people_selectors.person_for(request.user, pk)
    episodes = selectors.open_cases_with(request.user, person)
    return render(request, "cases/person_cases.html", {"person": person, "episodes": episodes})
