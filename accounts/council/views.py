"""Signing in with a council account (X7): the pages of the OpenID Connect code flow.

1. "Sign in with your council account": the person types their work email address; its domain
   names the council. The answer depends on the domain alone, never on whether an account
   exists, so the page tells nobody which accounts there are.
2. "Continue to <council>'s sign-in": a link, not a form, to the start of the flow, which sends
   the browser on to the council. (A form could not: browsers hold a form and every redirect
   after it to the page's Content-Security-Policy form-action, which names only this site.)
3. The council sends the browser back to the callback with a code. The request in progress is
   taken out of the session first, so its state can be used once only; the code is redeemed
   with the PKCE verifier, the ID token checked (accounts/council/oidc.py), and the account
   found by the rules in accounts/council/services.py. Then either the council's own second
   step counts (a per-authority setting, read from the token's amr or acr) and the person is
   signed in, or the service's own second step follows, exactly as after a password.

Every refusal is audited and answered with a plain page saying what to do.
"""

from __future__ import annotations

import re
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET, require_http_methods

from accounts.council import oidc, services
from accounts.council import signed_in as council_session
from accounts.council.secrets import SecretUnreadable, unseal
from accounts.council.services import CouncilRefused, Refusal
from accounts.forms import CouncilEmailForm
from accounts.models import CouncilIdentityProvider, User
from accounts.views import complete_sign_in, paused_page, refused_while_locked, second_step
from yourchoice import audit
from yourchoice.audit.actions import AuditAction

NO_COUNCIL = (
    "Your council does not sign in to Your Choice with council accounts. Sign in with your "
    "email address and password instead."
)
#: What of a provider's error code is kept (its own words are not: they are free text).
_ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")


def _verified(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.user.is_verified())  # type: ignore[attr-defined]  # set by django-otp's middleware


def redirect_uri() -> str:
    """The callback address every council's provider must have registered for this service."""
    return settings.SITE_URL + reverse("accounts:council-callback")


def _refused(
    request: HttpRequest,
    refusal: Refusal,
    *,
    provider: CouncilIdentityProvider | None = None,
    account: User | None = None,
    email: str = "",
    **detail: Any,
) -> HttpResponse:
    """Audit the refusal (against the account, when the council named one of ours; otherwise
    with only a hint of the address) and say plainly what to do."""
    if account is None and email:
        detail["email_hint"] = audit.email_hint(email)
    audit.record(
        actor=None,
        action=AuditAction.SIGNIN_COUNCIL_REFUSED,
        obj=account,
        authority_id=provider.authority_id if provider is not None else None,
        reason=refusal.value,
        **detail,
    )
    status, message = services.MESSAGES[refusal]
    return render(request, "accounts/council_refused.html", {"message": message}, status=status)


def _provider(pk: object) -> CouncilIdentityProvider | None:
    """The switched-on provider a session names, or None."""
    if not isinstance(pk, int):
        return None
    return (
        CouncilIdentityProvider.objects.select_related("authority")
        .filter(pk=pk, enabled=True)
        .first()
    )


@require_http_methods(["GET", "POST"])
def council_sign_in(request: HttpRequest) -> HttpResponse:
    if _verified(request):
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = CouncilEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        provider = services.provider_for_email(email)
        if provider is None:
            form.add_error("email", NO_COUNCIL)
        else:
            request.session[council_session.CHOSEN_KEY] = {
                "provider": provider.pk,
                "email": email,
            }
            return render(request, "accounts/council_continue.html", {"provider": provider})
    status = 400 if form.errors else 200
    return render(request, "accounts/council_sign_in.html", {"form": form}, status=status)


