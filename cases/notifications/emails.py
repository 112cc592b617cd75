"""Emails about cases. They carry the pseudonymous reference only: never a name.

See docs/programme.md, "Personal data", and docs/notifications.md.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from accounts import access
from accounts.models import User
from cases.models import YoungPerson
from cases.notifications.models import SAYS, Notification
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


def notification(notification_id: int) -> bool:
    """Email one notification to its recipient, who chose email for its kind. It names the
    young person by reference, and only if the recipient still holds them when it is sent;
    the link is the notification's own, which goes through the visibility rule again."""
    found = Notification.objects.filter(pk=notification_id).first()
    if found is None:
        return False
    recipient = User.objects.filter(pk=found.recipient_id, is_active=True).first()
    if recipient is None:
        return False
    case = "a case"
    if found.young_person_id is not None:
        reference = (
            YoungPerson.objects.visible_to(recipient)
            .filter(pk=found.young_person_id)
            .values_list("reference", flat=True)
            .first()
        )
        case = reference or "a case you no longer hold"
    says = SAYS[found.kind].format(case=case)
    link = settings.SITE_URL + reverse("notifications:open", args=[found.pk])
    send_mail(
        subject=f"Your Choice: {says}",
        message=(
            f"{says}.\n\nSign in to read it: {link}\n\n"
            "You chose to be emailed about this. To change what you are emailed about, "
            f"sign in and go to {settings.SITE_URL}{reverse('notifications:email')}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[recipient.email],
    )
    return True
