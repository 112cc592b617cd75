"""The caseload review, recording supervision, actions reaching the case and the owner (V1–V3)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from supervision.models import Action, SupervisionRecord
from tests.conftest import allocated_case, make_user, signed_in_client

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


def test_review_lists_coaches_and_cases_needing_attention_with_reasons(cast, client_for):
    quiet = allocated_case(
        cast.hackney,
        given="Quiet",
        family="Case",
        received_on=timezone.localdate() - timedelta(days=60),
    )
    response = client_for(cast.hackney.supervisor).get(reverse("supervision:review"))
    review = response.context["review"]
    coaches = {c.name: c for c in review.coaches}
    assert set(coaches) == {cast.hackney.coach.full_name, cast.hackney.coach2.full_name}
    assert coaches[cast.hackney.coach.full_name].open_cases == 1
    assert coaches[cast.hackney.coach.full_name].supervision_overdue  # never supervised
    no_sessions = coaches[cast.hackney.coach2.full_name]  # a coach with no cases or sessions
    assert (no_sessions.open_cases, no_sessions.sessions_last_4_weeks) == (0, 0)
    (item,) = review.attention
    assert item.row.episode.pk == quiet.pk and "Measures overdue" in item.reasons
    body = response.content.decode()
    assert "Supervision overdue" in body and "Quiet Case" in body


def test_drill_down_to_one_coach(cast, client_for):
    allocated_case(cast.hackney)
    allocated_case(cast.hackney, coach=cast.hackney.coach2)
    client = client_for(cast.hackney.supervisor)
    review = client.get(reverse("supervision:review"), {"coach": cast.hackney.coach2.pk}).context[
        "review"
    ]
    assert {row.row.episode.coach_id for row in review.attention} <= {cast.hackney.coach2.pk}
    assert (
        client.get(reverse("supervision:review"), {"coach": cast.southwark.coach.pk}).status_code
        == 404
    )


def test_borough_lead_sees_every_team_in_the_authority(cast, client_for):
    from accounts.models import Team

    other_team = Team.objects.create(authority=cast.hackney.authority, name="Hackney North")
    make_user("north@hackney.test", "North Coach", Role.COACH, team=other_team)
    review = client_for(cast.hackney.lead).get(reverse("supervision:review")).context["review"]
    assert {c.team for c in review.coaches} == {cast.hackney.team.name, "Hackney North"}
    assert review.teams == []  # a lead reviews but does not record supervision


def test_recording_supervision_puts_the_action_on_the_case_and_the_owners_home(cast, client_for):
    episode = allocated_case(cast.hackney)
    client = client_for(cast.hackney.supervisor)
    url = reverse("supervision:new", args=[cast.hackney.team.pk])
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    data = {
        "held_on": timezone.localdate().isoformat(),
        "format": "individual",
        "coaches": [str(cast.hackney.coach.pk)],
        f"wellbeing_{cast.hackney.coach.pk}": "Tired",
        "cases": [str(episode.pk)],
        f"notes_{episode.pk}": "Attendance dropping",
        "decisions": "Meet at the youth centre",
        "action_1_description": "Agree a new meeting place",
        "action_1_owner": str(cast.hackney.coach.pk),
        "action_1_due_on": due,
        "action_1_case": str(episode.pk),
    }
    missing_owner = client.post(url, {**data, "action_1_owner": ""})
    assert missing_owner.status_code == 400
    assert "Choose who will do action 1" in missing_owner.content.decode()
    assert "Agree a new meeting place" in missing_owner.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302
    record = SupervisionRecord.objects.get()
    assert record.attendees.get().wellbeing_checkin == "Tired"

    coach = client_for(cast.hackney.coach)
    case_page = coach.get(
        reverse("cases:young-person", args=[episode.young_person_id])
    ).content.decode()
    assert "Agree a new meeting place" in case_page
    home = coach.get(reverse("home")).content.decode()
    assert "Agree a new meeting place" in home
    action = Action.objects.get()
    assert (
        coach.post(reverse("supervision:action-done", args=[action.pk]), {"next": "/"}).status_code
        == 302
    )
    assert "Agree a new meeting place" not in coach.get(reverse("home")).content.decode()


def test_a_group_coach_does_not_see_notes_on_a_colleagues_case(cast, client_for):
    from supervision import services

    colleagues = allocated_case(cast.hackney, coach=cast.hackney.coach2)
    record = services.supervision_record(
        actor=cast.hackney.supervisor,
        team=cast.hackney.team,
        data=services.SupervisionInput(
            held_on=timezone.localdate(),
            format="group",
            coaches={cast.hackney.coach.pk: "Fine", cast.hackney.coach2.pk: "Struggling"},
            discussions=[services.Discussion(episode=colleagues, notes="Private to the case")],
        ),
    )
    body = (
        client_for(cast.hackney.coach)
        .get(reverse("supervision:detail", args=[record.pk]))
        .content.decode()
    )
    assert "Private to the case" not in body and colleagues.young_person.reference not in body
    assert "Struggling" not in body  # another coach's wellbeing check-in


def test_review_queries_do_not_grow_with_coaches_and_cases(cast):
    client = signed_in_client(cast.hackney.supervisor)
    Membership.objects.filter(user=cast.hackney.coach2).delete()
    allocated_case(cast.hackney)
    client.get(reverse("supervision:review"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("supervision:review"))
    coaches = [cast.hackney.coach] + [
        make_user(f"c{n}@hackney.test", f"Coach {n}", Role.COACH, team=cast.hackney.team)
        for n in range(9)
    ]
    for n in range(149):
        allocated_case(cast.hackney, coach=coaches[n % 10])
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("supervision:review"))
    assert len(response.context["review"].coaches) == 10
    assert sum(c.open_cases for c in response.context["review"].coaches) == 150
    assert len(small) == len(large)


@pytest.mark.parametrize("stranger", ["hackney-team2.coach", "southwark.coach", "hackney.lead"])
def test_an_action_through_the_api_cannot_go_to_someone_outside_the_team(cast, stranger):
    from accounts.models import Team
    from accounts.tokens import api_token_issue

    team2 = Team.objects.create(authority=cast.hackney.authority, name="Hackney second team")
    owners = {
        "hackney-team2.coach": make_user("c@team2.test", "Team Two Coach", Role.COACH, team=team2),
        "southwark.coach": cast.southwark.coach,
        "hackney.lead": cast.hackney.lead,
    }
    episode = allocated_case(cast.hackney)
    _, key = api_token_issue(actor=cast.admin, user=cast.hackney.supervisor, name="Case system")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    today = timezone.localdate().isoformat()

    def record(owner) -> _MonkeyPatchedWSGIResponse:
        return client.post(
            reverse("api:supervision-record-list"),
            {
                "team": cast.hackney.team.pk,
                "held_on": today,
                "format": "individual",
                "coaches": [{"coach": cast.hackney.coach.pk}],
                "actions": [
                    {"description": "Call school", "owner": owner.pk, "due_on": today},
                    {
                        "description": "Book review",
                        "owner": cast.hackney.coach.pk,
                        "due_on": today,
                        "episode": episode.pk,
                    },
                ],
            },
            content_type="application/json",
        )

    refused = record(owners[stranger])
    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "status": 400,
        "message": "Check the fields and try again.",
        "fields": {"actions": ["Each action's owner must be a coach in this team, or you."]},
    }
    assert not SupervisionRecord.objects.exists()
    assert not Action.objects.exists()
    # The team's coach, and the supervisor recording it, may own actions, as on the page.
    assert record(cast.hackney.supervisor).status_code == 201
    assert set(Action.objects.values_list("owner_id", flat=True)) == {
        cast.hackney.supervisor.pk,
        cast.hackney.coach.pk,
    }


def test_the_review_filtered_to_one_coach_shows_only_that_coach(cast, client_for):
    allocated_case(cast.hackney)
    allocated_case(cast.hackney, coach=cast.hackney.coach2)
    allocated_case(cast.hackney, coach=cast.hackney.coach2)
    client = client_for(cast.hackney.supervisor)
    response = client.get(reverse("supervision:review"), {"coach": cast.hackney.coach2.pk})
    review = response.context["review"]
    assert [(c.name, c.open_cases) for c in review.coaches] == [(cast.hackney.coach2.full_name, 2)]
    table = response.content.decode().split('data-testid="review-coaches"', 1)[1]
    table = table.split("</table>", 1)[0]
    assert cast.hackney.coach2.full_name in table
    assert f">{cast.hackney.coach.full_name}<" not in table
    assert review.teams == [cast.hackney.team]  # still records supervision for the team
    everyone = client.get(reverse("supervision:review")).context["review"]
    assert {c.name: c.open_cases for c in everyone.coaches} == {
        cast.hackney.coach.full_name: 1,
        cast.hackney.coach2.full_name: 2,
    }


def test_the_review_shows_its_cases_needing_attention_a_page_at_a_time(cast, client_for):
    from supervision.selectors import REVIEW_PAGE_SIZE

    for n in range(REVIEW_PAGE_SIZE + 2):
        allocated_case(cast.hackney, coach=cast.hackney.coach2 if n % 2 else cast.hackney.coach)
    client = client_for(cast.hackney.lead)
    first = client.get(reverse("supervision:review")).context["review"]
    assert len(first.attention) == REVIEW_PAGE_SIZE + 2  # every case, for the counts
    assert len(first.attention_shown) == REVIEW_PAGE_SIZE
    assert sum(c.needing_attention for c in first.coaches) == REVIEW_PAGE_SIZE + 2
    second = client.get(reverse("supervision:review"), {"page": 2}).context["review"]
    assert len(second.attention_shown) == 2
    shown = {a.row.episode.pk for a in first.attention_shown}
    assert not shown & {a.row.episode.pk for a in second.attention_shown}
    assert client.get(reverse("supervision:review"), {"page": "x"}).status_code == 200

    coach = cast.hackney.coach.pk
    response = client.get(reverse("supervision:review"), {"coach": coach})
    assert len(response.context["review"].attention_shown) == (REVIEW_PAGE_SIZE + 2) // 2
    assert "page=2" not in response.content.decode()  # six cases: one page
    for _ in range(REVIEW_PAGE_SIZE):
        allocated_case(cast.hackney)
    body = client.get(reverse("supervision:review"), {"coach": coach}).content.decode()
    assert f"?coach={coach}&amp;page=2" in body  # the next page keeps the coach
