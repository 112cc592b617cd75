"""Two-factor sign-in, lockout, idle timeout, no account enumeration (docs/programme.md X3)."""

from __future__ import annotations

import re
from base64 import b32decode
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD, sign_in_link
from yourchoice.models import AuditEvent

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign-in")


def password_step(client: Client, email: str, password: str = PASSWORD):
    return client.post(SIGN_IN, {"email": email, "password": password})


def current_code(device: TOTPDevice) -> str:
    return (
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    )


def test_unknown_email_and_wrong_password_get_the_same_answer(cast):
    unknown = password_step(Client(), "nobody@nowhere.test")
    wrong = password_step(Client(), cast.hackney.coach.email, "wrong-password")
    assert unknown.status_code == wrong.status_code == 400
    for response in (unknown, wrong):
        assert "Enter a correct email address and password." in response.content.decode()
    assert AuditEvent.objects.filter(action="signin.failed").count() == 2


def test_the_form_keeps_the_email_typed(cast):
    response = password_step(Client(), cast.hackney.coach.email, "wrong-password")
    assert f'value="{cast.hackney.coach.email}"' in response.content.decode()


def test_password_alone_reaches_nothing(cast):
    client = Client()
    TOTPDevice.objects.create(user=cast.hackney.coach, name="app", confirmed=True)
    response = password_step(client, cast.hackney.coach.email)
    assert response["Location"] == reverse("accounts:code")
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"].startswith(SIGN_IN)


