"""A real OpenID Connect provider for the tests of council sign-in: devtools/oidc_provider.mjs
(npm oidc-provider) run by Node on a free port, once per test session.

Each test registers a client of its own (dynamic registration, RFC 7591) and adds it as an
authority's provider, so what one test tells the provider (an unverified email, a wrong
audience) touches no other test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from accounts.council.secrets import seal
from accounts.models import Authority, CouncilEmailDomain, CouncilIdentityProvider

SCRIPT = Path(__file__).resolve().parents[1] / "devtools" / "oidc_provider.mjs"


@dataclass
class LocalProvider:
    issuer: str
    process: subprocess.Popen[str]

    def register(self, *, redirect_uri: str, post_logout_uri: str) -> tuple[str, str]:
        """A new client of the provider: (client id, client secret)."""
        answer = requests.post(
            f"{self.issuer}/reg",
            json={
                "redirect_uris": [redirect_uri],
                "post_logout_redirect_uris": [post_logout_uri],
                "token_endpoint_auth_method": "client_secret_basic",
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
            },
            timeout=5,
        )
        answer.raise_for_status()
        body = answer.json()
        return body["client_id"], body["client_secret"]

    def account(self, login_hint: str, **claims: object) -> None:
        """The claims that account's sign-ins carry from now on (email_verified, amr, acr,
        or an email other than the login hint)."""
        self._control("accounts", {"login_hint": login_hint, **claims})

    def misbehave(self, client_id: str, **changes: object) -> None:
        """Re-sign that client's ID tokens with another aud or iss, or already expired."""
        self._control("clients", {"client_id": client_id, **changes})

    def reset(self) -> None:
        """Forget every account's claims and every client's misbehaviour."""
        self._control("reset", {})

    def _control(self, what: str, body: dict[str, Any]) -> None:
        requests.post(f"{self.issuer}/control/{what}", json=body, timeout=5).raise_for_status()


def start_provider() -> Iterator[LocalProvider]:
    node = shutil.which("node")
    assert node is not None, "council sign-in tests need Node.js (the provider runs on it)"
    process = subprocess.Popen(
        [node, str(SCRIPT), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, "the local OpenID Connect provider did not start"
        yield LocalProvider(issuer=json.loads(line)["issuer"], process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)


def add_provider(
    local: LocalProvider,
    authority: Authority,
    *,
    site_url: str,
    domains: tuple[str, ...],
    **settings: object,
) -> CouncilIdentityProvider:
    """A client registered with the local provider, set up as the authority's provider the way
    the administrator does, with the service's callback and sign-in page as its addresses."""
    client_id, secret = local.register(
        redirect_uri=f"{site_url}/sign-in/council/callback/",
        post_logout_uri=f"{site_url}/sign-in/",
    )
    provider = CouncilIdentityProvider.objects.create(
        authority=authority,
        issuer=local.issuer,
        client_id=client_id,
        client_secret_sealed=seal(secret),
        **settings,
    )
    for domain in domains:
        CouncilEmailDomain.objects.create(provider=provider, domain=domain)
    return provider


def through_provider(url: str, *, back_to: str) -> str:
    """Follow the provider's redirects from the authorization request, as a browser would,
    until it sends the browser back to the service; return that address (path and query)."""
    browser = requests.Session()
    for _ in range(10):
        answer = browser.get(url, allow_redirects=False, timeout=5)
        location = answer.headers.get("Location", "")
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:300])
        if location.startswith(back_to):
            parts = urlsplit(location)
            return f"{parts.path}?{parts.query}"
        url = location if location.startswith("http") else requests.compat.urljoin(url, location)
    raise AssertionError("the provider never sent the browser back")
