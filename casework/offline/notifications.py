"""The email a supervisor gets about a session waiting on a coach's phone: the case's
reference only, never a name (docs/programme.md, "Personal data")."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from accounts.models import User
from cases.models import Episode

#: Why a waiting session could not be saved, as the phone's outbox names it
#: (yourchoice/web/offline.py), in the words of the email.
REASONS = {
    "closed": "the case has been closed",
    "gone": "the case is no longer theirs to add to",
    "goal-changed": "a goal it rates has been replaced",
    "invalid": "some answers need putting right",
}


def waiting_session(
    coach_id: int, supervisor_ids: list[int], episode_id: int | None, reason: str
) -> int:
    coach = User.objects.get(pk=coach_id)
    recipients = list(
        User.objects.filter(pk__in=supervisor_ids, is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        return 0
    about = "a case"
    link = settings.SITE_URL + reverse("home")
    if episode_id is not None:
        episode = Episode.objects.select_related("young_person").get(pk=episode_id)
        about = episode.young_person.reference
        link = settings.SITE_URL + reverse("cases:young-person", args=[episode.young_person_id])
    send_mail(
        subject=f"A session for {about} is waiting on {coach.get_full_name()}'s phone",
        message=(
            f"{coach.get_full_name()} logged a session for {about} that the service could not "
            f"save as it was: {REASONS.get(reason, reason)}. It is kept on their phone until "
            f"they decide what to do with it. Please talk to them.\n\nSign in: {link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return len(recipients)
