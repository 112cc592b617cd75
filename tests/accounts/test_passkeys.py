"""Passkeys (accounts/passkeys.py, docs/sign-in.md): added only after a full sign-in, signing in
in one step only when the phone checked its holder, never for an account switched off or
locked out, each step audited. A software authenticator plays the phone: it makes real P-256
keys and signs real assertions, so the service's checks run as they do for a phone."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django_otp_webauthn.models import WebAuthnCredential

from tests.conftest import PASSWORD, signed_in_client
from yourchoice.audit.actions import AuditAction
from yourchoice.models import AuditEvent
from yourchoice.settings import _check_passkey_settings
from yourchoice.web.middleware import IdleTimeoutMiddleware

pytestmark = pytest.mark.django_db

ORIGIN = "http://localhost:8000"  # the test settings' default (settings.py, Passkeys)
RP_ID = "localhost"
UP, UV, AT = 0x01, 0x04, 0x40


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftPasskey:
    """A phone's authenticator in software: one key pair, a signature counter."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.count = 0
        self.user_handle = b""

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin}).encode()

    def create(self, options: dict, *, verified: bool = True, origin: str = ORIGIN) -> dict:
        self.user_handle = unb64(options["user"]["id"])
        numbers = self.key.public_key().public_numbers()
        cose = cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )
        flags = UP | AT | (UV if verified else 0)
        auth_data = (
            hashlib.sha256(RP_ID.encode()).digest()
            + bytes([flags])
            + self.count.to_bytes(4, "big")
            + bytes(16)
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + cose
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "attestationObject": b64(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def get(self, options: dict, *, verified: bool = True, origin: str = ORIGIN) -> dict:
        self.count += 1
        auth_data = (
            hashlib.sha256(RP_ID.encode()).digest()
            + bytes([UP | (UV if verified else 0)])
            + self.count.to_bytes(4, "big")
        )
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
                "userHandle": b64(self.user_handle),
            },
            "clientExtensionResults": {},
        }


def post_json(client: Client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def enrol(client: Client, phone: SoftPasskey, *, name: str = "Work phone", verified=True):
    options = client.post("/your-sign-in/passkeys/options/").json()
    answer = phone.create(options, verified=verified)
    return post_json(client, "/your-sign-in/passkeys/", {"name": name, "credential": answer})


def passkey_sign_in(client: Client, phone: SoftPasskey, *, verified=True, next_url=""):
    options = client.post("/sign-in/passkey/options/").json()
    answer = phone.get(options, verified=verified)
    url = "/sign-in/passkey/" + (f"?next={next_url}" if next_url else "")
    return post_json(client, url, answer), answer


def actions(action: AuditAction) -> list:
    return list(AuditEvent.objects.filter(action=action).values_list("actor_id", "object_id"))


def enrolled(user) -> SoftPasskey:
    phone = SoftPasskey()
    response = enrol(signed_in_client(user), phone)
    assert response.status_code == 200, response.content
    return phone


def test_a_passkey_added_after_a_full_sign_in_then_signs_in_alone_as_both_factors(cast):
    coach = cast.hackney.coach
    client = signed_in_client(coach)
    options = client.post("/your-sign-in/passkeys/options/").json()
    # The phone must check its holder, and keep the passkey so no account name is typed.
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    phone = SoftPasskey()
    answer = phone.create(options)
    response = post_json(
        client, "/your-sign-in/passkeys/", {"name": " Work  phone ", "credential": answer}
    )
    assert response.json() == {"redirect": "/your-sign-in/"}
    passkey = WebAuthnCredential.objects.get(user=coach)
    assert passkey.name == "Work phone"
    assert actions(AuditAction.SIGNIN_PASSKEY_ADDED) == [(coach.pk, passkey.pk)]
    page = client.get("/your-sign-in/")
    assert b"Work phone" in page.content and b"Not used yet" in page.content

    fresh = Client()
    options = fresh.post("/sign-in/passkey/options/").json()
    assert options["userVerification"] == "required"
    assert options.get("allowCredentials", []) == []  # names no account
    response, _ = passkey_sign_in(fresh, phone, next_url="/your-sign-in/")
    assert response.status_code == 200
    assert response.json() == {"redirect": "/your-sign-in/"}
    assert fresh.get("/").status_code == 200  # verified: the home page, not the sign-in page
    assert actions(AuditAction.SIGNIN_PASSKEY) == [(coach.pk, None)]
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert "yc_known_browser" in response.cookies


def test_adding_a_passkey_needs_a_full_sign_in(cast):
    coach = cast.hackney.coach
    half = Client()
    response = half.post("/sign-in/", {"email": coach.email, "password": PASSWORD})
    assert response.status_code == 302  # on to the code step
    assert half.post("/your-sign-in/passkeys/options/").status_code == 302
    assert half.get("/your-sign-in/").status_code == 302
    assert not WebAuthnCredential.objects.exists()


def test_a_phone_that_did_not_check_its_holder_cannot_add_a_passkey(cast):
    client = signed_in_client(cast.hackney.coach)
    response = enrol(client, SoftPasskey(), verified=False)
    assert response.status_code == 400
    assert "checks it is you" in response.json()["errors"][""][0]
    assert not WebAuthnCredential.objects.exists()
    assert actions(AuditAction.SIGNIN_PASSKEY_ADDED) == []


def test_a_passkey_needs_a_name(cast):
    response = enrol(signed_in_client(cast.hackney.coach), SoftPasskey(), name="  ")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "name": ["Enter a name for this passkey, such as Work phone"]
    }
    assert not WebAuthnCredential.objects.exists()


