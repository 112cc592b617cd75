"""The email with a one-time link to set up sign-in. It names no one and carries nothing but
the link: it goes to the person's own address."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import EnrolmentLink, EnrolmentLinkPurpose
from accounts.people import links

SUBJECTS = {
    EnrolmentLinkPurpose.INVITATION: "You have been invited to Your Choice",
    EnrolmentLinkPurpose.SECOND_FACTOR_RESET: "Set up your Your Choice sign-in again",
}


def enrolment_link(link_id: int) -> int:
    """Email the person their link (accounts/people/links.py). The secret is made here, as
    the email is sent, and only its hash kept, so the link works only from the email. A link
    used, replaced or expired since it was asked for, or whose account was switched off,
    sends nothing. Returns emails sent."""
    link = EnrolmentLink.objects.select_related("user").filter(pk=link_id).first()
    if link is None or not link.is_usable:
        return 0
    secret = links.new_secret()
    link.key_hash = links.hash_of(secret)
    link.save(update_fields=["key_hash"])
    purpose = EnrolmentLinkPurpose(link.purpose)
    context = {
        "url": settings.SITE_URL + reverse("accounts:enrolment-link", kwargs={"token": secret}),
        "invitation": purpose == EnrolmentLinkPurpose.INVITATION,
        "days": max(1, round((link.expires_at - timezone.now()).total_seconds() / 86400)),
    }
    body = render_to_string("accounts/email/enrolment_link.txt", context)
    send_mail(SUBJECTS[purpose], body, settings.DEFAULT_FROM_EMAIL, [link.user.email])
    return 1
