"""What every benchmark step shares: the anchor accounts, signed-in clients, and a JSON answer on
stdout for bench.run to collect. Steps run through `python -m bench <step>` (Django set up)."""

from __future__ import annotations

import json
import statistics
import sys

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from devtools import demo, demo_scale

#: Who each benchmark acts as: the anchors of devtools/demo_scale.py and the demo's leads.
PEOPLE = {
    "coach": demo_scale.ANCHOR_COACH,
    "supervisor": demo_scale.ANCHOR_SUPERVISOR,
    "lead": demo.demo_email("lead"),  # Hackney's borough lead
    "programme": demo.demo_email("programme"),
}


def person(key: str) -> User:
    return User.objects.get(email=PEOPLE[key])


def signed_in(user: User) -> Client:
    """A client past both sign-in steps, as a browser is after password and authenticator."""
    client = Client()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    assert device is not None, f"{user.email} has no authenticator"
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def answer(result: dict) -> None:
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
