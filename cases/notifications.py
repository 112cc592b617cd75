"""Emails about cases. They carry the pseudonymous reference only: never a name.

See docs/programme.md, "Personal data".
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from accounts import access
from cases.selectors import flag_for_system


def flag_raised(flag_id: int) -> int:
    flag = flag_for_system(flag_id)
    episode = flag.episode
    if episode.team_id is None:
        return 0
    recipients = list(
        access.supervisor_memberships(episode.team_id).values_list("user__email", flat=True)
    )
    if not recipients:
        return 0
    reference = episode.young_person.reference
    link = settings.SITE_URL + reverse("cases:young-person", args=[episode.young_person_id])
    send_mail(
        subject=f"Safeguarding concern raised for {reference}",
        message=(
            f"A coach raised a {flag.get_level_display().lower()} safeguarding concern for "
            f"{reference} during a session.\n\nSign in to read it: {link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return len(recipients)
