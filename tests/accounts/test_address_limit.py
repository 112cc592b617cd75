"""Spraying from one address is paced, without locking out everyone behind it (docs/sign-in.md)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client, override_settings
from django.urls import reverse

from accounts import address_limit
from accounts.models import Role
from tests.conftest import PASSWORD, make_user
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")
OFFICE = "203.0.113.7"  # one council office's shared (NAT) address
LIMIT = 10


@pytest.fixture(autouse=True)
def address_limit_on(monkeypatch):
    # Every test here counts failures from the same address in the one Redis: parallel test
    # processes (pytest-xdist) each count under a prefix of their own, their jobs' prefix
    # (yourchoice/test_settings.py), so one process's failures never add to another's.
    monkeypatch.setattr(
        address_limit, "KEY_PREFIX", f"{settings.JOB_KEY_PREFIX}{address_limit.KEY_PREFIX}"
    )
    client = address_limit._redis()

    def clear() -> None:
        for key in client.scan_iter(f"{address_limit.KEY_PREFIX}*{OFFICE}"):
            client.delete(key)

    clear()
    with override_settings(
        SIGN_IN_ADDRESS_ACCOUNT_LIMIT=LIMIT,
        SIGN_IN_ADDRESS_WINDOW_MINUTES=15,
        SIGN_IN_ADDRESS_PACE_SECONDS=10,
    ):
        yield
    clear()


SPRAYED = "Summer2026!"  # the common password a spray tries on every account


def attempt(email: str, password: str = SPRAYED, client: Client | None = None):
    client = client or Client(REMOTE_ADDR=OFFICE)
    return client.post(SIGN_IN, {"email": email, "password": password})


def spray(cast, accounts: int = 16, rounds: int = 4) -> list[int]:
    emails = [
        make_user(f"staff{n}@hackney.test", f"Staff {n}", Role.COACH, team=cast.hackney.team).email
        for n in range(accounts)
    ]
    return [attempt(email).status_code for _ in range(rounds) for email in emails]


def test_spraying_many_accounts_from_one_address_is_paced_and_audited(cast):
    answers = spray(cast)
    # The first LIMIT failures are answered as usual; from then on the address gets one
    # checked attempt per pace, and the rest are paused unchecked.
    assert answers[:LIMIT] == [400] * LIMIT
    assert answers[LIMIT] == 400  # the first turn once limited
    assert set(answers[LIMIT + 1 :]) == {429}
    (event,) = AuditEvent.objects.filter(action="signin.address_limited")
    assert event.ip_address == OFFICE and event.detail["accounts"] == LIMIT


def test_the_paused_answer_says_nothing_about_the_account(cast):
    spray(cast, rounds=1)
    real = attempt(cast.hackney.coach.email, PASSWORD)
    unknown = attempt("nobody@nowhere.test", PASSWORD)
    wrong = attempt(cast.hackney.coach.email, "wrong-password")
    assert real.status_code == unknown.status_code == wrong.status_code == 429
    assert real.content == unknown.content == wrong.content
    assert "Sign-in paused" in real.content.decode()


def test_staff_behind_the_same_address_still_sign_in_from_their_own_browsers(cast):
    # The coach signed in from this browser before: it carries the signed cookie of that.
    browser = Client(REMOTE_ADDR=OFFICE)
    browser.cookies[address_limit.KNOWN_BROWSER_COOKIE] = signing.dumps(
        address_limit._account_hash(cast.hackney.coach.email), salt=address_limit.KNOWN_BROWSER_SALT
    )
    spray(cast, rounds=2)
    assert attempt(cast.hackney.coach.email, PASSWORD, browser).status_code == 302
    # A typo from that browser gets the usual answer, not a pause.
    assert attempt(cast.hackney.coach.email, "typo", browser).status_code == 400
    # The cookie is for that account only.
    assert attempt(cast.hackney.coach2.email, PASSWORD, browser).status_code == 429


def test_a_new_browser_with_the_right_password_gets_in_on_its_turn(cast):
    spray(cast, rounds=1)
    # The pace has passed: the next attempt from the address is checked, and the right
    # password gets through.
    address_limit._redis().delete(f"{address_limit.KEY_PREFIX}turn:{OFFICE}")
    assert attempt(cast.hackney.coach.email, PASSWORD).status_code == 302


def test_a_full_sign_in_makes_the_browser_known(cast):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=cast.hackney.coach, name="App", confirmed=True)
    browser = Client(REMOTE_ADDR=OFFICE)
    attempt(cast.hackney.coach.email, PASSWORD, browser)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    done = browser.post(reverse("accounts:code"), {"code": f"{code:06d}"})
    assert done.status_code == 302
    cookie = done.cookies[address_limit.KNOWN_BROWSER_COOKIE]
    assert cookie["httponly"] and cast.hackney.coach.email not in cookie.value
    browser.post(reverse("accounts:sign-out"))
    spray(cast, rounds=2)
    assert attempt(cast.hackney.coach.email, PASSWORD, browser).status_code == 302


def test_sign_in_goes_on_when_redis_cannot_be_reached(cast, monkeypatch):
    import time

    down = address_limit.client_for("redis://127.0.0.1:1/0")
    monkeypatch.setattr(address_limit, "_redis", lambda: down)
    started = time.monotonic()
    assert set(spray(cast, accounts=12, rounds=1)) == {400}
    assert attempt(cast.hackney.coach.email, PASSWORD).status_code == 302
    assert time.monotonic() - started < 12  # no retrying: each attempt goes straight on
