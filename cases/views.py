"""Pages about cases: the home page for each role and the young person's page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import Authority
from accounts.selectors import service_counts
from cases import caseload, selectors, services
from cases.forms import (
    BudgetSpendForm,
    ClosureDecisionForm,
    ClosureRequestForm,
    FlagForm,
    FlagResolveForm,
    FlagReviewForm,
)
from cases.intake import AllocateForm, ReassessForm, ReferralForm, TransferForm
from cases.models import ClosureDecision, Episode, EpisodeStatus
from outcomes.collection import State
from outcomes.models import MAX_LIVE_GOALS, MEANINGFUL_GOAL_CHANGE, GoalStatus, Occasion
from supervision.selectors import outstanding_actions_for_owner
from yourchoice import access, audit
from yourchoice.access import Perm
from yourchoice.audit_actions import AuditAction
from yourchoice.errors import AgeToConfirm, DomainError
from yourchoice.forms import back_to_case, form_page


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """One home page; each role the person holds adds its own section (docs/programme.md)."""
    user = request.user
    params = request.GET
    has_caseload = access.has_caseload(user)
    context = {
        "sorts": caseload.SORTS,
        "filters": caseload.FILTERS,
        "caseload": caseload.arrange(selectors.caseload_for_coach(user), params)
        if has_caseload
        else None,
        "returned_closures": selectors.returned_closures_for_coach(user) if has_caseload else [],
        "coaches": selectors.coaches_for_supervisor(user)
        if access.supervised_team_ids(user)
        else None,
        "authority_cases": caseload.page_of_cases(selectors.cases_for_authority(user), params)
        if access.led_authority_ids(user)
        else None,
        "authority_counts": selectors.counts_by_authority()
        if access.sees_all_authorities(user)
        else None,
        "evaluation": access.has_perm(user, Perm.EXTRACT_DOWNLOAD),
        "service_counts": service_counts() if access.has_perm(user, Perm.SERVICE_ADMIN) else None,
        "actions": outstanding_actions_for_owner(user),
        "today": timezone.localdate(),
    }
    return render(request, "cases/home.html", context)


@login_required
def young_person(request: HttpRequest, pk: int) -> HttpResponse:
    """The young person's page (C4, C7). Reading it is audited (X2)."""
    page = selectors.young_person_page(request.user, pk)
    audit.record_for_young_person(
        actor=request.user, action=AuditAction.YOUNG_PERSON_VIEW, young_person=page.young_person
    )
    episode = page.episode
    can_decide_closure = (
        page.pending_closure is not None
        and access.can(request.user, Perm.CLOSURE_APPROVE, episode)
        and access.separation_of_duties(
            requested_by_id=page.pending_closure.requested_by_id, approver_id=request.user.pk
        )
    )
    can_log_session = episode.status in (
        EpisodeStatus.ALLOCATED,
        EpisodeStatus.ACTIVE,
    ) and access.can(request.user, Perm.SESSION_WRITE, episode)
    return render(
        request,
        "cases/young_person.html",
        {
            "page": page,
            "can_decide_closure": can_decide_closure,
            "can_log_session": can_log_session,
            "can_write_goals": episode.is_open
            and access.can(request.user, Perm.GOAL_WRITE, episode),
            "can_allocate": episode.is_open
            and access.can(request.user, Perm.CASE_ALLOCATE, episode),
            "can_reassess": episode.status == EpisodeStatus.NOT_TAKEN_ON
            and page.young_person.anonymised_at is None
            and access.can(request.user, Perm.REFERRAL_WRITE, episode),
            "can_request_closure": episode.status in (EpisodeStatus.ALLOCATED, EpisodeStatus.ACTIVE)
            and page.pending_closure is None
            and access.can(request.user, Perm.CLOSURE_REQUEST, episode),
            "can_raise_flag": episode.is_open
            and access.can(request.user, Perm.FLAG_WRITE, episode),
            "can_write_measures": access.can(request.user, Perm.MEASURE_WRITE, episode),
            "can_read_audit": access.can(request.user, Perm.AUDIT_READ, episode),
            "can_export": access.can(request.user, Perm.SUBJECT_ACCESS, episode),
            "can_edit_profile": page.young_person.anonymised_at is None
            and access.can(request.user, Perm.CASE_WRITE, episode),
            "live_goal_count": sum(1 for g in page.goals if g.goal.status == GoalStatus.LIVE),
            "meaningful_change": MEANINGFUL_GOAL_CHANGE,
            "max_live_goals": MAX_LIVE_GOALS,
        },
    )


