"""Signing in with a council account, through a real OpenID Connect provider (X7).

The provider is devtools/local_provider.mjs, started once for the test run (tests/oidc.py); each
test registers its own client with it, as a council's IT team registers the service.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import CouncilSignInDevice, Membership, User
from tests.conftest import sign_in_link
from tests.oidc import add_provider, through_provider
from yourchoice.audit.actions import AuditAction
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
COUNCIL_SIGN_IN = reverse("accounts:council-sign-in")
START = reverse("accounts:council-start")


@pytest.fixture
def hackney_council(cast, local_provider, settings):
    settings.SITE_URL = SITE
    return add_provider(
        local_provider, cast.hackney.authority, site_url=SITE, domains=("hackney.test",)
    )


def to_the_council(client: Client, email: str) -> str:
    """Type the email, continue to the council: the provider's authorization address."""
    chosen = client.post(COUNCIL_SIGN_IN, {"email": email})
    assert chosen.status_code == 200, chosen.content.decode()[:500]
    started = client.get(START)
    assert started.status_code == 302
    return started["Location"]


def sign_in_through_council(client: Client, email: str):
    """The whole round trip: the answer of the service's callback."""
    callback = through_provider(to_the_council(client, email), back_to=SITE)
    return client.get(callback)


def app_code(user: User) -> str:
    device = TOTPDevice.objects.filter(
        user=user, confirmed=True
    ).first() or TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return (
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    )


