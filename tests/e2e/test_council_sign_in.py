"""Council sign-in as a coach does it (X7), through a real OpenID Connect provider started by the
test run (devtools/oidc_provider.mjs): the coach types their work email, continues to the
council, and lands on their caseload; every answer that proves nothing is refused plainly.

The journey that signs in and out runs with the Content-Security-Policy enforced (the other
browser tests bypass it for axe): going to the council and back, and signing out there too,
must work under it. axe is evaluated through the DevTools protocol there.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import allocated_case
from tests.e2e.conftest import PHONE, accessible_at_both_widths, assert_accessible, case_entry
from tests.oidc import add_provider
from yourchoice.audit.actions import AuditAction
from yourchoice.models import AuditEvent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hackney_council(cast, live_server, local_provider, settings):
    settings.SITE_URL = live_server.url
    return add_provider(
        local_provider,
        cast.hackney.authority,
        site_url=live_server.url,
        domains=("hackney.test",),
    )


def continue_to_council(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_role("link", name="Sign in with your council account").click()
    page.get_by_label("Work email address").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue to Hackney").click()


def test_a_coach_signs_in_with_their_council_account_and_out_again(
    cast, live_server, hackney_council, local_provider, csp_page
):
    page = csp_page
    page.set_viewport_size(PHONE)
    hackney_council.council_mfa_counts = True
    hackney_council.save()
    coach = cast.hackney.coach
    local_provider.account(coach.email, amr=["pwd", "mfa"])
    allocated_case(cast.hackney, given="Jordan", family="Example")
    allocated_case(cast.southwark, given="Other", family="Borough")

    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_role("link", name="Sign in with your council account").click()
    expect(page.get_by_role("heading", name="Sign in with your council account")).to_be_visible()
    accessible_at_both_widths(page)
    page.get_by_label("Work email address").fill(coach.email)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Sign in on Hackney's page")).to_be_visible()
    accessible_at_both_widths(page)
    page.get_by_role("button", name="Continue to Hackney").click()

    # To the council and back (it signs the coach in at once), on to the caseload.
    page.wait_for_url(f"{live_server.url}/")
    expect(case_entry(page, "caseload", "Jordan Example")).to_be_visible()
    expect(page.get_by_text("Other Borough")).to_have_count(0)
    accessible_at_both_widths(page)

    page.get_by_role("button", name="Sign out").click()
    # The council's own sign-out page, then back to the service's sign-in page.
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{live_server.url}/sign-in/")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    assert page.csp_errors == []

    actions = list(
        AuditEvent.objects.filter(actor_id=coach.pk)
        .exclude(action__startswith="young_person")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.SIGNIN_COUNCIL, AuditAction.SIGNOUT_COUNCIL]
    # Signed out at the council too: signing in again goes through its sign-in once more.
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/sign-in/")


def test_without_the_councils_second_step_the_coach_enters_their_app_code(
    cast, live_server, hackney_council, page
):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    coach = cast.hackney.coach
    device = TOTPDevice.objects.create(user=coach, name="Phone", confirmed=True)
    allocated_case(cast.hackney, given="Jordan", family="Example")
    continue_to_council(page, live_server, coach.email)
    page.wait_for_url("**/sign-in/code/")
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.get_by_label("Code from your authenticator app").fill(f"{code:06d}")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(case_entry(page, "caseload", "Jordan Example")).to_be_visible()


REFUSALS = {
    "unknown": ("did-not-exist@hackney.test", {}, None, "cannot be used for Your Choice"),
    "unverified": ("coach@hackney.test", {"email_verified": False}, None, "did not confirm"),
    "wrong audience": ("coach@hackney.test", {}, {"aud": "another-service"}, "could not check"),
    "wrong issuer": ("coach@hackney.test", {}, {"iss": "http://127.0.0.1:1/"}, "could not check"),
    "expired": ("coach@hackney.test", {}, {"expired": True}, "could not check"),
}


@pytest.mark.parametrize("case", list(REFUSALS), ids=list(REFUSALS))
def test_an_answer_that_proves_nothing_is_refused_plainly(
    cast, live_server, hackney_council, local_provider, page, case
):
    email, claims, change, message = REFUSALS[case]
    if claims:
        local_provider.account(email, **claims)
    if change:
        local_provider.misbehave(hackney_council.client_id, **change)
    continue_to_council(page, live_server, email)
    expect(page.get_by_role("heading", name="You have not been signed in")).to_be_visible()
    expect(page.get_by_test_id("council-refusal")).to_contain_text(message)
    assert_accessible(page)
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/sign-in/")
    assert AuditEvent.objects.filter(action=AuditAction.SIGNIN_COUNCIL_REFUSED).count() == 1


def test_a_replayed_answer_is_refused_plainly(cast, live_server, hackney_council, page):
    callbacks: list[str] = []

    def note(request) -> None:
        if "/sign-in/council/callback/" in request.url:
            callbacks.append(request.url)

    page.on("request", note)
    continue_to_council(page, live_server, cast.hackney.coach.email)
    page.wait_for_url("**/sign-in/set-up/")
    page.goto(callbacks[0])
    expect(page.get_by_test_id("council-refusal")).to_contain_text("already used")
    assert_accessible(page)


def test_an_address_whose_council_has_no_sign_in_is_told_so(
    cast, live_server, hackney_council, page
):
    page.goto(f"{live_server.url}/sign-in/council/")
    page.get_by_label("Work email address").fill(cast.southwark.coach.email)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Your council does not sign in")).to_be_visible()
    assert page.get_by_label("Work email address").input_value() == cast.southwark.coach.email
    assert_accessible(page)