def test_an_answer_without_the_holder_checked_does_not_sign_in(cast):
    coach = cast.hackney.coach
    phone = enrolled(coach)
    client = Client()
    response, _ = passkey_sign_in(client, phone, verified=False)
    assert response.status_code == 400
    assert "cannot sign you in" in response.json()["detail"]
    assert client.get("/").status_code == 302
    assert actions(AuditAction.SIGNIN_PASSKEY_FAILED) == [(None, coach.pk)]
    assert actions(AuditAction.SIGNIN_PASSKEY) == []


def test_an_answer_cannot_be_replayed_nor_come_from_another_site(cast):
    phone = enrolled(cast.hackney.coach)
    client = Client()
    response, answer = passkey_sign_in(client, phone)
    assert response.status_code == 200
    again = Client()
    again.post("/sign-in/passkey/options/")
    assert post_json(again, "/sign-in/passkey/", answer).status_code == 400
    # Its own challenge, but signed for another origin (a look-alike site relaying it).
    options = again.post("/sign-in/passkey/options/").json()
    elsewhere = phone.get(options, origin="https://yourchoice.example.net")
    assert post_json(again, "/sign-in/passkey/", elsewhere).status_code == 400
    # No challenge in the session at all.
    assert (
        post_json(Client(), "/sign-in/passkey/", phone.get({"challenge": "x"})).status_code == 400
    )


def test_a_switched_off_account_cannot_sign_in_with_its_passkey(cast):
    coach = cast.hackney.coach
    phone = enrolled(coach)
    coach.is_active = False
    coach.save(update_fields=["is_active"])
    client = Client()
    response, _ = passkey_sign_in(client, phone)
    assert response.status_code == 400
    assert client.get("/").status_code == 302
    assert actions(AuditAction.SIGNIN_PASSKEY_FAILED) == [(None, coach.pk)]


def test_a_locked_out_account_stays_locked_for_its_passkey(cast, settings):
    coach = cast.hackney.coach
    phone = enrolled(coach)
    guesser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        guesser.post("/sign-in/", {"email": coach.email, "password": "wrong-password-here"})
    client = Client()
    response, _ = passkey_sign_in(client, phone)
    assert response.status_code == 429
    assert "Sign-in paused" in response.json()["detail"]
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(
        action=AuditAction.SIGNIN_LOCKED_OUT, object_id=coach.pk
    ).exists()
    assert actions(AuditAction.SIGNIN_PASSKEY) == []


def test_removing_a_passkey_asks_first_and_it_signs_in_no_more(cast):
    coach = cast.hackney.coach
    phone = enrolled(coach)
    passkey = WebAuthnCredential.objects.get(user=coach)
    client = signed_in_client(coach)  # signed in with the app, not this passkey
    page = client.get(f"/your-sign-in/passkeys/{passkey.pk}/remove/")
    assert page.status_code == 200 and b"Remove this passkey?" in page.content
    response = client.post(f"/your-sign-in/passkeys/{passkey.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == "/your-sign-in/"
    assert not WebAuthnCredential.objects.exists()
    assert actions(AuditAction.SIGNIN_PASSKEY_REMOVED) == [(coach.pk, passkey.pk)]
    assert client.get("/").status_code == 200  # still signed in with the app
    response, _ = passkey_sign_in(Client(), phone)
    assert response.status_code == 400


def test_removing_the_passkey_a_sign_in_used_ends_that_sign_in(cast):
    coach = cast.hackney.coach
    phone = enrolled(coach)
    client = Client()
    passkey_sign_in(client, phone)
    passkey = WebAuthnCredential.objects.get(user=coach)
    response = client.post(f"/your-sign-in/passkeys/{passkey.pk}/remove/")
    assert response.status_code == 302 and response["Location"] == "/sign-in/"
    assert client.get("/").status_code == 302


def test_nobody_reaches_anothers_passkey(cast):
    enrolled(cast.hackney.coach)
    passkey = WebAuthnCredential.objects.get()
    other = signed_in_client(cast.hackney.coach2)
    assert other.get(f"/your-sign-in/passkeys/{passkey.pk}/remove/").status_code == 404
    assert other.post(f"/your-sign-in/passkeys/{passkey.pk}/remove/").status_code == 404
    assert WebAuthnCredential.objects.exists()
    assert b'data-testid="passkeys"' not in other.get("/your-sign-in/").content


def test_every_page_links_to_your_sign_in(cast):
    page = signed_in_client(cast.evaluator).get("/")
    assert b'href="/your-sign-in/"' in page.content


def test_a_sign_in_ends_after_its_maximum_however_busy(cast, settings):
    client = signed_in_client(cast.hackney.coach)
    assert client.get("/").status_code == 200
    session = client.session
    assert IdleTimeoutMiddleware.STARTED_KEY in session
    session[IdleTimeoutMiddleware.STARTED_KEY] = (
        int(time.time()) - settings.SESSION_MAX_HOURS * 3600 - 1
    )
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("rp_id", "origins"),
    [
        ("127.0.0.1", ["http://127.0.0.1:8000"]),
        ("yourchoice.example.org", ["https://elsewhere.example.net"]),
    ],
)
def test_passkey_settings_refuse_an_address_or_an_origin_off_the_site(rp_id, origins):
    with pytest.raises(ImproperlyConfigured):
        _check_passkey_settings(rp_id, origins)


def test_passkey_settings_accept_the_site_and_its_subdomains():
    _check_passkey_settings("example.org", ["https://example.org", "https://yc.example.org"])
    _check_passkey_settings("localhost", ["http://localhost:8000"])
