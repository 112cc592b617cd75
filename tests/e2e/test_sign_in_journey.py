"""A coach's first sign-in as a person does it: the emailed link, a password, app set-up,
caseload, a young person; and a borough lead inviting a new coach, on a phone."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accounts import people
from tests.accounts.test_sign_in import run_waiting_jobs
from tests.conftest import PASSWORD, allocated_case
from tests.e2e.conftest import assert_accessible

NEW_PASSWORD = "a long new password to remember"


def emailed_link() -> str:
    run_waiting_jobs()
    return next(w for w in str(mail.outbox[-1].body).split() if "/sign-in/welcome/" in w)


def set_up_from_link(page, live_server, link: str) -> None:
    """Open the emailed link, choose a password, add the app from its key, confirm."""
    page.goto(live_server.url + "/" + link.split("/", 3)[3])
    page.wait_for_url("**/sign-in/welcome/")
    assert_accessible(page)
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/sign-in/set-up/")
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    assert_accessible(page)
    page.get_by_text("I cannot scan the QR code").click()
    key = page.get_by_test_id("manual-key").inner_text().replace(" ", "")
    code = f"{TOTP(b32decode(key)).token():06d}"
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Confirm and sign in").click()


pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_coach_signs_in_with_two_factors_and_opens_a_young_person(cast, live_server, page):
    episode = allocated_case(cast.hackney, given="Jordan", family="Example")
    allocated_case(cast.southwark, given="Other", family="Borough")

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/sign-in/")
    assert_accessible(page)

    # A wrong password gets the same plain message as an unknown email, and keeps the email.
    page.get_by_label("Email address").fill(cast.hackney.coach.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Enter a correct email address and password.").first).to_be_visible()
    assert page.get_by_label("Email address").input_value() == cast.hackney.coach.email
    assert_accessible(page)

    # The right password alone does not let anyone choose the account's app.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/sign-in/set-up/")
    expect(page.get_by_role("heading", name="Ask for a link")).to_be_visible()
    assert_accessible(page)

    people.reset_second_factor(actor=cast.hackney.lead, person=cast.hackney.coach)
    set_up_from_link(page, live_server, emailed_link())

    page.wait_for_url(f"{live_server.url}/")
    caseload = page.get_by_test_id("caseload")
    expect(caseload.get_by_text("Jordan Example")).to_be_visible()
    expect(caseload.get_by_text(episode.young_person.reference)).to_be_visible()
    expect(page.get_by_text("Other Borough")).to_have_count(0)
    assert_accessible(page)

    caseload.get_by_role("link", name="Jordan Example").click()
    page.wait_for_url(f"**/young-people/{episode.young_person_id}/")
    expect(page.get_by_role("heading", name="Jordan Example")).to_be_visible()
    expect(page.get_by_text(episode.young_person.reference).first).to_be_visible()
    assert_accessible(page)

    # On a phone-sized screen the page still reads without sideways scrolling of the body.
    page.set_viewport_size({"width": 375, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow


def test_a_borough_lead_invites_a_coach_who_lands_on_an_empty_caseload(
    cast, live_server, page, client_for
):
    page.set_viewport_size({"width": 390, "height": 844})
    lead = client_for(cast.hackney.lead)
    page.context.add_cookies(
        [{"name": "sessionid", "value": lead.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/people/")
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Full name").fill("New Coach")
    page.get_by_label("Work email address").fill("new.coach@hackney.test")
    page.get_by_label("Coach").check()
    page.get_by_label("Team").select_option(label=cast.hackney.team.name)
    assert_accessible(page)
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url("**/people/")
    expect(page.get_by_text("Invitation sent")).to_be_visible()
    expect(page.get_by_role("term").filter(has_text="New Coach")).to_be_visible()
    page.context.clear_cookies()

    set_up_from_link(page, live_server, emailed_link())
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_test_id("caseload")).to_have_count(1)
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow
