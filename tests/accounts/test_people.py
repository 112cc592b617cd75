"""Borough leads run their own people (X8): inviting, roles in their teams, teams, cover,
leavers and lost phones, each in their own authority only, each audited with before and after;
and the one-time link that is the only way an account sets up its second factor."""

from __future__ import annotations

import re
from base64 import b32decode
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import Cover, EnrolmentLink, Membership, Team
from accounts.people import services
from cases.models import Episode
from tests.accounts.test_sign_in import run_waiting_jobs
from tests.conftest import PASSWORD, allocated_case, signed_in_client
from yourchoice.audit.actions import AuditAction
from yourchoice.data.errors import DomainError
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "a long and new password"


def invite(cast, email="new.coach@hackney.test", role="coach", team=None, actor=None):
    return services.person_invite(
        actor=actor or cast.hackney.lead,
        email=email,
        full_name="New Coach",
        team=team or cast.hackney.team,
        role=role,
    )


def emailed_link(to: str) -> str:
    """Send what is waiting, and the path of the link in the last email to this address."""
    run_waiting_jobs()
    message = [m for m in mail.outbox if m.to == [to]][-1]
    url = re.search(r"https?://\S+/sign-in/link/\S+/", str(message.body))
    assert url is not None, message.body
    return urlsplit(url.group(0)).path


def code_for(device: TOTPDevice) -> str:
    return (
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    )


def events(action: AuditAction, **detail) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **detail).order_by("pk"))


# --- Inviting, and the link ------------------------------------------------------------------


