"""Told in time (X10, docs/notifications.md): each kind is written by the service that makes the
change, in its transaction; the header counts what is new on every page; the list says each as
its reader may read it, through the visibility rule; email goes only to those who chose it, by
reference only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery import current_app
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.notifications import services as notification_services
from cases.notifications.models import Notification, NotificationEmail, NotificationKind
from supervision import services as supervision_services
from tests.conftest import allocated_case, signed_in_client
from yourchoice.data.errors import DomainError
from yourchoice.models import OutboxJob

pytestmark = pytest.mark.django_db

EMAIL_TASK = "cases.tasks.send_notification_email"


def kinds_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def raise_flag(episode, actor, **extra):
    return case_services.flag_raise(
        actor=actor,
        episode=episode,
        category="safeguarding",
        level="high",
        summary="Seen with older peers near the station",
        review_on=timezone.localdate() + timedelta(days=7),
        **extra,
    )


def run_outbox() -> None:
    for job in OutboxJob.objects.order_by("pk"):
        current_app.tasks[job.task].apply(args=job.args).get()
        job.delete()


# --- Each kind, from its service ----------------------------------------------------------


def test_allocating_a_case_tells_the_coach_and_nobody_else(cast):
    episode = allocated_case(cast.hackney)
    assert kinds_for(cast.hackney.coach) == [NotificationKind.CASE_ALLOCATED]
    [told] = Notification.objects.all()
    assert told.young_person_id == episode.young_person_id and told.read_at is None
    # The lead who allocated it is not told of her own action.
    assert kinds_for(cast.hackney.lead) == []
    case_services.episode_allocate(
        actor=cast.hackney.lead, episode=episode, coach=cast.hackney.coach2, team=cast.hackney.team
    )
    assert kinds_for(cast.hackney.coach2) == [NotificationKind.CASE_ALLOCATED]


def test_a_transfer_tells_the_receiving_authoritys_lead(cast):
    episode = allocated_case(cast.hackney)
    case_services.episode_transfer(
        actor=cast.hackney.lead, episode=episode, to_authority=cast.southwark.authority
    )
    assert kinds_for(cast.southwark.lead) == [NotificationKind.CASE_TRANSFERRED]
    assert kinds_for(cast.hackney.lead) == []


def test_a_flag_raised_by_the_supervisor_tells_the_coach(cast):
    episode = allocated_case(cast.hackney)
    flag = raise_flag(episode, cast.hackney.supervisor)
    assert NotificationKind.FLAG_RAISED in kinds_for(cast.hackney.coach)
    assert kinds_for(cast.hackney.supervisor) == []
    assert Notification.objects.get(kind=NotificationKind.FLAG_RAISED).object_id == flag.pk


def test_a_flag_raised_by_the_coach_tells_the_supervisor(cast):
    episode = allocated_case(cast.hackney)
    raise_flag(episode, cast.hackney.coach)
    assert kinds_for(cast.hackney.supervisor) == [NotificationKind.FLAG_RAISED]
    assert NotificationKind.FLAG_RAISED not in kinds_for(cast.hackney.coach)
    assert kinds_for(cast.southwark.supervisor) == []


def test_an_action_given_in_supervision_tells_its_owner(cast):
    episode = allocated_case(cast.hackney)
    today = timezone.localdate()
    supervision_services.supervision_record(
        actor=cast.hackney.supervisor,
        team=cast.hackney.team,
        data=supervision_services.SupervisionInput(
            held_on=today,
            format="individual",
            coaches={cast.hackney.coach.pk: ""},
            actions=[
                supervision_services.AgreedAction(
                    description="Call the school",
                    owner=cast.hackney.coach,
                    due_on=today,
                    episode=episode,
                ),
                supervision_services.AgreedAction(
                    description="Book a room", owner=cast.hackney.supervisor, due_on=today
                ),
            ],
        ),
    )
    given = Notification.objects.filter(kind=NotificationKind.ACTION_GIVEN)
    assert [n.recipient_id for n in given] == [cast.hackney.coach.pk]
    assert given.get().young_person_id == episode.young_person_id


@pytest.mark.parametrize(
    ("approve", "kind"),
    [(True, NotificationKind.CLOSURE_APPROVED), (False, NotificationKind.CLOSURE_RETURNED)],
)
def test_a_closure_decided_tells_the_coach_who_asked(cast, approve, kind):
    episode = allocated_case(cast.hackney)
    closure = case_services.closure_request(
        actor=cast.hackney.coach, episode=episode, ending_reason="planned", summary="Goals met"
    )
    case_services.closure_decide(
        actor=cast.hackney.supervisor, closure=closure, approve=approve, comment="Not yet"
    )
    assert kinds_for(cast.hackney.coach)[0] == kind


def test_an_import_job_can_tell_the_lead_who_started_it(cast):
    with transaction.atomic():
        [made] = notification_services.notify(
            recipients=[cast.hackney.lead.pk],
            kind=NotificationKind.IMPORT_FINISHED,
            object_id=7,
            link=reverse("home"),
        )
    response = signed_in_client(cast.hackney.lead).get(
        reverse("notifications:open", args=[made.pk])
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    with pytest.raises(ValueError):
        notification_services.notify(
            recipients=[cast.hackney.lead.pk],
            kind=NotificationKind.IMPORT_FINISHED,
            link="https://elsewhere.example/",
        )


def test_a_refused_change_leaves_no_notification(cast):
    episode = allocated_case(cast.hackney)
    Notification.objects.all().delete()
    with pytest.raises(DomainError):
        case_services.flag_raise(
            actor=cast.hackney.supervisor,
            episode=episode,
            category="other",
            level="low",
            summary="",
            review_on=timezone.localdate() + timedelta(days=1),
        )
    assert not Notification.objects.exists()


def test_nobody_who_cannot_sign_in_is_told(cast):
    episode = allocated_case(cast.hackney)
    cast.hackney.coach.is_active = False
    cast.hackney.coach.save(update_fields=["is_active"])
    Notification.objects.all().delete()
    raise_flag(episode, cast.hackney.supervisor)
    assert kinds_for(cast.hackney.coach) == []
    assert kinds_for(cast.hackney.lead) == []


# --- The header, the list, reading --------------------------------------------------------


def test_the_header_counts_what_is_new_on_every_page(cast):
    episode = allocated_case(cast.hackney)
    raise_flag(episode, cast.hackney.supervisor)
    client = signed_in_client(cast.hackney.coach)
    for url in (reverse("home"), reverse("cases:young-person", args=[episode.young_person_id])):
        body = client.get(url).content.decode()
        assert 'data-testid="header-notifications-count">2<' in body, url
    assert client.get(reverse("home")).context["notifications_unread"] == 2
    assert (
        signed_in_client(cast.hackney.coach2).get(reverse("home")).context["notifications_unread"]
        == 0
    )


def test_the_list_names_the_case_and_opening_one_leads_there_and_reads_it(cast):
    episode = allocated_case(cast.hackney)
    reference = episode.young_person.reference
    client = signed_in_client(cast.hackney.coach)
    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert f"{reference} has been allocated to you" in body
    assert episode.young_person.given_name not in body
    notification = Notification.objects.get(recipient=cast.hackney.coach)
    opened = client.get(reverse("notifications:open", args=[notification.pk]))
    assert opened["Location"] == reverse("cases:young-person", args=[episode.young_person_id])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert client.get(reverse("home")).context["notifications_unread"] == 0


def test_marking_one_or_all_as_read(cast):
    first = allocated_case(cast.hackney)
    raise_flag(first, cast.hackney.supervisor)
    raise_flag(first, cast.hackney.lead)
    client = signed_in_client(cast.hackney.coach)
    one = Notification.objects.filter(recipient=cast.hackney.coach)[0]
    assert client.post(reverse("notifications:read"), {"notification": one.pk}).status_code == 302
    assert Notification.objects.filter(recipient=cast.hackney.coach, read_at=None).count() == 2
    # Someone else's id, or nonsense, marks nothing of theirs.
    theirs = allocated_case(cast.southwark)
    other = Notification.objects.get(
        recipient=cast.southwark.coach, young_person=theirs.young_person
    )
    for value in (other.pk, "nonsense", "9" * 40):
        client.post(reverse("notifications:read"), {"notification": value})
    assert Notification.objects.get(pk=other.pk).read_at is None
    client.post(reverse("notifications:read"))
    assert not Notification.objects.filter(recipient=cast.hackney.coach, read_at=None).exists()


def test_someone_elses_notification_is_answered_as_if_it_did_not_exist(cast):
    allocated_case(cast.hackney)
    notification = Notification.objects.get(recipient=cast.hackney.coach)
    for who in (cast.hackney.coach2, cast.hackney.supervisor, cast.hackney.lead):
        answer = signed_in_client(who).get(reverse("notifications:open", args=[notification.pk]))
        assert answer.status_code == 404
    Notification.objects.get(pk=notification.pk, read_at=None)


def test_a_notification_about_a_case_transferred_away_shows_nothing_of_it(cast):
    episode = allocated_case(cast.hackney, given="Riley")
    reference = episode.young_person.reference
    raise_flag(episode, cast.hackney.coach)  # tells the supervisor
    case_services.episode_transfer(
        actor=cast.hackney.lead, episode=episode, to_authority=cast.southwark.authority
    )
    for who in (cast.hackney.coach, cast.hackney.supervisor):
        client = signed_in_client(who)
        body = client.get(reverse("notifications:list")).content.decode()
        assert "a case you no longer hold" in body
        assert reference not in body and "Riley" not in body
        notification = Notification.objects.filter(recipient=who)[0]
        assert reverse("notifications:open", args=[notification.pk]) not in body
        assert client.get(reverse("notifications:open", args=[notification.pk])).status_code == 404
    # The receiving lead's own notification names it.
    southwark = signed_in_client(cast.southwark.lead).get(reverse("notifications:list"))
    assert reference in southwark.content.decode()


# --- Email, by choice and by reference ----------------------------------------------------


def test_email_goes_only_to_those_who_chose_it_and_by_reference_only(cast):
    client = signed_in_client(cast.hackney.coach)
    page = client.get(reverse("notifications:email"))
    assert page.status_code == 200
    saved = client.post(reverse("notifications:email"), {"kinds": [NotificationKind.FLAG_RAISED]})
    assert saved.status_code == 302
    assert list(NotificationEmail.objects.values_list("user_id", "kind")) == [
        (cast.hackney.coach.pk, NotificationKind.FLAG_RAISED)
    ]
    episode = allocated_case(cast.hackney, given="Riley", family="Example")
    assert not OutboxJob.objects.filter(task=EMAIL_TASK).exists()  # allocation: not chosen
    raise_flag(episode, cast.hackney.supervisor)
    assert OutboxJob.objects.filter(task=EMAIL_TASK).count() == 1
    run_outbox()
    [message] = mail.outbox
    assert message.to == [cast.hackney.coach.email]
    assert episode.young_person.reference in message.subject
    text = f"{message.subject} {message.body}"
    assert "Riley" not in text and "Example" not in text and "station" not in text
    notification = Notification.objects.get(kind=NotificationKind.FLAG_RAISED)
    assert reverse("notifications:open", args=[notification.pk]) in message.body


def test_the_email_choice_form_refuses_what_is_not_a_kind_and_keeps_the_rest(cast):
    client = signed_in_client(cast.hackney.coach)
    refused = client.post(reverse("notifications:email"), {"kinds": ["nonsense"]})
    assert refused.status_code == 400
    assert not NotificationEmail.objects.exists()
    client.post(reverse("notifications:email"), {"kinds": ["flag_raised", "case_allocated"]})
    client.post(reverse("notifications:email"), {"kinds": ["case_allocated"]})
    assert list(NotificationEmail.objects.values_list("kind", flat=True)) == ["case_allocated"]
    client.post(reverse("notifications:email"), {})
    assert not NotificationEmail.objects.exists()


def test_an_email_about_a_case_transferred_before_it_was_sent_does_not_name_it(cast):
    NotificationEmail.objects.create(
        user=cast.hackney.supervisor, kind=NotificationKind.FLAG_RAISED
    )
    episode = allocated_case(cast.hackney)
    raise_flag(episode, cast.hackney.coach)
    case_services.episode_transfer(
        actor=cast.hackney.lead, episode=episode, to_authority=cast.southwark.authority
    )
    run_outbox()
    [message] = [m for m in mail.outbox if m.to == [cast.hackney.supervisor.email]]
    assert episode.young_person.reference not in f"{message.subject} {message.body}"


def test_a_session_flag_does_not_email_the_supervisor_twice(cast):
    from tests.conftest import logged_session

    NotificationEmail.objects.create(
        user=cast.hackney.supervisor, kind=NotificationKind.FLAG_RAISED
    )
    episode = allocated_case(cast.hackney)
    log = logged_session(episode)
    OutboxJob.objects.all().delete()
    raise_flag(episode, cast.hackney.coach, session_log=log)
    run_outbox()
    assert [m.to for m in mail.outbox] == [[cast.hackney.supervisor.email]]