@login_required
def closure_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor approves or returns a coach's request to close a case (V4)."""
    page = selectors.closure_decision_page(request.user, pk)
    closure = page.closure
    access.require_on(request.user, Perm.CLOSURE_APPROVE, closure.episode)
    young_person_url = reverse("cases:young-person", args=[closure.episode.young_person_id])
    if closure.decision != ClosureDecision.PENDING:
        messages.info(request, "This request has already been decided.")
        return redirect(young_person_url)
    # The person who asked sees the request, but the decision is someone else's.
    may_decide = access.separation_of_duties(
        requested_by_id=closure.requested_by_id, approver_id=request.user.pk
    )
    form = ClosureDecisionForm(request.POST or None)

    def done(_: object) -> HttpResponse:
        approved = form.cleaned_data["decision"] == ClosureDecisionForm.APPROVE
        messages.success(
            request,
            "The case is closed." if approved else "The request was returned to the coach.",
        )
        return redirect(young_person_url)

    return form_page(
        request,
        form,
        "cases/closure_decide.html",
        {"page": page, "closure": closure, "back_url": young_person_url, "may_decide": may_decide},
        save=lambda data: services.closure_decide(
            actor=request.user,
            closure=closure,
            approve=data["decision"] == ClosureDecisionForm.APPROVE,
            comment=data["comment"],
        ),
        done=done,
    )


@login_required
def flag_new(request: HttpRequest, pk: int) -> HttpResponse:
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
def flag_review(request: HttpRequest, pk: int) -> HttpResponse:
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
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
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
def budget(request: HttpRequest, pk: int) -> HttpResponse:
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
def closure_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The coach asks to close the case; the supervisor's approval closes it (C3)."""
    page = selectors.young_person_page(request.user, pk)
    episode = page.episode
    access.require_on(request.user, Perm.CLOSURE_REQUEST, episode)
    if page.pending_closure is not None:
        messages.info(request, "A request to close this case is already waiting for approval.")
        return redirect("cases:young-person", pk=pk)
    end_missing = any(
        o.occasion == Occasion.END and o.state != State.DONE for o in page.measure_occasions
    )
    form = ClosureRequestForm(request.POST or None)

    def done(_: object) -> HttpResponse:
        messages.success(request, "Your request to close the case has gone to your supervisor.")
        return redirect("cases:young-person", pk=pk)

    return form_page(
        request,
        form,
        "cases/closure_request.html",
        {"episode": episode, "end_missing": end_missing},
        save=lambda data: services.closure_request(actor=request.user, episode=episode, **data),
        done=done,
    )


@login_required
@access.requires(Perm.REFERRAL_WRITE)
def referral_new(request: HttpRequest) -> HttpResponse:
    """Record a referral, checking eligibility and likely duplicates first (C1, C2). When age
    is the only reason it is not eligible, the date of birth is confirmed before anything is
    saved: a mistyped date would otherwise close the referral."""
    authorities = list(Authority.objects.filter(pk__in=access.led_authority_ids(request.user)))
    asked_age = "confirm_date_of_birth" in request.POST

    def referral_form(**kwargs: object) -> ReferralForm:
        return ReferralForm(
            request.POST or None,
            authorities=authorities,
            ask_to_confirm_age=asked_age,
            **kwargs,  # type: ignore[arg-type]
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
def referral_reassess(request: HttpRequest, pk: int) -> HttpResponse:
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
def allocate(request: HttpRequest, pk: int) -> HttpResponse:
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
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
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