@require_GET
def council_start(request: HttpRequest) -> HttpResponse:
    """Send the browser to the council chosen, with a fresh state, nonce and PKCE challenge."""
    if _verified(request):
        return redirect(settings.LOGIN_REDIRECT_URL)
    chosen = request.session.get(council_session.CHOSEN_KEY)
    chosen = chosen if isinstance(chosen, dict) else {}
    provider = _provider(chosen.get("provider"))
    if provider is None:
        return redirect("accounts:council-sign-in")
    try:
        started = oidc.start(
            issuer=provider.issuer,
            client_id=provider.client_id,
            redirect_uri=redirect_uri(),
            login_hint=str(chosen.get("email", "")),
        )
    except oidc.ProviderUnavailable:
        return _refused(request, Refusal.PROVIDER_UNAVAILABLE, provider=provider)
    request.session[council_session.PENDING_KEY] = {
        "provider": provider.pk,
        "state": started.state,
        "nonce": started.nonce,
        "verifier": started.verifier,
        "at": time.time(),
    }
    return HttpResponseRedirect(started.url)


@require_GET
def council_callback(request: HttpRequest) -> HttpResponse:
    pending = council_session.take_pending(request)
    provider = _provider(pending.get("provider"))
    state = request.GET.get("state", "")
    if (
        provider is None
        or not state
        or not constant_time_compare(state, str(pending.get("state", "")))
        or time.time() - float(pending.get("at", 0)) > settings.COUNCIL_SIGN_IN_MINUTES * 60
    ):
        # No request in progress here: used already, too old, or made in another browser (a
        # link planted to sign this browser in as someone else).
        return _refused(request, Refusal.STATE, provider=provider)
    # RFC 9207: a provider that names itself must be the one the request went to.
    if "iss" in request.GET and request.GET["iss"] != provider.issuer:
        return _refused(
            request, Refusal.ANSWER_REFUSED, provider=provider, problem=oidc.Problem.WRONG_ISSUER
        )
    if "error" in request.GET or not request.GET.get("code"):
        code = request.GET.get("error", "")
        return _refused(
            request,
            Refusal.PROVIDER_ERROR,
            provider=provider,
            error=code if _ERROR_CODE.match(code) else "other",
        )
    try:
        signed_in = oidc.finish(
            issuer=provider.issuer,
            client_id=provider.client_id,
            client_secret=unseal(provider.client_secret_sealed),
            redirect_uri=redirect_uri(),
            code=request.GET["code"],
            verifier=str(pending.get("verifier", "")),
            nonce=str(pending.get("nonce", "")),
        )
        email = services.verified_email(provider, signed_in)
        account = services.account_for(provider, email)
    except oidc.AnswerRefused as error:
        return _refused(
            request, Refusal.ANSWER_REFUSED, provider=provider, problem=error.problem.value
        )
    except oidc.ProviderUnavailable:
        return _refused(request, Refusal.PROVIDER_UNAVAILABLE, provider=provider)
    except SecretUnreadable:
        return _refused(
            request, Refusal.PROVIDER_UNAVAILABLE, provider=provider, problem="secret_unreadable"
        )
    except CouncilRefused as refused:
        return _refused(
            request,
            refused.refusal,
            provider=provider,
            account=refused.account,
            email=refused.email,
        )
    if refused_while_locked(request, account, authority_id=provider.authority_id):
        return paused_page(request)
    try:
        sign_out_origin = oidc.origin_of(oidc.metadata(provider.issuer).end_session_endpoint)
    except oidc.ProviderUnavailable:
        sign_out_origin = ""
    home = reverse(settings.LOGIN_REDIRECT_URL)
    if services.council_second_step_counts(provider, signed_in.claims):
        signed_in_response = complete_sign_in(
            request,
            account,
            services.council_device(account, provider),
            action=AuditAction.SIGNIN_COUNCIL,
            authority_id=provider.authority_id,
        )
        _remember(request, provider, signed_in, sign_out_origin)
        return signed_in_response
    audit.record(
        actor=account,
        action=AuditAction.SIGNIN_COUNCIL_CHECKED,
        authority_id=provider.authority_id,
    )
    response = second_step(request, account, home)
    _remember(request, provider, signed_in, sign_out_origin)
    return response


def _remember(
    request: HttpRequest,
    provider: CouncilIdentityProvider,
    signed_in: oidc.SignedIn,
    sign_out_origin: str,
) -> None:
    request.session.pop(council_session.CHOSEN_KEY, None)
    council_session.remember(
        request,
        provider_id=provider.pk,
        authority_id=provider.authority_id,
        sign_out_origin=sign_out_origin,
    )
