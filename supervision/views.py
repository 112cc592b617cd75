"""The caseload review, supervision records and actions (V1–V3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import Perm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team, User
from cases.contexts.selectors import CONCERN_DAYS
from cases.models import Episode
from supervision import selectors, services
from supervision.forms import ACTION_ROWS, SupervisionEditForm, SupervisionForm
from supervision.models import SupervisionRecord
from yourchoice.data.errors import DomainError, StaleVersion
from yourchoice.web.forms import form_page


@login_required
@access.requires(Perm.REVIEW_READ)
def review(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each coach, then the cases that need attention with their reasons (V1, V3)."""
    coach = request.GET.get("coach", "")
    coach_id = int(coach) if coach.isdigit() else None
    data = selectors.review_for_user(request.user, coach_id=coach_id, page=request.GET.get("page"))
    return render(
        request, "supervision/review.html", {"review": data, "concern_days": CONCERN_DAYS}
    )


def _team_people(user: User, team: Team) -> tuple[list[User], list[Episode], list[User]]:
    coaches = [
        m.user
        for m in access.coach_memberships([team.pk])
        .select_related("user")
        .order_by("user__full_name")
    ]
    episodes = list(
        Episode.objects.visible_to(user)
        .open()
        .filter(team=team)
        .select_related("young_person", "coach")
        .order_by("young_person__family_name", "young_person__given_name")
    )
    return coaches, episodes, services.action_owners(actor=user, team=team)


@login_required
@access.requires(Perm.SUPERVISION_WRITE)
def supervision_new(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    """Record a supervision session for one of the supervisor's teams (V2); 404 for a team
    they do not supervise."""
    teams = {t.pk: t for t in selectors.supervisable_teams(request.user)}
    if team_id not in teams:
        raise Http404
    coaches, episodes, owners = _team_people(request.user, teams[team_id])
    form = SupervisionForm(request.POST or None, coaches=coaches, episodes=episodes, owners=owners)
    by_id = {str(e.pk): e for e in episodes}
    people = {str(u.pk): u for u in owners}
    rows: list[int] = []  # the action rows filled in, in the order they are sent

    def save(data: dict) -> object:
        rows[:] = [i for i in range(1, ACTION_ROWS + 1) if data[f"action_{i}_description"].strip()]
        return services.supervision_record(
            actor=request.user,
            team=teams[team_id],
            data=services.SupervisionInput(
                held_on=data["held_on"],
                format=data["format"],
                coaches={int(c): data.get(f"wellbeing_{c}", "") for c in data["coaches"]},
                discussions=[
                    services.Discussion(episode=by_id[e], notes=data.get(f"notes_{e}", ""))
                    for e in data["cases"]
                ],
                decisions=data["decisions"],
                actions=[
                    services.AgreedAction(
                        description=data[f"action_{i}_description"],
                        owner=people[data[f"action_{i}_owner"]],
                        due_on=data[f"action_{i}_due_on"],
                        episode=by_id.get(data[f"action_{i}_case"]),
                    )
                    for i in rows
                ],
            ),
        )

    def refused(error: DomainError) -> None:
        # The service names an action by its place among those sent: back to its row.
        error.errors = {
            (f"action_{rows[int(k.split('.')[1])]}_due_on" if k.startswith("actions.") else k): v
            for k, v in error.errors.items()
        }

    def done(record: SupervisionRecord) -> HttpResponse:
        messages.success(request, "Supervision recorded.")
        return redirect("supervision:detail", pk=record.pk)

    return form_page(
        request,
        form,
        "supervision/supervision_new.html",
        {"team": teams[team_id]},
        save=save,
        done=done,
        refused=refused,
    )


@login_required
def supervision_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    record = selectors.get_supervision_for_user(request.user, pk)
    return render(
        request,
        "supervision/supervision_detail.html",
        {"record": record, "can_edit": services.may_change_record(request.user, record)},
    )


@login_required
def supervision_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The supervisor who recorded supervision corrects it (V2). Two devices, one record: a
    save from a page that is no longer current is refused and shows what changed (409)."""
    record = selectors.get_supervision_for_user(request.user, pk)
    if not services.may_change_record(request.user, record):
        raise PermissionDenied
    # Bound on any POST, so that even an empty one is answered as a form with errors (400).
    sent = request.POST if request.method == "POST" else None
    form = SupervisionEditForm(sent, record=record)

    def save(data: dict) -> object:
        return services.supervision_update(
            actor=request.user,
            record=record,
            version=data["version"],
            held_on=data["held_on"],
            decisions=data["decisions"],
            wellbeing=form.wellbeing(),
            case_notes=form.case_notes(),
        )

    def refused(error: DomainError) -> None:
        if isinstance(error, StaleVersion):
            # Compare with the record as it is now, read as this person may see it.
            error.current = selectors.get_supervision_for_user(request.user, pk)

    def done(updated: SupervisionRecord) -> HttpResponse:
        changed = updated.version != form.cleaned_data["version"]
        messages.success(
            request, "Supervision record saved." if changed else "Nothing was changed."
        )
        return redirect("supervision:detail", pk=pk)

    return form_page(
        request,
        form,
        "supervision/supervision_edit.html",
        {"record": record},
        save=save,
        done=done,
        refused=refused,
    )


@login_required
@require_POST
def action_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark an action done: its owner, or a supervisor of its team."""
    action = selectors.get_action_for_user(request.user, pk)
    services.action_complete(actor=request.user, action=action)
    messages.success(request, "Action marked as done.")
    next_url = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
    return redirect(next_url if safe else "home")
