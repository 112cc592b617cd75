"""The OpenID Connect client: the authorization code flow with PKCE, against any council's
provider, read from its discovery document at the time of use (so a provider added or changed in
the admin works at the next sign-in, without a restart).

authlib builds the authorization request (PKCE S256) and redeems the code at the token endpoint;
joserfc checks the ID token's signature against the provider's published keys, and authlib's
`CodeIDToken` checks its claims as OpenID Connect Core 3.1.3.7 asks: the issuer, the audience
and authorised party, the expiry and issue time, and the nonce. What the service then does with
a checked token (which account, whether the council's second step counts) is decided in
accounts/council/services.py, not here.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet

#: Asymmetric algorithms only: an HMAC-signed ID token would be signed with the client secret,
#: which the service also holds, and "none" is not a signature.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
# Only what matching needs, the verified email: nothing here reads a name ("profile").
SCOPE = "openid email"
#: Discovery documents and keys are kept this long in each process; unknown keys are fetched
#: again at once (a provider rotating its keys).
CACHE_SECONDS = 300


class Problem(StrEnum):
    """What was wrong with a provider's answer, as the audit trail records it."""

    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    EXPIRED = "expired"
    NONCE = "nonce"
    BAD_SIGNATURE = "bad_signature"
    CODE_REFUSED = "code_refused"
    USERINFO_MISMATCH = "userinfo_mismatch"
    MALFORMED = "malformed"


class ProviderUnavailable(Exception):
    """The provider could not be reached, or its configuration cannot be used."""


class AnswerRefused(Exception):
    """The provider's answer does not prove a sign-in for this service."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Metadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str
    end_session_endpoint: str
    token_auth_methods: tuple[str, ...]
    signing_algorithms: tuple[str, ...]


@dataclass(frozen=True)
class Started:
    """An authorization request: where to send the browser, and what the callback needs."""

    url: str
    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class SignedIn:
    """A checked ID token's claims, the token itself (for signing out at the provider), and
    the access token (for the userinfo answer, when the ID token lacks the email)."""

    claims: dict[str, Any]
    id_token: str
    access_token: str


_metadata: dict[str, tuple[float, Metadata]] = {}
_keys: dict[str, tuple[float, KeySet]] = {}


def _check_address(url: str, what: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme == "https" or (scheme == "http" and settings.COUNCIL_SIGN_IN_ALLOW_HTTP):
        return url
    raise ProviderUnavailable(f"{what} is not an https address")


def _get_json(url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=settings.COUNCIL_SIGN_IN_TIMEOUT_SECONDS, **kwargs)
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(type(error).__name__) from error
    if not isinstance(body, dict):
        raise ProviderUnavailable("not a JSON object")
    return body


def metadata(issuer: str) -> Metadata:
    """The provider's discovery document (OpenID Connect Discovery 1.0), checked: it must name
    the same issuer it was fetched for, and every address in it must be https."""
    cached = _metadata.get(issuer)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    _check_address(issuer, "the issuer")
    doc = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if doc.get("issuer") != issuer:
        raise ProviderUnavailable("the discovery document names another issuer")
    try:
        found = Metadata(
            issuer=issuer,
            authorization_endpoint=_check_address(
                str(doc["authorization_endpoint"]), "authorization"
            ),
            token_endpoint=_check_address(str(doc["token_endpoint"]), "token"),
            jwks_uri=_check_address(str(doc["jwks_uri"]), "keys"),
            userinfo_endpoint=_check_address(str(doc["userinfo_endpoint"]), "userinfo")
            if doc.get("userinfo_endpoint")
            else "",
            end_session_endpoint=_check_address(str(doc["end_session_endpoint"]), "sign-out")
            if doc.get("end_session_endpoint")
            else "",
            token_auth_methods=tuple(doc.get("token_endpoint_auth_methods_supported") or ()),
            signing_algorithms=tuple(doc.get("id_token_signing_alg_values_supported") or ()),
        )
    except KeyError as error:
        raise ProviderUnavailable(f"the discovery document has no {error}") from error
    _metadata[issuer] = (time.monotonic() + CACHE_SECONDS, found)
    return found


def _key_set(meta: Metadata, *, fresh: bool = False) -> KeySet:
    cached = _keys.get(meta.jwks_uri)
    if not fresh and cached is not None and cached[0] > time.monotonic():
        return cached[1]
    try:
        keys = KeySet.import_key_set(_get_json(meta.jwks_uri))  # type: ignore[arg-type]  # a JWKS object, checked by import
    except (JoseError, ValueError, TypeError) as error:
        raise ProviderUnavailable("its keys cannot be read") from error
    _keys[meta.jwks_uri] = (time.monotonic() + CACHE_SECONDS, keys)
    return keys


def start(*, issuer: str, client_id: str, redirect_uri: str, login_hint: str = "") -> Started:
    """The authorization request for one sign-in, with a fresh state, nonce and PKCE verifier.
    The caller keeps the three in the person's session, for the callback only."""
    meta = metadata(issuer)
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    client = OAuth2Session(
        client_id=client_id, redirect_uri=redirect_uri, scope=SCOPE, code_challenge_method="S256"
    )
    extra = {"login_hint": login_hint} if login_hint else {}
    url, _ = client.create_authorization_url(
        meta.authorization_endpoint, state=state, code_verifier=verifier, nonce=nonce, **extra
    )
    return Started(url=url, state=state, nonce=nonce, verifier=verifier)


