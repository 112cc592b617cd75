"""Passkeys as a coach uses them (X7): added after a normal sign-in, then signing in in one step
with the phone's fingerprint or face, listed, removed, and refused once removed.

Chromium's virtual authenticator (over CDP) stands in for the phone. WebAuthn refuses IP
addresses, so the live server is reached as http://localhost:PORT. These pages run with the
Content-Security-Policy enforced (the other browser tests bypass it for axe): the passkey
script must work under it. axe is evaluated through the DevTools protocol instead.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.conftest import allocated_case
from tests.e2e.conftest import PHONE, accessible_at_both_widths, case_entry, sign_in
from yourchoice.audit.actions import AuditAction
from yourchoice.models import AuditEvent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def passkey_site(live_server, settings):
    assert live_server.url.startswith("http://localhost:"), live_server.url
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    return live_server


def add_authenticator(page, *, verifies_user: bool = True) -> tuple[Any, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": verifies_user,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, result["authenticatorId"]


def actions_for(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor_id=user.pk, action__startswith="signin.passkey")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_a_coach_adds_a_passkey_signs_in_with_it_alone_and_removes_it(cast, passkey_site, csp_page):
    page = csp_page
    coach = cast.hackney.coach
    allocated_case(cast.hackney, given="Jordan", family="Example")
    page.set_viewport_size(PHONE)
    add_authenticator(page)

    # A normal two-factor sign-in first; Your sign-in is in the header.
    sign_in(page, passkey_site, coach)
    page.get_by_role("link", name="Your sign-in").click()
    page.wait_for_url("**/your-sign-in/")
    expect(page.get_by_role("heading", name="Your sign-in")).to_be_visible()
    expect(page.get_by_test_id("no-passkeys")).to_be_visible()
    accessible_at_both_widths(page)

    # A name is needed, said the GOV.UK way.
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a name for this passkey")
    accessible_at_both_widths(page)

    page.get_by_label("Name for this passkey").fill("Work phone")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Passkey added: Work phone.")).to_be_visible()
    passkeys = page.get_by_test_id("passkeys")
    expect(passkeys.get_by_role("rowheader", name="Work phone")).to_be_visible()
    expect(passkeys.get_by_text("Not used yet")).to_be_visible()
    accessible_at_both_widths(page)

    # Signed out, the passkey alone signs in: no email, password or code.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    accessible_at_both_widths(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(f"{passkey_site.url}/")
    expect(case_entry(page, "caseload", "Jordan Example")).to_be_visible()

    page.get_by_role("link", name="Your sign-in").click()
    expect(page.get_by_test_id("passkeys").get_by_text("Not used yet")).to_have_count(0)

    # Removing it asks first; it was the one this sign-in used, so the sign-in ends with it.
    page.get_by_role("link", name="Remove Work phone").click()
    expect(page.get_by_role("heading", name="Remove this passkey?")).to_be_visible()
    expect(page.get_by_text("You signed in with this passkey")).to_be_visible()
    accessible_at_both_widths(page)
    page.get_by_role("button", name="Remove passkey").click()
    page.wait_for_url("**/sign-in/")
    expect(page.get_by_text("Passkey removed. You signed in with it")).to_be_visible()

    # The phone still holds the key, but the service no longer accepts it.
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("That passkey cannot sign you in")
    assert page.url.startswith(f"{passkey_site.url}/sign-in/")
    accessible_at_both_widths(page)

    assert actions_for(coach) == [
        AuditAction.SIGNIN_PASSKEY_ADDED,
        AuditAction.SIGNIN_PASSKEY,
        AuditAction.SIGNIN_PASSKEY_REMOVED,
    ]
    # A removed passkey belongs to no account any more: the refusal is recorded without one.
    assert AuditEvent.objects.filter(
        action=AuditAction.SIGNIN_PASSKEY_FAILED, object_id=None
    ).exists()
    assert page.csp_errors == []


def test_a_phone_that_does_not_check_who_holds_it_is_refused(cast, passkey_site, csp_page):
    page = csp_page
    coach = cast.hackney.coach
    cdp, authenticator = add_authenticator(page, verifies_user=False)

    sign_in(page, passkey_site, coach)
    page.goto(f"{passkey_site.url}/your-sign-in/")
    page.get_by_label("Name for this passkey").fill("Shared tablet")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("No passkey was added")
    expect(page.get_by_test_id("no-passkeys")).to_be_visible()

    # A passkey added while the phone checked its holder, which later does not, cannot sign in.
    cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": True})
    page.get_by_label("Name for this passkey").fill("Work phone")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Passkey added: Work phone.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")
    cdp.send(
        "WebAuthn.setUserVerified", {"authenticatorId": authenticator, "isUserVerified": False}
    )
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("You did not sign in")
    assert page.url.startswith(f"{passkey_site.url}/sign-in/")
    assert not AuditEvent.objects.filter(action=AuditAction.SIGNIN_PASSKEY).exists()
    assert page.csp_errors == []
