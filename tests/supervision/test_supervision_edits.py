"""Correcting a supervision record. The supervisor who recorded it may have it open on a phone
and a laptop: a save from a page that is no longer current is refused and shows what changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from supervision import services
from supervision.models import CaseDiscussion, SupervisionAttendee, SupervisionRecord
from tests.conftest import allocated_case, make_user
from tests.forms import submitted
from yourchoice.data.errors import StaleVersion
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(cast) -> SupervisionRecord:
    episode = allocated_case(cast.hackney)
    return services.supervision_record(
        actor=cast.hackney.supervisor,
        team=cast.hackney.team,
        data=services.SupervisionInput(
            held_on=timezone.localdate(),
            format="individual",
            coaches={cast.hackney.coach.pk: "Tired but coping."},
            discussions=[services.Discussion(episode=episode, notes="Engaging well.")],
            decisions="Keep going.",
        ),
    )


def ids(record: SupervisionRecord) -> tuple[int, int]:
    attendee = SupervisionAttendee.objects.get(record=record)
    discussion = CaseDiscussion.objects.get(record=record)
    return attendee.pk, discussion.pk


def test_the_supervisor_corrects_decisions_and_case_notes(cast, record):
    attendee_id, discussion_id = ids(record)
    updated = services.supervision_update(
        actor=cast.hackney.supervisor,
        record=record,
        version=1,
        held_on=record.held_on,
        decisions="Keep going; review in a month.",
        wellbeing={attendee_id: "Tired but coping."},
        case_notes={discussion_id: "Engaging well; school worried."},
    )
    assert updated.version == 2 and updated.decisions == "Keep going; review in a month."
    assert CaseDiscussion.objects.get().notes == "Engaging well; school worried."
    event = AuditEvent.objects.get(action="supervision.update")
    assert event.detail == {"fields": ["decisions", "case_notes"], "version": 2}
    case_event = AuditEvent.objects.get(action="supervision.discuss_update")
    assert case_event.young_person_id is not None and "school" not in str(case_event.detail)


def test_a_stale_correction_is_refused_and_writes_nothing(cast, record):
    attendee_id, discussion_id = ids(record)
    services.supervision_update(
        actor=cast.hackney.supervisor,
        record=record,
        version=1,
        held_on=record.held_on,
        decisions="First correction.",
    )
    with pytest.raises(StaleVersion) as refused:
        services.supervision_update(
            actor=cast.hackney.supervisor,
            record=record,
            version=1,
            held_on=record.held_on,
            decisions="Second correction.",
            case_notes={discussion_id: "Changed too."},
        )
    assert refused.value.changed_by.startswith("You, in another window")
    record.refresh_from_db()
    assert (record.decisions, record.version) == ("First correction.", 2)
    assert CaseDiscussion.objects.get().notes == "Engaging well."


@pytest.mark.parametrize("who", ["hackney.coach", "hackney.lead", "co_supervisor"])
def test_only_the_supervisor_who_recorded_it_may_change_it(cast, record, who):
    actor = (
        make_user("co@hackney.test", "Co Supervisor", Role.SUPERVISOR, team=cast.hackney.team)
        if who == "co_supervisor"
        else cast.by_name(who)
    )
    with pytest.raises(PermissionDenied):
        services.supervision_update(
            actor=actor, record=record, version=1, held_on=record.held_on, decisions="No."
        )


def test_the_detail_page_offers_the_change_only_to_the_recorder(cast, client_for, record):
    url = reverse("supervision:detail", args=[record.pk])
    edit = reverse("supervision:edit", args=[record.pk])
    assert edit in client_for(cast.hackney.supervisor).get(url).content.decode()
    assert edit not in client_for(cast.hackney.coach).get(url).content.decode()
    assert edit not in client_for(cast.hackney.lead).get(url).content.decode()


def test_a_stale_page_answers_409_keeps_input_and_shows_what_changed(cast, client_for, record):
    attendee_id, discussion_id = ids(record)
    url = reverse("supervision:edit", args=[record.pk])
    laptop = client_for(cast.hackney.supervisor)
    phone = client_for(cast.hackney.supervisor)
    on_laptop = submitted(laptop.get(url).content)
    on_phone = submitted(phone.get(url).content)
    assert on_laptop[f"notes_{discussion_id}"] == "Engaging well."

    assert phone.post(url, {**on_phone, "decisions": "Refer to CAMHS."}).status_code == 302
    response = laptop.post(
        url, {**on_laptop, f"notes_{discussion_id}": "Engaging well; school worried."}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert (
        "Decisions: was \u2018Keep going.\u2019, now \u2018Refer to CAMHS.\u2019. "
        "The form now shows the new value." in body
    )
    again = submitted(body)
    assert again[f"notes_{discussion_id}"] == "Engaging well; school worried."
    assert again["decisions"] == "Refer to CAMHS." and again["version"] == "2"
    record.refresh_from_db()
    assert CaseDiscussion.objects.get().notes == "Engaging well."

    assert laptop.post(url, again).status_code == 302
    record.refresh_from_db()
    assert record.decisions == "Refer to CAMHS." and record.version == 3
    assert CaseDiscussion.objects.get().notes == "Engaging well; school worried."
    assert SupervisionAttendee.objects.get(pk=attendee_id).wellbeing_checkin == "Tired but coping."


def test_a_future_date_is_refused_with_the_input_kept(cast, client_for, record):
    url = reverse("supervision:edit", args=[record.pk])
    client = client_for(cast.hackney.supervisor)
    form = submitted(client.get(url).content)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(url, {**form, "held_on": tomorrow, "decisions": "Kept"})
    assert response.status_code == 400
    assert submitted(response.content)["decisions"] == "Kept"
