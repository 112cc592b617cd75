"""The weekly digest for supervisors (V3): what needs them, by reference only, never a name."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from accounts import access
from accounts.models import User
from supervision.models import Action
from supervision.selectors import review_for_user


def supervisors_to_email() -> list[int]:
    return list(access.supervisor_memberships().values_list("user_id", flat=True).distinct())


def compose(user: User) -> tuple[str, str]:
    """Subject and body. Case lines carry the pseudonymous reference; action lines omit the
    action's own words, which may name someone."""
    today = timezone.localdate()
    review = review_for_user(user)
    overdue_supervision = [c for c in review.coaches if c.supervision_overdue]
    overdue_actions = list(
        Action.objects.visible_to(user)
        .outstanding()
        .filter(due_on__lt=today, record__team_id__in=[t.pk for t in review.teams])
        .select_related("owner", "episode__young_person")
        .order_by("due_on")
    )
    lines = [f"Your Choice: your weekly caseload review, {today:%-d %B %Y}.", ""]
    lines.append("Supervision overdue (more than a month since the last):")
    lines += [
        f"- {c.name}: last supervised {c.last_supervised:%-d %B %Y}"
        if c.last_supervised
        else f"- {c.name}: no supervision recorded"
        for c in overdue_supervision
    ] or ["- None"]
    lines += ["", "Cases needing attention:"]
    lines += [
        f"- {item.row.young_person.reference} ({item.row.episode.coach}): {', '.join(item.reasons)}"
        for item in review.attention
    ] or ["- None"]
    lines += ["", "Actions overdue:"]
    lines += [
        f"- Due {a.due_on:%-d %B}, owner {a.owner}"
        + (f", case {a.episode.young_person.reference}" if a.episode else "")
        for a in overdue_actions
    ] or ["- None"]
    lines += ["", f"Open the review: {settings.SITE_URL}{reverse('supervision:review')}"]
    cases, late = len(review.attention), len(overdue_supervision)
    subject = (
        f"Your Choice weekly review: {cases} case{'s' if cases != 1 else ''} "
        f"need{'s' if cases == 1 else ''} attention, "
        f"{late} supervision{'s' if late != 1 else ''} overdue"
    )
    return subject, "\n".join(lines) + "\n"


def send_digest(user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    subject, body = compose(user)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
