"""Break-glass access (X9, docs/access.md): a supervisor or borough lead outside the case's
reach names one young person by their exact reference and a reason, reads their record and
nothing else for BREAK_GLASS_HOURS, changes nothing, and is seen doing so: the case's coach and
supervisor are told at once, the owning borough lead reviews it, and every step is audited."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.access import CASE_PERMS
from accounts.models import Membership
from cases import services as case_services
from cases.break_glass import services
from cases.break_glass.models import BreakGlassGrant
from cases.models import Episode
from cases.notifications.models import Notification, NotificationKind
from tests.conftest import allocated_case, logged_session, signed_in_client
from yourchoice.audit.actions import AuditAction
from yourchoice.data.errors import DomainError
from yourchoice.models import AuditEvent
from yourchoice.scoping import cases_of

pytestmark = pytest.mark.django_db

REASON = "Turned up at our youth centre in crisis; needs a safety plan tonight."


def ask(client, episode, reason: str = REASON):
    return client.post(
        reverse("cases:break-glass"),
        {"reference": episode.young_person.reference, "reason": reason},
    )


def page_of(episode) -> str:
    return reverse("cases:young-person", args=[episode.young_person_id])


def test_a_supervisor_elsewhere_reads_one_young_person_by_reference_and_sees_it_says_so(cast):
    episode = allocated_case(cast.hackney)
    other = allocated_case(cast.hackney)
    log = logged_session(episode)
    client = signed_in_client(cast.southwark.supervisor)
    assert client.get(page_of(episode)).status_code == 404
    assert client.get(reverse("cases:break-glass")).status_code == 200
    answer = ask(client, episode)
    assert answer.status_code == 302 and answer["Location"] == page_of(episode)
    grant = BreakGlassGrant.objects.get()
    assert grant.ends_at - grant.starts_at == timedelta(hours=settings.BREAK_GLASS_HOURS)
    until = timezone.localtime(grant.ends_at).strftime("%H:%M")
    for url in (page_of(episode), reverse("sessions:detail", args=[log.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert 'data-testid="break-glass-banner"' in body, url
        assert f"break-glass access until {until}" in body, url
    # That one young person only; and the people who hold the case see no banner.
    assert client.get(page_of(other)).status_code == 404
    assert "break-glass-banner" not in client.get(reverse("home")).content.decode()
    own = signed_in_client(cast.hackney.supervisor).get(page_of(episode)).content.decode()
    assert "break-glass-banner" not in own


def test_break_glass_can_change_nothing(cast):
    episode = allocated_case(cast.hackney)
    log = logged_session(episode)
    reader = cast.southwark.lead
    services.break_glass_open(actor=reader, reference=episode.young_person.reference, reason=REASON)
    with cases_of(reader):
        assert Episode.objects.visible_to(reader).filter(pk=episode.pk).exists()
        episode = Episode.objects.get(pk=episode.pk)
        for perm in CASE_PERMS:
            assert not access.can(reader, perm, episode), perm
    client = signed_in_client(reader)
    pk = episode.young_person_id
    for name, args in [
        ("sessions:log", [pk]),
        ("sessions:correct", [log.pk]),
        ("cases:flag-new", [pk]),
        ("cases:profile-edit", [pk]),
        ("cases:contact-new", [pk]),
        ("cases:allocate", [pk]),
        ("cases:transfer", [pk]),
        ("cases:closure-request", [pk]),
        ("cases:audit", [pk]),
        ("cases:subject-access", [pk]),
        ("cases:retention-extend", [pk]),
        ("outcomes:goal-new", [pk]),
    ]:
        url = reverse(name, args=args)
        assert client.get(url).status_code == 403, name
        assert client.post(url, {}).status_code == 403, name
    with cases_of(reader), pytest.raises(PermissionDenied):
        case_services.flag_raise(
            actor=reader,
            episode=episode,
            category="other",
            level="low",
            summary="A worry",
            review_on=timezone.localdate() + timedelta(days=1),
        )


def test_the_cases_coach_and_supervisor_are_told_at_once(cast):
    episode = allocated_case(cast.hackney)
    Notification.objects.all().delete()
    grant = services.break_glass_open(
        actor=cast.southwark.supervisor, reference=episode.young_person.reference, reason=REASON
    )
    told = Notification.objects.filter(kind=NotificationKind.BREAK_GLASS_USED)
    assert sorted(n.recipient_id for n in told) == sorted(
        [cast.hackney.coach.pk, cast.hackney.supervisor.pk]
    )
    assert {n.object_id for n in told} == {grant.pk}
    body = signed_in_client(cast.hackney.coach).get(reverse("notifications:list")).content
    assert f"opened {episode.young_person.reference} with break-glass" in body.decode()


def test_the_owning_lead_reviews_each_use_and_no_other_lead_sees_it(cast):
    episode = allocated_case(cast.hackney)
    grant = services.break_glass_open(
        actor=cast.southwark.supervisor, reference=episode.young_person.reference, reason=REASON
    )
    lead = signed_in_client(cast.hackney.lead)
    page = lead.get(reverse("cases:break-glass-uses"))
    assert page.status_code == 200
    body = page.content.decode()
    assert cast.southwark.supervisor.full_name in body and REASON.split(";")[0] in body
    assert episode.young_person.reference in body and "To review" in body
    # Southwark's lead sees nothing of it, and cannot mark it.
    other = signed_in_client(cast.southwark.lead)
    assert (
        cast.southwark.supervisor.full_name
        not in other.get(reverse("cases:break-glass-uses")).content.decode()
    )
    review = reverse("cases:break-glass-review", args=[grant.pk])
    assert other.post(review).status_code == 404
    assert lead.post(review).status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == cast.hackney.lead and grant.reviewed_at is not None
    assert lead.post(review).status_code == 302  # twice is still one review
    assert AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_REVIEW).count() == 1
    assert "Reviewed" in lead.get(reverse("cases:break-glass-uses")).content.decode()


def test_access_ends_on_time(cast):
    """A frozen clock: the record is there until BREAK_GLASS_HOURS have passed, then gone."""
    episode = allocated_case(cast.hackney)
    start = timezone.now()
    services.break_glass_open(
        actor=cast.southwark.supervisor,
        reference=episode.young_person.reference,
        reason=REASON,
        now=start,
    )
    hours = timedelta(hours=settings.BREAK_GLASS_HOURS)
    for moment, expected in [
        (start + hours - timedelta(minutes=1), 200),
        (start + hours, 404),
        (start + hours + timedelta(days=1), 404),
    ]:
        with mock.patch("django.utils.timezone.now", return_value=moment):
            # Signed in at that moment: a session idle for hours would have ended anyway.
            client = signed_in_client(cast.southwark.supervisor)
            assert client.get(page_of(episode)).status_code == expected, moment
    with mock.patch("django.utils.timezone.now", return_value=start + hours):
        uses = signed_in_client(cast.hackney.lead).get(reverse("cases:break-glass-uses"))
        assert "Ended" in uses.content.decode()


def test_a_grant_counts_only_while_its_holder_may_break_glass(cast):
    episode = allocated_case(cast.hackney)
    services.break_glass_open(
        actor=cast.southwark.supervisor, reference=episode.young_person.reference, reason=REASON
    )
    assert signed_in_client(cast.southwark.supervisor).get(page_of(episode)).status_code == 200
    Membership.objects.filter(user=cast.southwark.supervisor).delete()
    assert signed_in_client(cast.southwark.supervisor).get(page_of(episode)).status_code == 404


@pytest.mark.parametrize(
    "who", ["hackney.coach", "southwark.coach", "programme_lead", "evaluator", "admin"]
)
def test_roles_that_may_not_break_glass_are_refused(cast, who):
    episode = allocated_case(cast.hackney)
    person = cast.by_name(who)
    client = signed_in_client(person)
    assert client.get(reverse("cases:break-glass")).status_code == 403
    assert ask(client, episode).status_code == 403
    with pytest.raises(PermissionDenied):
        services.break_glass_open(
            actor=person, reference=episode.young_person.reference, reason=REASON
        )
    assert not BreakGlassGrant.objects.exists()
    assert client.get(reverse("cases:break-glass-uses")).status_code == 403


def test_nothing_but_an_exact_reference_opens_a_record_and_refusals_are_audited(cast):
    episode = allocated_case(cast.hackney, given="Zebedee", family="Example")
    reference = episode.young_person.reference
    client = signed_in_client(cast.southwark.supervisor)
    another = reference[:-1] + ("0" if reference[-1] != "0" else "1")
    for typed in (reference[:-1], another, "Zeb Example"):
        answer = client.post(reverse("cases:break-glass"), {"reference": typed, "reason": REASON})
        assert answer.status_code == 400, typed
        body = answer.content.decode()
        assert typed in body  # kept what was typed
        assert "Zebedee" not in body
    unknown = AuditEvent.objects.filter(action=AuditAction.BREAK_GLASS_REFUSED)
    assert unknown.count() == 1 and unknown.get().detail == {"why": "unknown reference"}
    no_reason = client.post(reverse("cases:break-glass"), {"reference": reference, "reason": " "})
    assert no_reason.status_code == 400
    assert not BreakGlassGrant.objects.exists()
    # Lower case and spaces are forgiven; a second submit makes no second grant.
    assert (
        client.post(
            reverse("cases:break-glass"), {"reference": f" {reference.lower()} ", "reason": REASON}
        ).status_code
        == 302
    )
    assert ask(client, episode).status_code == 400
    assert BreakGlassGrant.objects.count() == 1


def test_a_case_already_in_reach_is_not_opened_by_break_glass(cast):
    episode = allocated_case(cast.hackney)
    with pytest.raises(DomainError, match="already see"):
        services.break_glass_open(
            actor=cast.hackney.supervisor, reference=episode.young_person.reference, reason=REASON
        )
    assert not BreakGlassGrant.objects.exists()


def test_every_step_is_in_the_owning_authoritys_audit_trail(cast):
    episode = allocated_case(cast.hackney)
    client = signed_in_client(cast.southwark.supervisor)
    ask(client, episode)
    client.get(page_of(episode))
    grant = BreakGlassGrant.objects.get()
    signed_in_client(cast.hackney.lead).post(reverse("cases:break-glass-review", args=[grant.pk]))
    events = AuditEvent.objects.filter(young_person_id=episode.young_person_id)
    opened = events.get(action=AuditAction.BREAK_GLASS_OPEN)
    assert opened.actor_id == cast.southwark.supervisor.pk
    assert opened.authority_id == cast.hackney.authority.pk
    assert REASON not in str(opened.detail)  # free text stays with the grant
    assert events.filter(
        action=AuditAction.YOUNG_PERSON_VIEW, actor_id=cast.southwark.supervisor.pk
    ).exists()
    assert events.filter(action=AuditAction.BREAK_GLASS_REVIEW).exists()
    trail = signed_in_client(cast.hackney.lead).get(
        reverse("cases:audit", args=[episode.young_person_id])
    )
    assert "Opened the record with break-glass access" in trail.content.decode()


def test_the_search_page_offers_break_glass_and_never_finds_outside_reach(cast):
    episode = allocated_case(cast.hackney, given="Zebedee")
    client = signed_in_client(cast.southwark.supervisor)
    client.post(reverse("cases:search"), {"q": episode.young_person.reference})
    body = client.get(reverse("cases:search")).content.decode()
    assert reverse("cases:break-glass") in body
    assert "Zebedee" not in body
    coach = signed_in_client(cast.southwark.coach).get(reverse("cases:search")).content.decode()
    assert reverse("cases:break-glass") not in coach
