"""Emails about accounts. They carry a link and nothing about the person or their work."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User

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
