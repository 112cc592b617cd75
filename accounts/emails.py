"""Emails about accounts. They carry a link and nothing about the person or their work."""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Invitation, InvitationPurpose, User

SUBJECT_TEMPLATE = "accounts/email/password_reset_subject.txt"
BODY_TEMPLATE = "accounts/email/password_reset.txt"


def password_reset(user_ids: list[int]) -> int:
    """What Django's PasswordResetForm.save() sends, built outside the request: the link goes to
    SITE_URL, since no request says which host was used. An account switched off or left
    without a usable password since the request gets nothing, as the form would decide."""
    site = urlsplit(settings.SITE_URL)
    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True):
        if not user.has_usable_password():
            continue
        context = {
            "email": user.email,
            "domain": site.netloc,
            "site_name": site.netloc,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "user": user,
            "token": default_token_generator.make_token(user),
            "protocol": site.scheme or "https",
        }
        PasswordResetForm().send_mail(
            SUBJECT_TEMPLATE, BODY_TEMPLATE, context, settings.DEFAULT_FROM_EMAIL, user.email
        )
        sent += 1
    return sent


def hash_token(token: str) -> str:
    """What is stored of an invitation's token: its SHA-256 (the token is 256 random bits, so
    a plain hash is enough)."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation(invitation_id: int) -> int:
    """Email the one-time link of an invitation still waiting. The token is made here, so only
    its hash is ever stored and it never goes on the queue; a retry makes a new one (the
    earlier email was not sent). The email names the service and the link, nothing else."""
    token = secrets.token_urlsafe(32)
    updated = Invitation.objects.filter(
        pk=invitation_id, used_at__isnull=True, withdrawn_at__isnull=True, user__is_active=True
    ).update(token_hash=hash_token(token))
    if not updated:
        return 0
    found = Invitation.objects.select_related("user").get(pk=invitation_id)
    context = {
        "link": settings.SITE_URL + reverse("accounts:welcome-link", args=[token]),
        "reset": found.purpose == InvitationPurpose.RESET,
        "hours": int((found.expires_at - found.created_at).total_seconds() // 3600),
    }
    subject = (
        "Set up your phone for Your Choice" if context["reset"] else "Your Your Choice account"
    )
    body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [found.user.email])
    return 1
