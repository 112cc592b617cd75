"""Sign-in with two factors (docs/programme.md X3).

1. Email and password. The answer is the same for an unknown email and a wrong password, and
   django-axes locks the account after repeated failures.
2. The code from an authenticator app; at first sign-in the person sets the app up from a QR
   code or a key typed by hand. Only then is the person signed in: a session that has passed
   only the password step reaches nothing (yourchoice/web/middleware.py).

Or, once added from "Your sign-in", a passkey (X7): one step that is both factors
(accounts/passkeys.py). A passkey signs in only an active account that is not locked out.
"""

from __future__ import annotations

import json
import time
from base64 import b32encode
from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import address_limit, passkeys, selectors, services
from accounts.council import services as council_services
from accounts.council import signed_in as council_session
from accounts.forms import CodeForm, PasskeyNameForm, PasskeyRemoveForm, SignInForm, UnlockForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.people import links as enrolment
from accounts.tasks import send_password_reset
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.data.errors import DomainError
from yourchoice.jobs.queue import send_after_commit
from yourchoice.web import handover
from yourchoice.web.forms import form_page
from yourchoice.web.request_context import current_ip

PENDING_KEY = "signin_pending_user"
PENDING_AT_KEY = "signin_pending_at"
NEXT_KEY = "signin_next"
#: Time allowed between the password step and the code step.
PENDING_SECONDS = 5 * 60
GENERIC_FAILURE = "Enter a correct email address and password."


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_KEY)
    started = request.session.get(PENDING_AT_KEY, 0)
    if not user_id or time.time() - started > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_verified():  # type: ignore[attr-defined]  # set by django-otp's middleware
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        address = current_ip()
        if address_limit.must_wait(request, address, email):
            # Decided by the address alone, before any password is checked: says nothing
            # about the account typed.
            return paused_page(request, seconds=settings.SIGN_IN_ADDRESS_PACE_SECONDS)
        user = authenticate(request, email=email, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            # AxesMiddleware replaces this answer with `locked_out` (AXES_LOCKOUT_CALLABLE),
            # which audits the lockout: calling it here too recorded every lockout twice.
            return HttpResponse(status=429)
        if user is None:
            _record_failure(AuditAction.SIGNIN_FAILED, form.cleaned_data["email"])
            address_limit.note_failure(address, email)
            form.add_error(None, GENERIC_FAILURE)
        else:
            council_session.forget(request)
            return second_step(request, user, _safe_next(request, request.GET.get("next")))
    status = 400 if form.errors else 200
    context = {"form": form, "council_sign_in": selectors.council_sign_in_offered()}
    return render(request, "accounts/sign_in.html", context, status=status)


def second_step(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """The first step passed (a password, or the council's word): on to the code from the
    authenticator app, or to setting one up. Nothing is reachable until that is done."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = user.pk
    request.session[PENDING_AT_KEY] = time.time()
    request.session[NEXT_KEY] = next_url
    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return redirect("accounts:code" if has_device else "accounts:set-up")


def locked_out(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """Shown after too many failures (django-axes); says nothing of whether the account exists."""
    _record_failure(AuditAction.SIGNIN_LOCKED_OUT, str(request.POST.get("email", "")))
    return paused_page(request)


def refused_while_locked(
    request: HttpRequest, user: User, *, authority_id: int | None = None
) -> bool:
    """Whether the account is locked after repeated failures: the lock is on the account,
    whichever way in is tried (a passkey, a council, the unlock after the young person's
    turn). A refusal is recorded."""
    if AxesProxyHandler.is_allowed(request, credentials={"email": user.email}):
        return False
    audit.record(
        actor=None, action=AuditAction.SIGNIN_LOCKED_OUT, obj=user, authority_id=authority_id
    )
    return True


def paused_page(request: HttpRequest, *, seconds: int | None = None) -> HttpResponse:
    """The one answer to an attempt that is not checked: the account locked, or the address
    paced (accounts/address_limit.py)."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    context = {"minutes": minutes, "seconds": seconds}
    return render(request, "accounts/locked_out.html", context, status=429)


def _record_failure(action: AuditAction, typed_email: str) -> None:
    """Audit a failed attempt against the account it named, when there is one; for an unknown
    address keep only a hint of what was typed (yourchoice/audit/). The page says the same
    either way, so this reveals nothing to the person signing in."""
    email = typed_email.strip().lower()
    account = User.objects.filter(email=email).only("pk").first() if email else None
    if account is not None:
        audit.record(actor=None, action=action, obj=account)
    else:
        audit.record(actor=None, action=action, email_hint=audit.email_hint(email))


def complete_sign_in(
    request: HttpRequest,
    user: User,
    device: Device,
    *,
    action: AuditAction = AuditAction.SIGNIN_SUCCEEDED,
    authority_id: int | None = None,
) -> HttpResponse:
    """Both steps done: sign in with the device that made the second, record it, and go on.
    Every way in ends here (a code, a council's own second step)."""
    next_url = request.session.get(NEXT_KEY) or reverse(settings.LOGIN_REDIRECT_URL)
    council = council_session.signed_in_with(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    enrolment.forget(request.session)
    if council and action == AuditAction.SIGNIN_SUCCEEDED:
        # The first step was the council's: the trail says so, and which council.
        audit.record(
            actor=user, action=action, authority_id=council.get("authority"), first_step="council"
        )
    else:
        audit.record(actor=user, action=action, authority_id=authority_id)
    response = HttpResponseRedirect(next_url)
    address_limit.remember_browser(response, user.email)
    return response


# --- Passkeys (X7) ----------------------------------------------------------------------------

#: A passkey's answer is a few kilobytes; anything much larger is not one.
PASSKEY_ANSWER_MAX_BYTES = 64 * 1024
PASSKEY_REFUSED = (
    "That passkey cannot sign you in. Sign in with your email address, password and "
    "authenticator app instead."
)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    """The JSON the passkey script sends; anything else (a form post) is an empty answer."""
    if request.content_type != "application/json":
        return {}
    if len(request.body) > PASSKEY_ANSWER_MAX_BYTES:
        return {}
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


@require_POST
def passkey_sign_in_options(request: HttpRequest) -> HttpResponse:
    """The challenge for a passkey sign-in. It names no account, so it tells nobody which
    accounts exist or have passkeys."""
    return JsonResponse(passkeys.begin_sign_in(request))


@require_POST
def passkey_sign_in(request: HttpRequest) -> HttpResponse:
    """Sign in with a passkey, in one step: the passkey is what the person has, and the phone's
    check of their fingerprint, face or screen lock is the second factor.

    Refused for an answer that does not verify (the phone did not check the person, another
    site's passkey, a replayed challenge), a switched-off account and a locked-out one
    (django-axes, the same lock the password step obeys). Each refusal is audited against the
    account the passkey belongs to, when it is one of ours."""
    answer = _json_body(request)
    state = passkeys.take_state(request, passkeys.SIGN_IN_STATE_KEY)
    try:
        device = passkeys.complete_sign_in(state=state, answer=answer)
    except passkeys.PasskeyRefused:
        claimed = passkeys.credential_named_in(answer)
        audit.record(
            actor=None,
            action=AuditAction.SIGNIN_PASSKEY_FAILED,
            obj=claimed.user if claimed is not None else None,
        )
        return JsonResponse({"detail": PASSKEY_REFUSED}, status=400)
    user: User = device.user
    if not user.is_active:
        audit.record(actor=None, action=AuditAction.SIGNIN_PASSKEY_FAILED, obj=user)
        return JsonResponse({"detail": PASSKEY_REFUSED}, status=400)
    if refused_while_locked(request, user):
        minutes = int(settings.AXES_COOLOFF_TIME * 60)
        return JsonResponse(
            {
                "detail": "Sign-in paused: there have been too many attempts to sign in to "
                f"this account. Try again in {minutes} minutes."
            },
            status=429,
        )
    next_url = _safe_next(request, request.GET.get("next"))
    council_session.forget(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    audit.record(actor=user, action=AuditAction.SIGNIN_PASSKEY)
    response = JsonResponse({"redirect": next_url})
    address_limit.remember_browser(response, user.email)
    return response


# --- Taking the phone back after the young person's turn (S7) --------------------------------

UNLOCK_REFUSED = "The password is not right. Enter your password to carry on."
UNLOCK_PASSKEY_REFUSED = (
    "That passkey cannot unlock this phone: use the passkey of the account signed in here, "
    "or enter your password."
)


def _unlocked(request: AuthenticatedHttpRequest) -> str:
    back = handover.unlock(request)
    audit.record(actor=request.user, action=AuditAction.UNLOCK_SUCCEEDED)
    messages.success(request, "You have the phone back.")
    return back


@handover.allowed_while_locked
@login_required
def unlock(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Enter your password to carry on": the coach takes the phone back. A wrong password is
    a failed sign-in to the account, counted by the same lockout (django-axes); once the
    account is locked out the browser is signed out, so guessing cannot go on here."""
    if handover.locked(request) is None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, email=request.user.email, password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            logout(request)
            # AxesMiddleware replaces this answer with `locked_out`, as for the sign-in page.
            return HttpResponse(status=429)
        if user is not None and user.pk == request.user.pk:
            return redirect(_unlocked(request))
        audit.record(actor=request.user, action=AuditAction.UNLOCK_FAILED)
        form.add_error("password", UNLOCK_REFUSED)
    status = 400 if form.errors else 200
    response = render(request, "accounts/unlock.html", {"form": form}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@handover.allowed_while_locked
@login_required
@require_POST
def unlock_passkey_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The challenge for unlocking with a passkey (the same ceremony as signing in with one)."""
    if handover.locked(request) is None:
        return JsonResponse({"detail": "This phone is not locked."}, status=400)
    return JsonResponse(passkeys.begin_sign_in(request))


@handover.allowed_while_locked
@login_required
@require_POST
def unlock_passkey(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Unlock with a passkey: it must verify (the phone checked the person) and belong to the
    account signed in here, and that account must not be locked out."""
    if handover.locked(request) is None:
        return JsonResponse({"detail": "This phone is not locked."}, status=400)
    answer = _json_body(request)
    state = passkeys.take_state(request, passkeys.SIGN_IN_STATE_KEY)
    try:
        device = passkeys.complete_sign_in(state=state, answer=answer)
    except passkeys.PasskeyRefused:
        device = None
    if device is None or device.user_id != request.user.pk:
        audit.record(actor=request.user, action=AuditAction.UNLOCK_FAILED)
        return JsonResponse({"detail": UNLOCK_PASSKEY_REFUSED}, status=400)
    if refused_while_locked(request, request.user):
        logout(request)
        return JsonResponse({"detail": "Too many attempts: sign in again later."}, status=429)
    return JsonResponse({"redirect": _unlocked(request)})


@login_required
def your_sign_in(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How the person signs in: their authenticator app and their passkeys, which they can add
    and remove. Every signed-in person has one; nobody sees another's."""
    user = request.user
    context = {
        "passkeys": list(selectors.passkeys_of(user)),
        "has_app": selectors.has_authenticator_app(user),
        "form": PasskeyNameForm(),
    }
    return render(request, "accounts/your_sign_in.html", context)


@login_required
@require_POST
def passkey_add_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The challenge for adding a passkey, only in a session that passed both factors."""
    return JsonResponse(passkeys.begin_enrolment(request, request.user))


@login_required
@require_POST
def passkey_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Keep the passkey the phone made (a JSON answer from static/js/passkeys.mjs)."""
    body = _json_body(request)
    state = passkeys.take_state(request, passkeys.ENROL_STATE_KEY)
    credential = body.get("credential")
    try:
        passkey = services.passkey_add(
            actor=request.user,
            name=str(body.get("name", "")),
            state=state,
            answer=credential if isinstance(credential, dict) else {},
        )
    except DomainError as error:
        return JsonResponse({"errors": error.errors}, status=400)
    messages.success(request, f"Passkey added: {passkey.name}. Use it next time you sign in.")
    return JsonResponse({"redirect": reverse("accounts:your-sign-in")})


@login_required
def passkey_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask, then remove one of the person's own passkeys (anyone else's is not found)."""
    passkey = get_object_or_404(selectors.passkeys_of(request.user), pk=pk)
    signed_in_with_it = request.session.get(DEVICE_ID_SESSION_KEY) == passkey.persistent_id

    def done(_: None) -> HttpResponse:
        if signed_in_with_it:
            # Its session was verified by this passkey alone: that sign-in ends with it.
            logout(request)
            messages.info(request, "Passkey removed. You signed in with it, so sign in again.")
            return redirect("accounts:sign-in")
        messages.success(request, f"Passkey removed: {passkey.name}")
        return redirect("accounts:your-sign-in")

    return form_page(
        request,
        # Bound on any POST: the form has no fields, so its data is empty.
        PasskeyRemoveForm(request.POST if request.method == "POST" else None),
        "accounts/passkey_remove.html",
        {"passkey": passkey, "signed_in_with_it": signed_in_with_it},
        save=lambda _: services.passkey_remove(actor=request.user, passkey=passkey),
        done=done,
    )


def code(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in again: it took too long, or the session ended.")
        return redirect("accounts:sign-in")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return redirect("accounts:set-up")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"]):
            return complete_sign_in(request, user, device)
        audit.record(actor=user, action=AuditAction.SIGNIN_CODE_FAILED)
        form.add_error(
            "code",
            "That code is not right, or it has expired. Enter the code the app shows now."
            if allowed
            else "Too many wrong codes. Wait a minute, then enter the code the app shows now.",
        )
    status = 400 if form.errors else 200
    return render(request, "accounts/code.html", {"form": form}, status=status)


def set_up(request: HttpRequest) -> HttpResponse:
    """Add the account to an authenticator app, then confirm with a code: only in a browser
    that has just followed the account's invitation or reset link (accounts/people/links.py).
    Whoever merely knows the password of an account with no second factor yet (one just made,
    or whose lost phone was reset) is refused: otherwise they could enrol their own phone."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in again: it took too long, or the session ended.")
        return redirect("accounts:sign-in")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:code")
    if not enrolment.permitted(request.session, user):
        audit.record(actor=None, action=AuditAction.SIGNIN_SET_UP_REFUSED, obj=user)
        return render(request, "accounts/set_up_refused.html", status=403)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit.record(actor=user, action=AuditAction.SIGNIN_APP_SET_UP)
            return complete_sign_in(request, user, device)
        form.add_error(
            "code", "That code is not right. Check the app shows Your Choice, then enter its code."
        )
    key = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "manual_key": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
        "qr_svg": qr.svg_inline(scale=5, title="QR code for your authenticator app"),
    }
    return render(request, "accounts/set_up.html", context, status=400 if form.errors else 200)


@handover.allowed_while_locked
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out; a person who signed in through their council is then sent to the council's
    sign-out page (when its provider has one), which sends them back to the sign-in page."""
    council = council_session.signed_in_with(request)
    council_sign_out = ""
    if request.user.is_authenticated:
        if council:
            council_sign_out = council_services.sign_out_address(
                provider_id=council.get("provider"),
                return_to=settings.SITE_URL + reverse("accounts:sign-in"),
            )
        if council_sign_out:
            audit.record(
                actor=request.user,
                action=AuditAction.SIGNOUT_COUNCIL,
                authority_id=council.get("authority"),
            )
        else:
            audit.record(actor=request.user, action=AuditAction.SIGNOUT)
    logout(request)
    messages.success(request, "You have signed out.")
    response: HttpResponse = (
        HttpResponseRedirect(council_sign_out) if council_sign_out else redirect("accounts:sign-in")
    )
    if request.POST.get("phone_keeps") != "waiting":
        # Nothing waits on the phone to be sent: the browser wipes what it kept for working
        # without signal (copies, the outbox and its keys, the service worker). The phone's
        # script has already tried; this also covers a phone whose script did not run.
        response["Clear-Site-Data"] = '"cache", "storage"'
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """The same answer whether or not the email belongs to an account, after the same work.

    Building and sending the email in the request made it about 2 ms slower for a real
    account, enough to tell over a few dozen tries which addresses have one. So the request
    only looks the address up (one query, whatever it finds) and queues one job either way,
    with the account ids found (none for an unknown address: the address itself never goes
    on the queue); the worker builds and sends the email (accounts/emails.py).
    """

    template_name = "accounts/password_reset_form.html"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:

        email = form.cleaned_data["email"]
        user_ids = list(
            User.objects.filter(email__iexact=email, is_active=True).values_list("pk", flat=True)
        )
        with transaction.atomic():
            send_after_commit(
                send_password_reset,
                user_ids,
                delayed="The email may take longer than usual to arrive: try again later if "
                "it has not come in an hour.",
            )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")