def test_an_invited_coach_sets_a_password_and_an_app_from_the_link_and_lands_on_their_caseload(
    cast,
):
    person = invite(cast)
    assert not person.has_usable_password()
    assert list(Membership.objects.filter(user=person).values_list("role", "team")) == [
        ("coach", cast.hackney.team.pk)
    ]
    # Audited with who did it, and what was made: the account, its role, the link.
    [made] = events(AuditAction.ACCOUNT_CREATE, object_id=person.pk)
    assert made.actor_id == cast.hackney.lead.pk
    [role] = events(AuditAction.MEMBERSHIP_ADD, actor_id=cast.hackney.lead.pk)
    assert role.detail["after"]["role"] == "coach"
    assert role.authority_id == cast.hackney.authority.pk
    [sent] = events(AuditAction.ENROLMENT_LINK_SENT)
    assert sent.detail["purpose"] == "invitation"

    path = emailed_link(person.email)
    [message] = mail.outbox
    # The email carries the link and nothing about anyone: no names, no team, no authority.
    for private in (person.full_name, cast.hackney.lead.full_name, cast.hackney.team.name):
        assert private not in message.body
    # The table holds only a hash of the link's secret.
    secret = path.rstrip("/").rsplit("/", 1)[1]
    assert not EnrolmentLink.objects.filter(key_hash__contains=secret).exists()

    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and "Choose a password" in page.content.decode()
    short = client.post(path, {"password": "short", "password_again": "short"})
    assert short.status_code == 400
    answer = client.post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert answer["Location"] == reverse("accounts:set-up")
    setup = client.get(reverse("accounts:set-up"))
    assert setup.status_code == 200
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    assert b32decode(setup.context["manual_key"].replace(" ", "")) == device.bin_key
    done = client.post(reverse("accounts:set-up"), {"code": code_for(device)})
    assert done["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "caseload" in home.content.decode().lower()
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert events(AuditAction.SIGNIN_LINK_USED, object_id=person.pk)


def test_the_link_works_once(cast):
    person = invite(cast)
    path = emailed_link(person.email)
    first = Client()
    first.post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    for attempt in (Client().get(path), Client().post(path, {"password": "x" * 20})):
        assert attempt.status_code == 410
        assert "already been used" in attempt.content.decode()
    assert events(AuditAction.SIGNIN_LINK_REFUSED, object_id=person.pk)


def test_an_expired_link_and_a_replaced_one_do_not_work(cast):
    person = invite(cast)
    old = emailed_link(person.email)
    services.invitation_resend(actor=cast.hackney.lead, person=person)
    new = emailed_link(person.email)
    assert old != new
    assert Client().get(old).status_code == 410  # replaced by the newer link
    assert Client().get(new).status_code == 200
    EnrolmentLink.objects.filter(
        user=person, used_at__isnull=True, withdrawn_at__isnull=True
    ).update(
        created_at=timezone.now() - timedelta(days=8), expires_at=timezone.now() - timedelta(days=1)
    )
    assert Client().get(new).status_code == 410  # expired


def test_a_link_sends_no_email_once_it_no_longer_works(cast):
    person = invite(cast)
    services.person_deactivate(actor=cast.hackney.lead, person=person)
    run_waiting_jobs()
    assert mail.outbox == []


def test_only_the_browser_that_followed_the_link_may_set_up_the_app(cast):
    """A password guessed or leaked while an invitation is open does not let someone else set
    up their own phone for the account."""
    person = invite(cast)
    path = emailed_link(person.email)
    Client().post(path, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    other = Client()
    step = other.post(
        reverse("accounts:sign-in"), {"email": person.email, "password": NEW_PASSWORD}
    )
    assert step["Location"] == reverse("accounts:set-up")
    assert other.get(reverse("accounts:set-up")).status_code == 403
    assert not TOTPDevice.objects.filter(user=person, confirmed=True).exists()


def test_a_lead_cannot_invite_into_another_authority_or_to_a_higher_role(cast):
    lead = cast.hackney.lead
    with pytest.raises(DomainError):
        invite(cast, team=cast.southwark.team)
    for role in ("borough_lead", "programme_lead", "administrator", "evaluator", "boss"):
        with pytest.raises(DomainError):
            invite(cast, email=f"{role}@hackney.test", role=role)
    with pytest.raises(DomainError):  # someone who is not a lead
        invite(cast, actor=cast.hackney.supervisor)
    with pytest.raises(DomainError):  # an account that exists already, in any case
        invite(cast, email=cast.southwark.coach.email.upper())
    assert not User.objects.filter(email__endswith="@hackney.test", full_name="New Coach").exists()
    assert Membership.objects.filter(user__full_name="New Coach").count() == 0
    assert lead.memberships.count() == 1


def test_the_invite_page_offers_and_accepts_only_the_leads_teams_and_team_roles(cast):
    client = signed_in_client(cast.hackney.lead)
    page = client.get(reverse("people:invite"))
    form = page.context["form"]
    assert list(form.fields["team"].queryset) == [cast.hackney.team]
    assert [value for value, _ in form.fields["role"].choices] == ["coach", "supervisor"]
    data = {"full_name": "New Lead", "email": "new@hackney.test", "team": cast.hackney.team.pk}
    for role in ("borough_lead", "administrator", "programme_lead"):
        assert client.post(reverse("people:invite"), {**data, "role": role}).status_code == 400
    other = {**data, "team": cast.southwark.team.pk, "role": "coach"}
    assert client.post(reverse("people:invite"), other).status_code == 400
    assert not User.objects.filter(email="new@hackney.test").exists()
    made = client.post(reverse("people:invite"), {**data, "role": "supervisor"})
    person = User.objects.get(email="new@hackney.test")
    assert made["Location"] == reverse("people:person", args=[person.pk])
    # Sent twice (a double tap): one account.
    again = client.post(reverse("people:invite"), {**data, "role": "supervisor"})
    assert again.status_code == 400
    assert User.objects.filter(email="new@hackney.test").count() == 1


# --- Roles ------------------------------------------------------------------------------------


def test_a_lead_gives_and_takes_away_team_roles_with_before_and_after(cast):
    lead, coach = cast.hackney.lead, cast.hackney.coach
    second = Team.objects.create(authority=cast.hackney.authority, name="Hackney North")
    given = services.role_give(actor=lead, person=coach, team=second, role="supervisor")
    [added] = events(AuditAction.MEMBERSHIP_ADD, object_id=given.pk)
    assert added.actor_id == lead.pk
    assert added.detail["after"] == {
        "user_id": coach.pk,
        "role": "supervisor",
        "team_id": second.pk,
        "authority_id": None,
    }
    with pytest.raises(DomainError):  # the same role again
        services.role_give(actor=lead, person=coach, team=second, role="supervisor")
    services.role_remove(actor=lead, person=coach, membership=given)
    [removed] = events(AuditAction.MEMBERSHIP_REMOVE, object_id=given.pk)
    assert removed.actor_id == lead.pk and removed.detail["before"]["role"] == "supervisor"
    # Their last role is not taken away: a leaver's account is switched off instead.
    [last] = Membership.objects.filter(user=coach)
    with pytest.raises(DomainError, match="only role"):
        services.role_remove(actor=lead, person=coach, membership=last)
    assert Membership.objects.filter(user=coach).exists()


def test_a_lead_changes_no_one_outside_their_authority_and_no_one_in_a_higher_role(cast):
    lead = cast.hackney.lead
    team = cast.hackney.team
    # A Hackney coach who also coaches in Southwark is the administrator's to change.
    both = cast.hackney.coach2
    Membership.objects.create(user=both, role="coach", team=cast.southwark.team)
    outsiders = [
        cast.southwark.coach,  # another authority's
        cast.southwark.lead,
        cast.hackney.lead,  # themselves
        cast.programme_lead,
        cast.evaluator,
        cast.admin,
        both,
    ]
    other_lead = User.objects.create_user("lead2@hackney.test", PASSWORD, full_name="Other Lead")
    Membership.objects.create(
        user=other_lead, role="borough_lead", authority=cast.hackney.authority
    )
    outsiders.append(other_lead)
    for person in outsiders:
        with pytest.raises(DomainError):
            services.role_give(actor=lead, person=person, team=team, role="coach")
        with pytest.raises(DomainError):
            services.person_deactivate(actor=lead, person=person)
        with pytest.raises(DomainError):
            services.second_factor_reset(actor=lead, person=person)
        person.refresh_from_db()
        assert person.is_active, person
    # Nor a role in another authority's team, for their own people.
    with pytest.raises(DomainError):
        services.role_give(
            actor=lead, person=cast.hackney.coach, team=cast.southwark.team, role="coach"
        )
    # Nor a Southwark person's role, through a Hackney person.
    with pytest.raises(DomainError):
        services.role_remove(
            actor=lead,
            person=cast.hackney.coach,
            membership=Membership.objects.get(user=cast.southwark.coach),
        )
    assert Membership.objects.filter(user=cast.southwark.coach).exists()


def test_people_pages_find_only_the_leads_own_people(cast):
    southwark = signed_in_client(cast.southwark.lead)
    for name in ("people:person", "people:role-give", "people:deactivate", "cases:person-cases"):
        assert southwark.get(reverse(name, args=[cast.hackney.coach.pk])).status_code == 404
        assert southwark.post(reverse(name, args=[cast.hackney.coach.pk])).status_code == 404
    assert cast.hackney.coach.email not in southwark.get(reverse("people:list")).content.decode()
    hackney = signed_in_client(cast.hackney.lead)
    listed = hackney.get(reverse("people:list")).content.decode()
    assert cast.hackney.coach.full_name in listed and cast.hackney.supervisor.full_name in listed
    assert cast.southwark.coach.full_name not in listed
    # Other leads, and anyone in a role a lead does not give, are not theirs to change.
    for person in (cast.hackney.lead, cast.programme_lead, cast.admin):
        assert hackney.get(reverse("people:person", args=[person.pk])).status_code == 404


# --- Teams ------------------------------------------------------------------------------------


def test_a_lead_makes_and_renames_teams_in_their_own_authority(cast):
    lead = cast.hackney.lead
    team = services.team_create(actor=lead, authority_id=cast.hackney.authority.pk, name=" North ")
    assert team.name == "North" and team.authority == cast.hackney.authority
    [made] = events(AuditAction.TEAM_CREATE, object_id=team.pk)
    assert made.actor_id == lead.pk and made.detail["after"]["name"] == "North"
    services.team_rename(actor=lead, team=team, name="North and East")
    [renamed] = events(AuditAction.TEAM_UPDATE, object_id=team.pk)
    assert renamed.detail["before"]["name"] == "North"
    assert renamed.detail["after"]["name"] == "North and East"
    with pytest.raises(DomainError):  # a name taken, in any case
        services.team_create(
            actor=lead, authority_id=cast.hackney.authority.pk, name="north AND east"
        )
    with pytest.raises(DomainError):
        services.team_create(actor=lead, authority_id=cast.southwark.authority.pk, name="Mine")
    with pytest.raises(DomainError):
        services.team_rename(actor=lead, team=cast.southwark.team, name="Mine")
    cast.southwark.team.refresh_from_db()
    assert cast.southwark.team.name != "Mine"


def test_the_team_pages_make_and_rename(cast):
    client = signed_in_client(cast.hackney.lead)
    assert client.post(reverse("people:team-new"), {"name": ""}).status_code == 400
    assert client.post(reverse("people:team-new"), {"name": "East"}).status_code == 302
    east = Team.objects.get(name="East")
    url = reverse("people:team-rename", args=[east.pk])
    assert client.get(url).context["form"]["name"].value() == "East"
    assert client.post(url, {"name": "East and Central"}).status_code == 302
    east.refresh_from_db()
    assert east.name == "East and Central"
    southwark = signed_in_client(cast.southwark.lead)
    assert southwark.post(url, {"name": "Taken"}).status_code == 404


# --- Cover ------------------------------------------------------------------------------------


def test_a_lead_arranges_cover_and_the_covering_coach_reaches_the_cases(cast):
    lead, away, covering = cast.hackney.lead, cast.hackney.coach, cast.hackney.coach2
    episode = allocated_case(cast.hackney, coach=away)
    url = reverse("cases:young-person", args=[episode.young_person_id])
    assert signed_in_client(covering).get(url).status_code == 404
    today = timezone.localdate()
    client = signed_in_client(lead)
    absent = Membership.objects.get(user=away, team=cast.hackney.team)
    data = {
        "absent": absent.pk,
        "covering_coach": covering.pk,
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=6)).isoformat(),
    }
    assert client.post(reverse("people:cover"), data).status_code == 302
    assert client.post(reverse("people:cover"), data).status_code == 400  # sent twice: one
    [cover] = Cover.objects.all()
    assert (cover.absent_coach, cover.covering_coach, cover.arranged_by) == (away, covering, lead)
    [added] = events(AuditAction.COVER_ADD, object_id=cover.pk)
    assert added.actor_id == lead.pk and added.detail["after"]["ends_on"] == data["ends_on"]
    assert signed_in_client(covering).get(url).status_code == 200
    listed = client.get(reverse("people:list")).content.decode()
    assert f"{covering.full_name} covers {away.full_name}" in listed