def _problem_of(error: ClaimError) -> Problem:
    if isinstance(error, ExpiredTokenError):
        return Problem.EXPIRED
    return {
        "iss": Problem.WRONG_ISSUER,
        "aud": Problem.WRONG_AUDIENCE,
        "azp": Problem.WRONG_AUDIENCE,
        "nonce": Problem.NONCE,
        "iat": Problem.EXPIRED,
        "nbf": Problem.EXPIRED,
    }.get(error.claim, Problem.MALFORMED)


def check_id_token(
    id_token: str, *, meta: Metadata, client_id: str, nonce: str, access_token: str = ""
) -> dict[str, Any]:
    """The ID token's claims, once its signature and claims are checked. Raises AnswerRefused."""
    algorithms = [a for a in meta.signing_algorithms if a in SIGNING_ALGORITHMS] or ["RS256"]
    try:
        try:
            token = jwt.decode(id_token, _key_set(meta), algorithms=algorithms)
        except InvalidKeyIdError:
            token = jwt.decode(id_token, _key_set(meta, fresh=True), algorithms=algorithms)
    except BadSignatureError as error:
        raise AnswerRefused(Problem.BAD_SIGNATURE) from error
    except (JoseError, ValueError, TypeError) as error:
        raise AnswerRefused(Problem.MALFORMED) from error
    claims = CodeIDToken(
        token.claims,
        token.header,
        options={
            "iss": {"essential": True, "value": meta.issuer},
            "aud": {"essential": True, "value": client_id},
        },
        params={"nonce": nonce, "client_id": client_id, "access_token": access_token},
    )
    try:
        claims.validate(leeway=settings.COUNCIL_SIGN_IN_CLOCK_LEEWAY_SECONDS)
    except ClaimError as error:
        raise AnswerRefused(_problem_of(error)) from error
    except (JoseError, ValueError, TypeError) as error:
        raise AnswerRefused(Problem.MALFORMED) from error
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise AnswerRefused(Problem.MALFORMED)
    return dict(claims)


def finish(
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    verifier: str,
    nonce: str,
) -> SignedIn:
    """Redeem the code (with the PKCE verifier and the client's secret) and check the ID token.
    Raises AnswerRefused for an answer that proves nothing, ProviderUnavailable otherwise."""
    meta = metadata(issuer)
    method = (
        "client_secret_post"
        if meta.token_auth_methods and "client_secret_basic" not in meta.token_auth_methods
        else "client_secret_basic"
    )
    client = OAuth2Session(
        client_id=client_id,
        client_secret=client_secret,
        token_endpoint_auth_method=method,
        redirect_uri=redirect_uri,
    )
    try:
        token = client.fetch_token(
            meta.token_endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            timeout=settings.COUNCIL_SIGN_IN_TIMEOUT_SECONDS,
        )
    except AuthlibBaseError as error:
        # The token endpoint's own refusal (invalid_grant: a code it did not issue, or one
        # already used, or a verifier that does not match).
        raise AnswerRefused(Problem.CODE_REFUSED) from error
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(type(error).__name__) from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise AnswerRefused(Problem.MALFORMED)
    access_token = str(token.get("access_token") or "")
    claims = check_id_token(
        id_token, meta=meta, client_id=client_id, nonce=nonce, access_token=access_token
    )
    return SignedIn(claims=claims, id_token=id_token, access_token=access_token)


def userinfo(*, issuer: str, access_token: str, subject: str) -> dict[str, Any]:
    """The userinfo answer, which must be about the ID token's subject (OpenID Connect Core
    5.3.2: otherwise it could be another person's)."""
    meta = metadata(issuer)
    if not meta.userinfo_endpoint or not access_token:
        return {}
    info = _get_json(meta.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"})
    if info.get("sub") != subject:
        raise AnswerRefused(Problem.USERINFO_MISMATCH)
    return info


def end_session_url(*, issuer: str, client_id: str, post_logout_redirect_uri: str) -> str:
    """Where to send the browser to sign out at the provider too (RP-Initiated Logout 1.0),
    or "" when the provider offers no such address or cannot be reached. The client is named by
    its id, not by an ID token hint: the token holds the person's email, and an address is no
    place for personal data (browser history, the provider's logs)."""
    try:
        endpoint = metadata(issuer).end_session_endpoint
    except ProviderUnavailable:
        return ""
    if not endpoint:
        return ""
    query = urlencode(
        {
            "client_id": client_id,
            "post_logout_redirect_uri": post_logout_redirect_uri,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


def origin_of(url: str) -> str:
    """The scheme, host and port of an address ("" for none)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
