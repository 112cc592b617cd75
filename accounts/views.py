"""Sign-in with two factors (docs/programme.md X3).

1. Email and password. The answer is the same for an unknown email and a wrong password, and
   django-axes locks the account after repeated failures.
2. The code from an authenticator app; at first sign-in the person sets the app up from a QR
   code or a key typed by hand. Only then is the person signed in: a session that has passed
   only the password step reaches nothing (yourchoice/web/middleware.py).
"""

from __future__ import annotations

import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import address_limit
from accounts.forms import CodeForm, SignInForm
from accounts.models import User
from accounts.tasks import send_password_reset
from yourchoice import audit
from yourchoice.audit.actions import AuditAction
from yourchoice.jobs.queue import send_after_commit
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
            return _paused(request, seconds=settings.SIGN_IN_ADDRESS_PACE_SECONDS)
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
            request.session.cycle_key()
            request.session[PENDING_KEY] = user.pk
            request.session[PENDING_AT_KEY] = time.time()
            request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next"))
            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            return redirect("accounts:code" if has_device else "accounts:set-up")
    status = 400 if form.errors else 200
    return render(request, "accounts/sign_in.html", {"form": form}, status=status)


def locked_out(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """Shown after too many failures (django-axes); says nothing of whether the account exists."""
    _record_failure(AuditAction.SIGNIN_LOCKED_OUT, str(request.POST.get("email", "")))
    return _paused(request)


def _paused(request: HttpRequest, *, seconds: int | None = None) -> HttpResponse:
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


def _complete(request: HttpRequest, user: User, device: TOTPDevice) -> HttpResponse:
    next_url = request.session.get(NEXT_KEY) or reverse(settings.LOGIN_REDIRECT_URL)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    audit.record(actor=user, action=AuditAction.SIGNIN_SUCCEEDED)
    response = HttpResponseRedirect(next_url)
    address_limit.remember_browser(response, user.email)
    return response


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
            return _complete(request, user, device)
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
    """First sign-in: add the account to an authenticator app, then confirm with a code."""
    user = _pending_user(request)
    if user is None:
        messages.info(request, "Sign in again: it took too long, or the session ended.")
        return redirect("accounts:sign-in")
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return redirect("accounts:code")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit.record(actor=user, action=AuditAction.SIGNIN_APP_SET_UP)
            return _complete(request, user, device)
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


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(actor=request.user, action=AuditAction.SIGNOUT)
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("accounts:sign-in")


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