def test_cover_is_refused_across_teams_and_authorities_and_for_impossible_days(cast):
    lead, today = cast.hackney.lead, timezone.localdate()
    week = today + timedelta(days=7)
    attempts = [
        dict(team=cast.southwark.team, absent_coach=cast.southwark.coach,
             covering_coach=cast.southwark.coach2, starts_on=today, ends_on=week),
        dict(team=cast.hackney.team, absent_coach=cast.hackney.coach,
             covering_coach=cast.southwark.coach, starts_on=today, ends_on=week),
        dict(team=cast.hackney.team, absent_coach=cast.hackney.coach,
             covering_coach=cast.hackney.supervisor, starts_on=today, ends_on=week),
        dict(team=cast.hackney.team, absent_coach=cast.hackney.coach,
             covering_coach=cast.hackney.coach, starts_on=today, ends_on=week),
        dict(team=cast.hackney.team, absent_coach=cast.hackney.coach,
             covering_coach=cast.hackney.coach2, starts_on=week, ends_on=today),
        dict(team=cast.hackney.team, absent_coach=cast.hackney.coach,
             covering_coach=cast.hackney.coach2, starts_on=today - timedelta(days=3),
             ends_on=week),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(DomainError):
            services.cover_arrange(actor=lead, **attempt)
    assert not Cover.objects.exists()


# --- Leavers ----------------------------------------------------------------------------------


def test_a_leaver_is_switched_off_and_their_open_cases_listed_to_reallocate(cast):
    lead, leaver = cast.hackney.lead, cast.hackney.coach
    leavers_client = signed_in_client(leaver)
    episode = allocated_case(cast.hackney, coach=leaver, given="Robin", family="Leaver")
    client = signed_in_client(lead)
    answer = client.post(reverse("people:deactivate", args=[leaver.pk]))
    assert answer["Location"] == reverse("cases:person-cases", args=[leaver.pk])
    leaver.refresh_from_db()
    assert not leaver.is_active
    [changed] = events(AuditAction.ACCOUNT_UPDATE, object_id=leaver.pk)
    assert changed.actor_id == lead.pk
    assert changed.detail["before"]["is_active"] is True
    assert changed.detail["after"]["is_active"] is False
    # Signed out at their next page, and cannot sign in again.
    assert leavers_client.get(reverse("home")).status_code == 302
    step = Client().post(reverse("accounts:sign-in"), {"email": leaver.email, "password": PASSWORD})
    assert step.status_code == 400
    page = client.get(answer["Location"])
    body = page.content.decode()
    assert "Robin" in body and episode.young_person.reference in body
    assert reverse("cases:allocate", args=[episode.young_person_id]) in body
    assert reverse("cases:transfer", args=[episode.young_person_id]) in body
    with pytest.raises(DomainError):
        services.person_deactivate(actor=lead, person=leaver)


def test_the_cases_page_lists_only_open_cases_still_with_them(cast):
    lead, coach = cast.hackney.lead, cast.hackney.coach
    allocated_case(cast.hackney, coach=cast.hackney.coach2, given="Someone", family="Else")
    body = signed_in_client(lead).get(reverse("cases:person-cases", args=[coach.pk]))
    assert "No open cases" in body.content.decode()
    assert Episode.objects.exists()


# --- Lost phones ------------------------------------------------------------------------------


def test_a_lost_phone_is_reset_and_the_person_sets_up_a_new_app_from_the_link(cast):
    lead, coach = cast.hackney.lead, cast.hackney.coach
    phone = signed_in_client(coach)  # signed in on the lost phone
    WebAuthnCredential.objects.create(
        user=coach, name="Lost phone", credential_id=b"lost", public_key=b"key",
        aaguid="00000000-0000-0000-0000-000000000000",
    )  # fmt: skip
    client = signed_in_client(lead)
    assert client.post(reverse("people:second-factor-reset", args=[coach.pk])).status_code == 302
    assert not TOTPDevice.objects.filter(user=coach).exists()
    assert not WebAuthnCredential.objects.filter(user=coach).exists()
    [reset] = events(AuditAction.SECOND_FACTOR_RESET, object_id=coach.pk)
    assert reset.actor_id == lead.pk
    assert reset.detail["before"] == {"authenticator_app": True, "passkeys": 1}
    assert reset.detail["after"] == {"authenticator_app": False, "passkeys": 0}
    # The lost phone's sign-in is over.
    assert phone.get(reverse("home")).status_code == 302
    # The password alone does not let anyone (the person included) set up a new app...
    finder = Client()
    finder.post(reverse("accounts:sign-in"), {"email": coach.email, "password": PASSWORD})
    assert finder.get(reverse("accounts:set-up")).status_code == 403
    # ...the emailed link does, with the person's password.
    path = emailed_link(coach.email)
    new_phone = Client()
    page = new_phone.get(path)
    assert "Your password" in page.content.decode()
    wrong = new_phone.post(path, {"password": "not-the-password"})
    assert wrong.status_code == 400
    answer = new_phone.post(path, {"password": PASSWORD})
    assert answer["Location"] == reverse("accounts:set-up")
    new_phone.get(reverse("accounts:set-up"))
    device = TOTPDevice.objects.get(user=coach, confirmed=False)
    done = new_phone.post(reverse("accounts:set-up"), {"code": code_for(device)})
    assert done["Location"] == reverse("home")
    assert Client().get(path).status_code == 410


def test_only_a_lead_of_the_persons_authority_resets_their_second_factor(cast):
    signed_in_client(cast.hackney.coach)  # has an app
    for actor in (cast.southwark.lead, cast.hackney.supervisor, cast.programme_lead, cast.admin):
        with pytest.raises(DomainError):
            services.second_factor_reset(actor=actor, person=cast.hackney.coach)
    assert TOTPDevice.objects.filter(user=cast.hackney.coach, confirmed=True).exists()


def test_an_account_no_lead_runs_gets_its_link_from_a_command(cast):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sign_in_link", cast.admin.email, "--show", stdout=out)
    path = urlsplit(out.getvalue().split()[-1]).path
    assert Client().get(path).status_code == 200
    assert mail.outbox == []  # shown, not emailed
    call_command("sign_in_link", cast.programme_lead.email, stdout=StringIO())
    assert Client().get(path).status_code == 200  # another person's link is not replaced
    assert emailed_link(cast.programme_lead.email)


def test_the_administrator_emails_a_link_from_the_account_list(cast):
    admin = signed_in_client(cast.admin)
    answer = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "send_sign_in_link", "_selected_action": [cast.programme_lead.pk]},
    )
    assert answer.status_code == 302
    [sent] = events(AuditAction.ENROLMENT_LINK_SENT, object_id=cast.programme_lead.pk)
    assert sent.actor_id == cast.admin.pk
    assert Client().get(emailed_link(cast.programme_lead.email)).status_code == 200
