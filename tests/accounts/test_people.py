"""A borough lead runs their authority's people (X8): invitations with a one-time link, roles in
their teams, teams, cover and lost phones, each audited with the lead as actor, and nothing
reaching beyond their authority."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import people
from accounts.models import Cover, Invitation, Membership, Team, User
from tests.accounts.test_sign_in import current_code, password_step, run_waiting_jobs
from tests.conftest import allocated_case
from yourchoice.data.errors import DomainError
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long new password to remember"


def invite_coach(client: Client, team: Team, email: str = "new.coach@hackney.test"):
    return client.post(
        reverse("accounts:invite"),
        {"full_name": "New Coach", "email": email, "role": "coach", "team": team.pk},
    )


def emailed_link() -> str:
    run_waiting_jobs()
    body = str(mail.outbox[-1].body)
    found = re.search(r"https?://\S+/welcome/\S+/", body)
    assert found is not None, body
    return found.group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_the_people_page_lists_the_authoritys_teams_and_roles_only(cast, client_for):
    page = client_for(cast.hackney.lead).get(reverse("accounts:people"))
    body = page.content.decode()
    assert page.status_code == 200
    assert cast.hackney.team.name in body and cast.hackney.coach.full_name in body
    assert cast.hackney.supervisor.full_name in body
    assert cast.southwark.team.name not in body and cast.southwark.coach.full_name not in body
    assert client_for(cast.hackney.coach).get(reverse("accounts:people")).status_code == 403


def test_invite_accept_set_password_and_app_then_the_caseload(cast, client_for):
    lead = client_for(cast.hackney.lead)
    response = invite_coach(lead, cast.hackney.team)
    assert response.status_code == 302
    person = User.objects.get(email="new.coach@hackney.test")
    assert not person.has_usable_password()
    assert Membership.objects.filter(user=person, role="coach", team=cast.hackney.team).exists()
    link = emailed_link()
    message = mail.outbox[-1]
    assert message.to == [person.email]
    assert "New Coach" not in message.body  # no names in the email
    token = link.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get(user=person)
    assert invitation.token_hash == people.hash_token(token) and token not in invitation.token_hash

    browser = Client()
    opened = browser.get(path_of(link))
    assert opened.status_code == 302 and opened["Location"] == reverse("accounts:welcome")
    mismatch = browser.post(
        reverse("accounts:welcome"), {"password": NEW_PASSWORD, "password_again": "other"}
    )
    assert mismatch.status_code == 400
    chosen = browser.post(
        reverse("accounts:welcome"), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert chosen["Location"] == reverse("accounts:set-up")
    assert browser.get(reverse("accounts:set-up")).status_code == 200
    device = TOTPDevice.objects.get(user=person)
    done = browser.post(reverse("accounts:set-up"), {"code": current_code(device)})
    assert done["Location"] == reverse("home")
    assert browser.get(reverse("home")).status_code == 200
    # The link worked once.
    assert Client().get(path_of(link)).status_code == 410
    assert AuditEvent.objects.filter(
        action="invitation.send", actor_id=cast.hackney.lead.pk
    ).exists()
    assert AuditEvent.objects.filter(
        action="membership.add",
        actor_id=cast.hackney.lead.pk,
        object_id=person.memberships.get().pk,
    ).exists()


def test_an_expired_link_does_not_work(cast, client_for):
    invite_coach(client_for(cast.hackney.lead), cast.hackney.team)
    link = emailed_link()
    Invitation.objects.update(
        created_at=timezone.now() - timedelta(days=4), expires_at=timezone.now() - timedelta(days=1)
    )
    assert Client().get(path_of(link)).status_code == 410


def test_an_account_without_a_second_factor_cannot_set_one_up_after_a_password(cast):
    """Whoever first types the password of an account without an app must not choose its app."""
    client = Client()
    response = password_step(client, cast.hackney.coach.email)
    assert response["Location"] == reverse("accounts:set-up")
    refused = client.get(reverse("accounts:set-up"))
    assert refused.status_code == 403
    assert "Ask for a link" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.hackney.coach).exists()
    assert client.post(reverse("accounts:set-up"), {"code": "123456"}).status_code == 403
    assert AuditEvent.objects.filter(
        action="signin.set_up_refused", object_id=cast.hackney.coach.pk
    ).exists()


def test_a_lead_cannot_invite_outside_their_authority_or_give_a_lead_role(cast, client_for):
    lead = client_for(cast.hackney.lead)
    other_team = invite_coach(lead, cast.southwark.team, "a@x.test")
    assert other_team.status_code == 400
    as_lead = lead.post(
        reverse("accounts:invite"),
        {
            "full_name": "X",
            "email": "b@x.test",
            "role": "borough_lead",
            "team": cast.hackney.team.pk,
        },
    )
    assert as_lead.status_code == 400
    assert not User.objects.filter(email__in=["a@x.test", "b@x.test"]).exists()
    for role in ("borough_lead", "programme_lead", "administrator"):
        with pytest.raises(DomainError):
            people.invite(
                actor=cast.hackney.lead,
                full_name="X",
                email="c@x.test",
                role=role,
                team=cast.hackney.team,
            )
    with pytest.raises(DomainError):
        people.invite(
            actor=cast.hackney.lead,
            full_name="X",
            email="c@x.test",
            role="coach",
            team=cast.southwark.team,
        )


def test_giving_and_taking_away_roles_is_audited_with_the_lead(cast, client_for):
    lead = client_for(cast.hackney.lead)
    second = Team.objects.create(authority=cast.hackney.authority, name="North")
    url = reverse("accounts:person", args=[cast.hackney.coach.pk])
    assert lead.get(url).status_code == 200
    given = lead.post(url, {"role": "supervisor", "team": second.pk})
    assert given.status_code == 302
    membership = Membership.objects.get(user=cast.hackney.coach, team=second)
    again = lead.post(url, {"role": "supervisor", "team": second.pk})  # a double submit
    assert again.status_code == 302
    assert Membership.objects.filter(user=cast.hackney.coach, team=second).count() == 1
    event = AuditEvent.objects.get(action="membership.add", object_id=membership.pk)
    assert event.actor_id == cast.hackney.lead.pk and event.detail["after"]["role"] == "supervisor"
    removed = lead.post(reverse("accounts:role-remove", args=[membership.pk]))
    assert removed.status_code == 302
    event = AuditEvent.objects.get(action="membership.remove", object_id=membership.pk)
    assert event.actor_id == cast.hackney.lead.pk and event.detail["before"]["team_id"] == second.pk
    # Forged: another authority's person, team, or a role the lead may not give.
    assert lead.get(reverse("accounts:person", args=[cast.southwark.coach.pk])).status_code == 404
    assert lead.post(url, {"role": "coach", "team": cast.southwark.team.pk}).status_code == 400
    assert lead.post(url, {"role": "borough_lead", "team": second.pk}).status_code == 400
    southwark_role = cast.southwark.coach.memberships.get()
    assert lead.post(reverse("accounts:role-remove", args=[southwark_role.pk])).status_code == 404
    # A fellow lead, or the lead themself, is out of reach.
    assert lead.get(reverse("accounts:person", args=[cast.hackney.lead.pk])).status_code == 404


def test_making_and_renaming_teams(cast, client_for):
    lead = client_for(cast.hackney.lead)
    made = lead.post(reverse("accounts:team-new"), {"name": "  East   team "})
    assert made.status_code == 302
    team = Team.objects.get(name="East team")
    assert team.authority == cast.hackney.authority
    duplicate = lead.post(reverse("accounts:team-new"), {"name": "east team"})
    assert duplicate.status_code == 400 and "already a team" in duplicate.content.decode()
    renamed = lead.post(reverse("accounts:team-rename", args=[team.pk]), {"name": "West team"})
    assert renamed.status_code == 302
    team.refresh_from_db()
    assert team.name == "West team"
    event = AuditEvent.objects.get(action="team.rename", object_id=team.pk)
    assert event.actor_id == cast.hackney.lead.pk
    assert event.detail == {"before": {"name": "East team"}, "after": {"name": "West team"}}
    other = reverse("accounts:team-rename", args=[cast.southwark.team.pk])
    assert lead.post(other, {"name": "Taken"}).status_code == 404


def test_arranging_and_ending_cover(cast, client_for):
    lead = client_for(cast.hackney.lead)
    today = timezone.localdate()
    later = today + timedelta(days=6)
    url = reverse("accounts:cover-new", args=[cast.hackney.team.pk])
    data = {
        "absent": cast.hackney.coach.pk,
        "covering": cast.hackney.coach2.pk,
        "starts_on": (today - timedelta(days=2)).isoformat(),
        "ends_on": later.isoformat(),
    }
    assert lead.post(url, data).status_code == 302
    assert lead.post(url, data).status_code == 302  # a double submit: one cover
    cover = Cover.objects.get()
    assert cover.arranged_by == cast.hackney.lead
    assert AuditEvent.objects.get(action="cover.add").actor_id == cast.hackney.lead.pk
    backwards = lead.post(
        url, {**data, "starts_on": later.isoformat(), "ends_on": today.isoformat()}
    )
    assert backwards.status_code == 400
    forged = lead.post(url, {**data, "covering": cast.southwark.coach.pk})
    assert forged.status_code == 400
    assert "cover" in lead.get(reverse("accounts:people")).content.decode().lower()
    assert lead.post(reverse("accounts:cover-end", args=[cover.pk])).status_code == 302
    cover.refresh_from_db()
    assert cover.ends_on == today - timedelta(days=1)
    event = AuditEvent.objects.get(action="cover.update")
    assert event.actor_id == cast.hackney.lead.pk and event.detail["after"]["ends_on"] == str(
        today - timedelta(days=1)
    )
    southwark = client_for(cast.southwark.lead)
    assert southwark.post(reverse("accounts:cover-end", args=[cover.pk])).status_code == 404


def test_a_lost_phone_is_reset_and_a_fresh_link_sets_up_a_new_one(cast, client_for):
    coach = cast.hackney.coach
    old = TOTPDevice.objects.create(user=coach, name="Old phone", confirmed=True)
    lead = client_for(cast.hackney.lead)
    response = lead.post(reverse("accounts:reset", args=[coach.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    event = AuditEvent.objects.get(action="second_factor.reset")
    assert event.actor_id == cast.hackney.lead.pk and event.detail["before"]["apps"] == 1
    # The old password alone no longer gets anyone to set up an app.
    stranger = Client()
    password_step(stranger, coach.email)
    assert stranger.get(reverse("accounts:set-up")).status_code == 403
    link = emailed_link()
    assert mail.outbox[-1].to == [coach.email]
    browser = Client()
    browser.get(path_of(link))
    chosen = browser.post(
        reverse("accounts:welcome"), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert chosen["Location"] == reverse("accounts:set-up")
    browser.get(reverse("accounts:set-up"))
    device = TOTPDevice.objects.get(user=coach, confirmed=False)
    assert (
        browser.post(reverse("accounts:set-up"), {"code": current_code(device)}).status_code == 302
    )
    # Another authority's lead cannot reset this coach.
    other = client_for(cast.southwark.lead)
    assert other.post(reverse("accounts:reset", args=[coach.pk])).status_code == 404


def test_a_newer_link_replaces_an_older_one(cast, client_for):
    lead = client_for(cast.hackney.lead)
    invite_coach(lead, cast.hackney.team)
    first = emailed_link()
    person = User.objects.get(email="new.coach@hackney.test")
    lead.post(reverse("accounts:reset", args=[person.pk]))
    second = emailed_link()
    assert Client().get(path_of(first)).status_code == 410
    assert Client().get(path_of(second)).status_code == 302


def test_a_leaver_is_switched_off_and_their_open_cases_listed_to_reallocate(cast, client_for):
    episode = allocated_case(cast.hackney)
    lead = client_for(cast.hackney.lead)
    url = reverse("cases:leaver", args=[cast.hackney.coach.pk])
    page = lead.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert reverse("cases:allocate", args=[episode.young_person_id]) in body
    assert episode.young_person.reference in body
    people.reset_second_factor(actor=cast.hackney.lead, person=cast.hackney.coach)
    assert lead.post(url).status_code == 302
    coach = User.objects.get(pk=cast.hackney.coach.pk)
    assert not coach.is_active
    assert not Invitation.objects.filter(user=coach, withdrawn_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="account.update", object_id=coach.pk)
    assert event.actor_id == cast.hackney.lead.pk
    assert event.detail["changes"] == ["is_active"]
    # Still listed afterwards, to reallocate.
    assert (
        reverse("cases:allocate", args=[episode.young_person_id]) in lead.get(url).content.decode()
    )
    southwark = client_for(cast.southwark.lead)
    assert southwark.post(reverse("cases:leaver", args=[cast.hackney.coach2.pk])).status_code == 404
    assert User.objects.get(pk=cast.hackney.coach2.pk).is_active
