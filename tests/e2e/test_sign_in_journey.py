"""A coach's first sign-in as a person does it: the password alone is not enough, the emailed
link sets up the app, then the caseload and a young person."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.conftest import PASSWORD, allocated_case, sign_in_link
from tests.e2e.conftest import assert_accessible

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

    # The right password alone does not set up a second step: only the emailed link does.
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/sign-in/set-up/")
    expect(
        page.get_by_role("heading", name="Use the link in your email to set up your sign-in")
    ).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}{sign_in_link(cast.hackney.coach)}")
    expect(page.get_by_role("heading", name="Set up your sign-in")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/sign-in/set-up/")
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    assert_accessible(page)

    page.get_by_text("I cannot scan the QR code").click()
    key = page.get_by_test_id("manual-key").inner_text().replace(" ", "")
    code = f"{TOTP(b32decode(key)).token():06d}"
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Confirm and sign in").click()

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
