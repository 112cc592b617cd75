"""Writing notifications (docs/notifications.md, X10).

`notify` is called by the service that makes the change, inside its transaction, so a
notification exists exactly when the change does; never by a view. Email goes by the outbox
(yourchoice/jobs/queue.py) to those who chose it for the kind, by reference only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from accounts.models import User
from cases.notifications.models import Notification, NotificationEmail, NotificationKind
from yourchoice.data.errors import DomainError
from yourchoice.jobs import queue

if TYPE_CHECKING:
    from datetime import datetime


def _is_service_path(link: str) -> bool:
    if not link.startswith("/") or link.startswith("//"):
        return False
    try:
        resolve(link.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def notify(
    *,
    recipients: Iterable[int | None],
    kind: NotificationKind,
    actor: User | None = None,
    young_person_id: int | None = None,
    object_id: int | None = None,
    link: str = "",
    without_email: Iterable[int] = (),
    now: datetime | None = None,
) -> list[Notification]:
    """Tell each recipient (user ids) about `kind`, in the caller's transaction.

    The person whose action it was (`actor`) is not told of their own action, nor is anyone
    who cannot sign in. `young_person_id` names the case it is about: the list shows its
    reference, and its link leads there, only while the recipient holds the young person.
    A notification about no young person may give `link`, a path in the service (an import's
    results, say). Those who chose email for the kind are emailed once the transaction
    commits, except `without_email` (people another email already tells of the same thing).
    An import job calls this too, with the lead who started it as the recipient."""
    if link and (young_person_id is not None or not _is_service_path(link)):
        raise ValueError("A link is a path in the service, for a notification about no case.")
    wanted = {pk for pk in recipients if pk is not None}
    if actor is not None:
        wanted.discard(actor.pk)
    if not wanted:
        return []
    people = list(
        User.objects.filter(pk__in=wanted, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    created_at = now or timezone.now()
    made = Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            kind=kind,
            young_person_id=young_person_id,
            object_id=object_id,
            link=link,
            created_at=created_at,
        )
        for pk in people
    )
    emailed = set(
        NotificationEmail.objects.filter(user_id__in=people, kind=kind).values_list(
            "user_id", flat=True
        )
    ) - set(without_email)
    if emailed:
        # Imported on use: the tasks module imports the emails, which read the cases.
        from cases.tasks import send_notification_email

        for notification in made:
            if notification.recipient_id in emailed:
                queue.send_after_commit(send_notification_email, notification.pk)
    return made


def notification_open(*, actor: User, notification: Notification) -> Notification:
    """The person opened their notification: it is read from now on."""
    if notification.recipient_id != actor.pk:
        raise DomainError("This notification is not yours.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_read(*, actor: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read: the ones named, or all of them. Someone else's
    ids are ignored. Returns how many were unread."""
    unread = Notification.objects.for_recipient(actor).unread()
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notification_emails_choose(*, actor: User, kinds: Iterable[str]) -> list[str]:
    """The kinds of notification the person wants by email as well; the rest only in the
    service. Returns the kinds chosen."""
    chosen = sorted(set(kinds))
    unknown = [kind for kind in chosen if kind not in NotificationKind.values]
    if unknown:
        raise DomainError({"kinds": ["Choose from the list."]})
    NotificationEmail.objects.filter(user=actor).exclude(kind__in=chosen).delete()
    have = set(NotificationEmail.objects.filter(user=actor).values_list("kind", flat=True))
    NotificationEmail.objects.bulk_create(
        NotificationEmail(user=actor, kind=kind) for kind in chosen if kind not in have
    )
    return chosen