def events(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_a_coach_signs_in_with_their_council_account_then_their_app(cast, hackney_council):
    coach = cast.hackney.coach
    code = app_code(coach)
    client = Client()
    answer = sign_in_through_council(client, coach.email)
    assert answer.status_code == 302 and answer["Location"] == reverse("accounts:code")
    # The council's word is the first step only: nothing is reachable yet.
    assert client.get(reverse("home")).status_code == 302
    done = client.post(reverse("accounts:code"), {"code": code})
    assert done.status_code == 302 and done["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    [checked] = events(AuditAction.SIGNIN_COUNCIL_CHECKED)
    assert checked.actor_id == coach.pk and checked.authority_id == cast.hackney.authority.pk
    [signed_in] = events(AuditAction.SIGNIN_SUCCEEDED)
    assert signed_in.detail == {"first_step": "council"}


# --- The council's own second step, per authority ------------------------------------------


def test_the_councils_second_step_counts_where_the_authority_trusts_it(
    cast, hackney_council, local_provider
):
    hackney_council.council_mfa_counts = True
    hackney_council.save()
    coach = cast.hackney.coach
    local_provider.account(coach.email, amr=["pwd", "mfa"])
    client = Client()
    answer = sign_in_through_council(client, coach.email)
    assert answer.status_code == 302 and answer["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    [event] = events(AuditAction.SIGNIN_COUNCIL)
    assert event.actor_id == coach.pk and event.authority_id == cast.hackney.authority.pk
    assert CouncilSignInDevice.objects.get(user=coach).confirmed


@pytest.mark.parametrize(
    ("trusted", "amr", "acr", "acr_values", "counts"),
    [
        (True, ["pwd", "otp"], None, "", True),
        (True, ["hwk"], None, "", True),
        (True, ["pwd"], None, "", False),
        (True, ["pwd"], "urn:council:loa:mfa", "urn:council:loa:mfa", True),
        (True, ["pwd"], "urn:council:loa:pwd", "urn:council:loa:mfa", False),
        (False, ["pwd", "mfa"], "urn:council:loa:mfa", "urn:council:loa:mfa", False),
    ],
)
def test_otherwise_the_services_own_second_step_follows(
    cast, hackney_council, local_provider, trusted, amr, acr, acr_values, counts
):
    hackney_council.council_mfa_counts = trusted
    hackney_council.mfa_acr_values = acr_values
    hackney_council.save()
    coach = cast.hackney.coach
    local_provider.account(coach.email, amr=amr, **({"acr": acr} if acr else {}))
    answer = sign_in_through_council(Client(), coach.email)
    assert answer.status_code == 302
    expected = reverse("home") if counts else reverse("accounts:set-up")
    assert answer["Location"] == expected


def test_a_first_council_sign_in_without_an_app_needs_the_emailed_link(cast, hackney_council):
    """The council vouches for who someone is, not for who may set up their second step: an
    account without one is set up only from its invitation or reset link."""
    client = Client()
    answer = sign_in_through_council(client, cast.hackney.coach2.email)
    assert answer["Location"] == reverse("accounts:set-up")
    assert client.get(reverse("accounts:set-up")).status_code == 403
    assert not TOTPDevice.objects.filter(user=cast.hackney.coach2).exists()


def test_an_invitation_followed_with_the_council_account_sets_the_app_up(cast, hackney_council):
    client = Client()
    url = sign_in_link(cast.hackney.coach2)
    page = client.get(url)
    assert "Use my Hackney account" in page.content.decode()
    chosen = client.post(url, {"way": "council"})
    assert chosen.status_code == 200
    started = client.get(START)
    answer = client.get(through_provider(started["Location"], back_to=SITE))
    assert answer["Location"] == reverse("accounts:set-up")
    assert client.get(reverse("accounts:set-up")).status_code == 200
    # The link is spent: it cannot be followed again.
    assert Client().get(url).status_code == 410


# --- Matching: an account that exists, is on, and has the very address verified -----------


def refusal(answer) -> str:
    page = answer.content.decode()
    assert "You have not been signed in" in page
    return page


def test_an_address_with_no_account_is_refused_and_no_account_is_made(cast, hackney_council):
    accounts, roles = User.objects.count(), Membership.objects.count()
    answer = sign_in_through_council(Client(), "newcomer@hackney.test")
    assert answer.status_code == 403
    assert "cannot be used for Your Choice" in refusal(answer)
    assert (User.objects.count(), Membership.objects.count()) == (accounts, roles)
    [event] = events(AuditAction.SIGNIN_COUNCIL_REFUSED)
    assert event.object_id is None and event.authority_id == cast.hackney.authority.pk
    assert event.detail == {"reason": "no_account", "email_hint": "n…@hackney.test"}


def test_an_unverified_address_is_refused(cast, hackney_council, local_provider):
    coach = cast.hackney.coach
    local_provider.account(coach.email, email_verified=False)
    answer = sign_in_through_council(Client(), coach.email)
    assert answer.status_code == 403
    assert "did not confirm your email address" in refusal(answer)
    [event] = events(AuditAction.SIGNIN_COUNCIL_REFUSED)
    assert event.detail["reason"] == "email_unverified"


def test_a_missing_verified_claim_is_not_taken_as_verified(cast, hackney_council, local_provider):
    coach = cast.hackney.coach
    local_provider.account(coach.email, email_verified=None)
    answer = sign_in_through_council(Client(), coach.email)
    assert answer.status_code == 403
    assert events(AuditAction.SIGNIN_COUNCIL_REFUSED)[0].detail["reason"] == "email_unverified"


def test_a_council_vouching_for_another_boroughs_address_is_refused(
    cast, hackney_council, local_provider
):
    # Hackney's provider may speak only for hackney.test: an account it names elsewhere is
    # not signed in, though it exists.
    local_provider.account(cast.hackney.coach.email, email=cast.southwark.coach.email)
    answer = sign_in_through_council(Client(), cast.hackney.coach.email)
    assert answer.status_code == 403
    [event] = events(AuditAction.SIGNIN_COUNCIL_REFUSED)
    assert event.detail == {"reason": "domain_not_allowed"}
    assert event.object_id == cast.southwark.coach.pk


def test_the_address_must_match_exactly_whatever_its_case(cast, hackney_council, local_provider):
    coach = cast.hackney.coach
    local_provider.account(coach.email, email=coach.email.upper())
    answer = sign_in_through_council(Client(), coach.email)
    assert answer.status_code == 302
    local_provider.account(coach.email, email=f"x{coach.email}")
    assert sign_in_through_council(Client(), coach.email).status_code == 403


@pytest.mark.parametrize("who", ["admin", "programme_lead", "evaluator", "southwark.coach"])
def test_a_council_never_signs_in_someone_beyond_its_own_authority(cast, hackney_council, who):
    """An address in the council's domain is not enough: an administrator, a service-wide role
    or someone working in another borough signs in the service's own way."""
    account = cast.by_name(who)
    account.email = f"{who.replace('.', '-')}@hackney.test"
    account.save()
    answer = sign_in_through_council(Client(), account.email)
    assert answer.status_code == 403
    assert "cannot be used for Your Choice" in refusal(answer)
    [event] = events(AuditAction.SIGNIN_COUNCIL_REFUSED)
    assert event.detail["reason"] == "not_this_councils"


def test_a_second_step_ended_by_a_change_does_not_come_back_with_a_new_sign_in(
    cast, hackney_council, local_provider
):
    from accounts.council import services

    hackney_council.council_mfa_counts = True
    hackney_council.save()
    coach = cast.hackney.coach
    local_provider.account(coach.email, amr=["mfa"])
    earlier = Client()
    sign_in_through_council(earlier, coach.email)
    services.provider_saved(
        actor=cast.admin, provider=hackney_council, changed=["email_domains"], created=False
    )
    sign_in_through_council(Client(), coach.email)  # verified afresh, with a device of its own
    assert earlier.get(reverse("home")).status_code == 302


def test_a_switched_off_account_cannot_get_in_through_its_council(cast, hackney_council):
    coach = cast.hackney.coach
    coach.is_active = False
    coach.save()
    answer = sign_in_through_council(Client(), coach.email)
    assert answer.status_code == 403
    # Read the same as an address with no account.
    assert "cannot be used for Your Choice" in refusal(answer)
    [event] = events(AuditAction.SIGNIN_COUNCIL_REFUSED)
    assert event.detail == {"reason": "account_off"} and event.object_id == coach.pk


def test_switching_an_account_off_ends_its_council_sign_in(cast, hackney_council, local_provider):
    hackney_council.council_mfa_counts = True
    hackney_council.save()
    coach = cast.hackney.coach
    local_provider.account(coach.email, amr=["mfa"])
    client = Client()
    sign_in_through_council(client, coach.email)
    assert client.get(reverse("home")).status_code == 200
    coach.is_active = False
    coach.save()
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:sign-in"))


def test_a_locked_out_account_stays_locked_through_its_council(cast, hackney_council, settings):
    coach = cast.hackney.coach
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(reverse("accounts:sign-in"), {"email": coach.email, "password": "wrong-one"})
    answer = sign_in_through_council(Client(), coach.email)
    assert answer.status_code == 429
    assert AuditEvent.objects.filter(
        action=AuditAction.SIGNIN_LOCKED_OUT, object_id=coach.pk, authority_id__isnull=False
    ).exists()


# --- Answers that prove nothing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"aud": "another-service"}, "wrong_audience"),
        ({"iss": "http://127.0.0.1:1/not-the-council"}, "wrong_issuer"),
        ({"expired": True}, "expired"),
    ],
)
def test_an_id_token_for_another_audience_issuer_or_time_is_refused(
    cast, hackney_council, local_provider, change, problem
):
    local_provider.misbehave(hackney_council.client_id, **change)
    client = Client()
    answer = sign_in_through_council(client, cast.hackney.coach.email)
    assert answer.status_code == 400
    assert "could not check" in refusal(answer)
    [event] = events(AuditAction.SIGNIN_COUNCIL_REFUSED)
    assert event.detail == {"reason": "answer_refused", "problem": problem}
    assert client.get(reverse("home")).status_code == 302


def test_a_used_answer_cannot_be_used_again(cast, hackney_council):
    client = Client()
    callback = through_provider(to_the_council(client, cast.hackney.coach.email), back_to=SITE)
    assert client.get(callback).status_code == 302
    client.logout()
    again = client.get(callback)
    assert again.status_code == 400
    assert "already used" in refusal(again)
    assert events(AuditAction.SIGNIN_COUNCIL_REFUSED)[-1].detail == {"reason": "state"}


def test_an_answer_made_for_another_browser_signs_nobody_in(cast, hackney_council):
    """A planted link (login CSRF): the state belongs to the session that asked for it."""
    callback = through_provider(to_the_council(Client(), cast.hackney.coach.email), back_to=SITE)
    victim = Client()
    victim.get(COUNCIL_SIGN_IN)
    answer = victim.get(callback)
    assert answer.status_code == 400
    assert "_auth_user_id" not in victim.session


def test_a_changed_state_is_refused(cast, hackney_council):
    client = Client()
    callback = through_provider(to_the_council(client, cast.hackney.coach.email), back_to=SITE)
    assert client.get(callback.replace("state=", "state=x")).status_code == 400
    # And the request in progress is spent: the right state no longer works either.
    assert client.get(callback).status_code == 400


def test_an_answer_too_late_is_refused(cast, hackney_council, settings, monkeypatch):
    client = Client()
    callback = through_provider(to_the_council(client, cast.hackney.coach.email), back_to=SITE)
    session = client.session
    pending = session["council_sign_in_pending"]
    pending["at"] -= settings.COUNCIL_SIGN_IN_MINUTES * 60 + 1
    session["council_sign_in_pending"] = pending
    session.save()
    assert client.get(callback).status_code == 400


def test_a_refusal_from_the_council_is_said_plainly(cast, hackney_council):
    client = Client()
    to_the_council(client, cast.hackney.coach.email)
    state = client.session["council_sign_in_pending"]["state"]
    answer = client.get(
        reverse("accounts:council-callback"),
        {"state": state, "error": "access_denied", "error_description": "<b>no</b>"},
    )
    assert answer.status_code == 400
    assert "did not sign you in" in refusal(answer)
    assert events(AuditAction.SIGNIN_COUNCIL_REFUSED)[0].detail == {
        "reason": "provider_error",
        "error": "access_denied",
    }


def test_a_code_the_council_did_not_issue_is_refused(cast, hackney_council):
    client = Client()
    to_the_council(client, cast.hackney.coach.email)
    state = client.session["council_sign_in_pending"]["state"]
    answer = client.get(reverse("accounts:council-callback"), {"state": state, "code": "forged"})
    assert answer.status_code == 400
    assert events(AuditAction.SIGNIN_COUNCIL_REFUSED)[0].detail == {
        "reason": "answer_refused",
        "problem": "code_refused",
    }


def test_a_council_that_cannot_be_reached_is_said_plainly(cast, hackney_council):
    hackney_council.issuer = "http://127.0.0.1:9/"
    hackney_council.save()
    client = Client()
    client.post(COUNCIL_SIGN_IN, {"email": cast.hackney.coach.email})
    answer = client.get(START)
    assert answer.status_code == 503
    assert "cannot be reached" in refusal(answer)


# --- Choosing the council: by the domain of the address typed --------------------------------


def test_an_address_with_no_council_sign_in_says_so_whether_or_not_it_has_an_account(
    cast, hackney_council
):
    pages = []
    for email in (cast.southwark.coach.email, "nobody@southwark.test"):
        answer = Client().post(COUNCIL_SIGN_IN, {"email": email})
        assert answer.status_code == 400
        page = answer.content.decode()
        assert "does not sign in to Your Choice with council accounts" in page
        assert f'value="{email}"' in page  # what was typed is kept
        pages.append(page.replace(email, "EMAIL"))
    strip = [p.split('name="csrfmiddlewaretoken"')[0] for p in pages]
    assert strip[0] == strip[1]


def test_a_known_and_an_unknown_address_of_a_council_go_the_same_way(cast, hackney_council):
    known, unknown = Client(), Client()
    a = known.post(COUNCIL_SIGN_IN, {"email": cast.hackney.coach.email})
    b = unknown.post(COUNCIL_SIGN_IN, {"email": "nobody@hackney.test"})
    assert a.status_code == b.status_code == 200
    assert a.content == b.content


def test_the_sign_in_page_offers_council_sign_in_only_when_a_council_has_it(
    cast, local_provider, settings
):
    link = reverse("accounts:council-sign-in")
    assert link not in Client().get(reverse("accounts:sign-in")).content.decode()
    settings.SITE_URL = SITE
    add_provider(local_provider, cast.hackney.authority, site_url=SITE, domains=("hackney.test",))
    assert link in Client().get(reverse("accounts:sign-in")).content.decode()


def test_a_switched_off_council_signs_nobody_in_and_its_second_steps_end(
    cast, hackney_council, local_provider
):
    from accounts.council import services

    hackney_council.council_mfa_counts = True
    hackney_council.save()
    coach = cast.hackney.coach
    local_provider.account(coach.email, amr=["mfa"])
    client = Client()
    sign_in_through_council(client, coach.email)
    assert client.get(reverse("home")).status_code == 200
    hackney_council.enabled = False
    hackney_council.save()
    services.provider_saved(
        actor=cast.admin, provider=hackney_council, changed=["enabled"], created=False
    )
    assert client.get(reverse("home")).status_code == 302
    assert Client().post(COUNCIL_SIGN_IN, {"email": coach.email}).status_code == 400


# --- Signing out, at the council too --------------------------------------------------------


def test_signing_out_signs_out_at_the_council_too(cast, hackney_council, local_provider):
    import requests

    hackney_council.council_mfa_counts = True
    hackney_council.save()
    coach = cast.hackney.coach
    local_provider.account(coach.email, amr=["mfa"])
    client = Client()
    sign_in_through_council(client, coach.email)
    page = client.get(reverse("home"))
    # The sign-out button may hand over to the council's sign-out page.
    assert f"form-action 'self' {local_provider.issuer}" in page["Content-Security-Policy"]
    out = client.post(reverse("accounts:sign-out"))
    assert out.status_code == 302
    assert out["Location"].startswith(f"{local_provider.issuer}/session/end?client_id=")
    assert "id_token" not in out["Location"]  # the token holds the email: not in an address
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Fsign-in%2F" in out["Location"]
    assert client.get(reverse("home")).status_code == 302
    # The council's own page accepts the request (it knows the token and the address).
    assert requests.get(out["Location"], timeout=5).status_code == 200
    [event] = events(AuditAction.SIGNOUT_COUNCIL)
    assert event.actor_id == coach.pk and event.authority_id == cast.hackney.authority.pk


def test_a_password_sign_in_signs_out_here_only(cast, hackney_council):
    from tests.conftest import signed_in_client

    client = signed_in_client(cast.hackney.coach)
    page = client.get(reverse("home"))
    assert "form-action 'self';" in page["Content-Security-Policy"]
    out = client.post(reverse("accounts:sign-out"))
    assert out["Location"] == reverse("accounts:sign-in")
    assert events(AuditAction.SIGNOUT) and not events(AuditAction.SIGNOUT_COUNCIL)


def test_a_password_sign_in_after_a_council_step_forgets_the_council(cast, hackney_council):
    client = Client()
    sign_in_through_council(client, cast.hackney.coach.email)  # stops at the app's code
    assert "council_signed_in" in client.session
    from tests.conftest import PASSWORD

    client.post(
        reverse("accounts:sign-in"), {"email": cast.hackney.coach2.email, "password": PASSWORD}
    )
    assert "council_signed_in" not in client.session
