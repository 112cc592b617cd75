"""A borough lead runs their people on a phone (X8): invites a coach, who follows the emailed
link, chooses a password, sets up an authenticator app and lands on their caseload; the lead
arranges cover for them and, when their phone is lost, resets their second step."""

from __future__ import annotations

import re
from base64 import b32decode
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts.models import User
from tests.accounts.test_sign_in import run_waiting_jobs
from tests.conftest import allocated_case
from tests.e2e.conftest import PHONE, assert_accessible, case_entry, fill_date, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a long and new password"


def emailed_link(to: str) -> str:
    run_waiting_jobs()
    message = [m for m in mail.outbox if m.to == [to]][-1]
    found = re.search(r"https?://\S+/sign-in/link/\S+/", str(message.body))
    assert found is not None, message.body
    return urlsplit(found.group(0)).path


def test_a_lead_invites_a_coach_arranges_cover_and_resets_a_lost_phone(
    cast, live_server, page, browser
):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, cast.hackney.lead)
    page.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", name="People and teams")).to_be_visible()
    assert_accessible(page)

    # The lead invites a coach.
    page.get_by_role("link", name="Invite someone").click()
    assert_accessible(page)
    page.get_by_label("Full name").fill("Ashley Newcoach")
    page.get_by_label("Work email address").fill("ashley.newcoach@hackney.test")
    page.get_by_label("Team").select_option(label=cast.hackney.team.name)
    page.get_by_label("Coach", exact=True).check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to ashley.newcoach@hackney.test")).to_be_visible()
    expect(page.get_by_test_id("sign-in-state")).to_contain_text("Link sent")
    assert_accessible(page)
    ashley = User.objects.get(email="ashley.newcoach@hackney.test")
    episode = allocated_case(cast.hackney, coach=ashley, given="Jamie", family="Example")

    # The coach follows the emailed link on their own phone.
    phone = browser.new_context(viewport=PHONE, bypass_csp=True)
    coach = phone.new_page()
    link = emailed_link(ashley.email)
    coach.goto(f"{live_server.url}{link}")
    expect(coach.get_by_role("heading", name="Set up your sign-in")).to_be_visible()
    assert_accessible(coach)
    coach.get_by_label("Choose a password").fill(NEW_PASSWORD)
    coach.get_by_label("Type the password again").fill(NEW_PASSWORD)
    coach.get_by_role("button", name="Continue").click()
    coach.wait_for_url("**/sign-in/set-up/")
    expect(coach.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    assert_accessible(coach)
    coach.get_by_text("I cannot scan the QR code").click()
    key = coach.get_by_test_id("manual-key").inner_text().replace(" ", "")
    coach.get_by_label("Code from your authenticator app").fill(
        f"{TOTP(b32decode(key)).token():06d}"
    )
    coach.get_by_role("button", name="Confirm and sign in").click()
    coach.wait_for_url(f"{live_server.url}/")
    jamie = case_entry(coach, "caseload", "Jamie Example")
    expect(jamie).to_be_visible()
    expect(jamie).to_contain_text(episode.young_person.reference)
    assert_accessible(coach)
    # The link is spent.
    coach.goto(f"{live_server.url}{link}")
    expect(coach.get_by_role("heading", name="This link cannot be used")).to_be_visible()
    assert_accessible(coach)
    coach.goto(f"{live_server.url}/")

    # The lead arranges cover while the coach is away.
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Arrange cover").click()
    assert_accessible(page)
    page.get_by_label("Who is away").select_option(
        label=f"Ashley Newcoach, {cast.hackney.team.name}"
    )
    page.get_by_label("Who covers their cases").select_option(label=cast.hackney.coach.full_name)
    today = timezone.localdate()
    fill_date(page, "First day of cover", today)
    fill_date(page, "Last day of cover", today + timedelta(days=4))
    page.get_by_role("button", name="Arrange cover").click()
    expect(page.get_by_text("Cover arranged")).to_be_visible()
    expect(page.get_by_test_id("covers")).to_contain_text(
        f"{cast.hackney.coach.full_name} covers Ashley Newcoach"
    )
    assert_accessible(page)

    # The coach loses their phone: the lead resets their second step.
    page.get_by_role("link", name="Ashley Newcoach").click()
    expect(page.get_by_test_id("sign-in-state")).to_contain_text("Authenticator app set up")
    page.get_by_role("link", name="Reset a lost phone").click()
    assert_accessible(page)
    page.get_by_role("button", name="Reset and send link").click()
    expect(page.get_by_text("second step is reset")).to_be_visible()
    expect(page.get_by_test_id("sign-in-state")).to_contain_text("Link sent")
    assert_accessible(page)
    # Whoever has the lost phone is signed out at its next page.
    coach.reload()
    assert urlsplit(coach.url).path.startswith("/sign-in/")
    phone.close()
    assert emailed_link(ashley.email) != link


def test_a_lead_changes_roles_and_teams_and_switches_off_a_leaver(cast, live_server, page):
    page.set_viewport_size(PHONE)
    leaver = cast.hackney.coach
    episode = allocated_case(cast.hackney, coach=leaver, given="Robin", family="Example")
    sign_in(page, live_server, cast.hackney.lead)
    page.get_by_role("link", name="People", exact=True).click()

    # A new team, renamed.
    page.get_by_role("link", name="Make a new team").click()
    assert_accessible(page)
    page.get_by_label("Team name").fill("Hackney North")
    page.get_by_role("button", name="Make team").click()
    expect(page.get_by_text("Team made: Hackney North.")).to_be_visible()
    page.get_by_role("link", name="Rename Hackney North").click()
    assert_accessible(page)
    page.get_by_label("Team name").fill("Hackney North and East")
    page.get_by_role("button", name="Rename").click()
    expect(page.get_by_test_id("teams")).to_contain_text("Hackney North and East")

    # The leaver is given a second role, which is then taken away.
    page.get_by_role("link", name=leaver.full_name, exact=True).click()
    page.get_by_role("link", name="Give a role").click()
    assert_accessible(page)
    page.get_by_label("Team").select_option(label="Hackney North and East")
    page.get_by_label("Supervisor").check()
    page.get_by_role("button", name="Give role").click()
    expect(page.get_by_test_id("roles")).to_contain_text("Supervisor, Hackney North and East")
    page.get_by_role("link", name="Take a role away").click()
    assert_accessible(page)
    page.get_by_label("Supervisor, Hackney North and East").check()
    page.get_by_role("button", name="Take role away").click()
    expect(page.get_by_test_id("roles")).not_to_contain_text("Supervisor")

    # The coach leaves: their account is switched off, and their case is there to reallocate.
    page.get_by_role("link", name="Switch off their account (they have left)").click()
    assert_accessible(page)
    page.get_by_role("button", name="Switch off account").click()
    cases = page.get_by_test_id("person-cases")
    expect(cases).to_contain_text("Robin Example")
    assert_accessible(page)
    cases.get_by_role("link", name=f"Reallocate {episode.young_person.reference}").click()
    expect(page.get_by_role("heading", name="Reallocate the case")).to_be_visible()