def test_the_code_completes_sign_in(cast, monkeypatch):
    client = Client()
    device = TOTPDevice.objects.create(user=cast.hackney.coach, name="app", confirmed=True)
    password_step(client, cast.hackney.coach.email)
    wrong = client.post(
        reverse("accounts:code"),
        {"code": "000000" if current_code(device) != "000000" else "111111"},
    )
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    # Straight after a wrong code the app throttles guesses; a moment later it accepts.
    throttled = client.post(reverse("accounts:code"), {"code": current_code(device)})
    assert "Too many wrong codes" in throttled.content.decode()
    later = timezone.now() + timedelta(seconds=5)
    monkeypatch.setattr("django_otp.models.timezone.now", lambda: later)
    response = client.post(reverse("accounts:code"), {"code": current_code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(
        action="signin.succeeded", actor_id=cast.hackney.coach.pk
    ).exists()


def test_without_a_link_the_password_alone_cannot_set_up_an_app(cast):
    """An account with no second factor yet is not set up by whoever signs in to it first:
    only a browser that followed the account's emailed link may (accounts/people/links.py)."""
    client = Client()
    response = password_step(client, cast.hackney.coach.email)
    assert response["Location"] == reverse("accounts:set-up")
    page = client.get(reverse("accounts:set-up"))
    assert page.status_code == 403
    assert "Use the link in your email" in page.content.decode()
    assert "<svg" not in page.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.hackney.coach).exists()
    assert client.post(reverse("accounts:set-up"), {"code": "123456"}).status_code == 403
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.filter(
        action="signin.set_up_refused", object_id=cast.hackney.coach.pk
    ).exists()


def test_first_sign_in_sets_up_the_app_with_qr_code_and_key(cast):
    client = Client()
    url = sign_in_link(cast.hackney.coach)
    assert client.get(url).status_code == 200
    # The account has a password: the link asks for it, and goes on to set up the app.
    response = client.post(url, {"password": PASSWORD})
    assert response["Location"] == reverse("accounts:set-up")
    page = client.get(reverse("accounts:set-up"))
    body = page.content.decode()
    assert "<svg" in body and "QR code for your authenticator app" in body
    device = TOTPDevice.objects.get(user=cast.hackney.coach)
    assert not device.confirmed
    key = page.context["manual_key"].replace(" ", "")
    assert b32decode(key) == device.bin_key
    response = client.post(reverse("accounts:set-up"), {"code": current_code(device)})
    assert response["Location"] == reverse("home")
    device.refresh_from_db()
    assert device.confirmed


def test_lockout_after_repeated_failures_even_with_the_right_password(cast):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(client, cast.hackney.coach.email, "wrong-password")
    locked = password_step(client, cast.hackney.coach.email)
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    # An unknown address locks the same way: no hint that an account exists.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        password_step(client, "nobody@nowhere.test", "wrong-password")
    assert password_step(client, "nobody@nowhere.test").status_code == 429


def test_idle_timeout(cast, client_for):
    client = client_for(cast.hackney.coach)
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60


def test_the_idle_timeout_slides_with_use_without_a_write_on_every_request(cast, client_for):
    from django.contrib.sessions.models import Session

    from yourchoice.web.middleware import IdleTimeoutMiddleware

    client = client_for(cast.hackney.coach)
    client.get(reverse("home"))
    key = client.session.session_key
    first = Session.objects.get(pk=key).expire_date
    client.get(reverse("home"))
    assert Session.objects.get(pk=key).expire_date == first  # within the minute: not written
    # A minute later the next request moves the expiry on.
    session = client.session
    session[IdleTimeoutMiddleware.KEY] -= IdleTimeoutMiddleware.REFRESH_SECONDS
    session.save()
    client.get(reverse("home"))
    assert Session.objects.get(pk=key).expire_date > first
    # An expired session signs the person out.
    Session.objects.filter(pk=key).update(expire_date=first.replace(year=2000))
    assert client.get(reverse("home")).status_code == 302


def test_sign_out(cast, client_for):
    client = client_for(cast.hackney.coach)
    client.post(reverse("accounts:sign-out"))
    assert client.get(reverse("home")).status_code == 302


def run_waiting_jobs() -> None:
    """What a worker would do with the jobs the requests queued, here and now."""
    from celery import current_app

    from yourchoice.models import OutboxJob

    for job in OutboxJob.objects.order_by("pk"):
        current_app.tasks[job.task].apply(args=job.args).get()
        job.delete()


def test_password_reset_answers_the_same_and_emails_only_real_accounts(cast):
    url = reverse("accounts:password-reset")
    real = Client().post(url, {"email": cast.hackney.coach.email})
    unknown = Client().post(url, {"email": "nobody@nowhere.test"})
    assert real.status_code == unknown.status_code == 302
    assert real["Location"] == unknown["Location"]
    run_waiting_jobs()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [cast.hackney.coach.email]
    assert "/password-reset/" in message.body
    # No names in the email: it says nothing about the person or their work.
    assert cast.hackney.coach.full_name not in message.body


def test_password_reset_does_the_same_work_for_a_real_and_an_unknown_address(cast):
    """The email is built and sent by a worker: in the request, a real address and an unknown
    one run the same queries and queue one job each, so timing cannot tell them apart."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from yourchoice.models import OutboxJob

    url = reverse("accounts:password-reset")
    Client().post(url, {"email": "warm-up@nowhere.test"})
    OutboxJob.objects.all().delete()
    work = {}
    for name, email in (("real", cast.hackney.coach.email), ("unknown", "nobody@nowhere.test")):
        with CaptureQueriesContext(connection) as captured:
            response = Client().post(url, {"email": email})
        assert response.status_code == 302
        # The statements, without their values and savepoint names.
        work[name] = [
            re.sub(r'"s\d+_x\d+"| (WHERE|VALUES) .*', "", q["sql"])
            for q in captured.captured_queries
        ]
    assert work["real"] == work["unknown"]
    assert not mail.outbox  # nothing sent in the request
    assert OutboxJob.objects.filter(task="accounts.tasks.send_password_reset").count() == 2
    run_waiting_jobs()
    assert [m.to for m in mail.outbox] == [[cast.hackney.coach.email]]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    assert link.startswith(settings.SITE_URL)
    # The link works: it opens the page to choose a new password.
    assert Client().get(link[len(settings.SITE_URL) :], follow=True).status_code == 200


def test_next_is_kept_through_both_steps_but_only_for_our_own_pages(cast):
    client = Client()
    device = TOTPDevice.objects.create(user=cast.hackney.coach, name="app", confirmed=True)
    client.post(
        f"{SIGN_IN}?next=https://evil.example/",
        {"email": cast.hackney.coach.email, "password": PASSWORD},
    )
    response = client.post(reverse("accounts:code"), {"code": current_code(device)})
    assert response["Location"] == reverse("home")
