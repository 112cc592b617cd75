"""Reading a person's notifications (docs/notifications.md).

The count is the person's own unread rows, from a partial index: one query on every page. What
a notification says about a case comes through the visibility rule when it is shown: one query
for the young people of a page of notifications, so a page of 1 and a page of 50 cost the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.http import Http404
from django.urls import reverse

from cases.models import YoungPerson
from cases.notifications.models import SAYS, Notification, NotificationEmail
from yourchoice.data.selectors import get_or_404

if TYPE_CHECKING:
    from accounts.models import User

#: Notifications a page of the list shows, newest first.
PAGE_SIZE = 50


def unread_count(user: User) -> int:
    return Notification.objects.for_recipient(user).unread().count()


@dataclass(frozen=True)
class Shown:
    notification: Notification
    says: str
    #: Whether the person still holds the young person it is about (or it is about none): only
    #: then does it name them and link anywhere.
    open: bool

    @property
    def url(self) -> str:
        return reverse("notifications:open", args=[self.notification.pk]) if self.open else ""


def _references(user: User, notifications: list[Notification]) -> dict[int, str]:
    """The references of the young people these notifications name that the user holds."""
    ids = {n.young_person_id for n in notifications if n.young_person_id is not None}
    return dict(
        YoungPerson.objects.visible_to(user).filter(pk__in=ids).values_list("pk", "reference")
    )


def shown(notification: Notification, references: dict[int, str]) -> Shown:
    if notification.young_person_id is None:
        return Shown(notification, SAYS[notification.kind].format(case="a case"), open=True)
    reference = references.get(notification.young_person_id)
    if reference is None:
        return Shown(
            notification,
            "This was about a case you no longer hold, so it shows nothing of it",
            open=False,
        )
    return Shown(notification, SAYS[notification.kind].format(case=reference), open=True)


@dataclass(frozen=True)
class Listed:
    page: Page[Notification]
    rows: list[Shown]


def notifications_page(user: User, page_number: str | None) -> Listed:
    """A page of the person's notifications, newest first, each said as they may read it."""
    page = Paginator(Notification.objects.for_recipient(user), PAGE_SIZE).get_page(page_number)
    found = list(page.object_list)
    references = _references(user, found)
    return Listed(page, [shown(n, references) for n in found])


def notification_target(user: User, pk: int) -> tuple[Notification, str]:
    """The person's own notification and where it leads, or 404: someone else's, and one
    about a case they no longer hold, are answered as if they did not exist."""
    notification = get_or_404(Notification.objects.for_recipient(user), pk=pk)
    if notification.young_person_id is None:
        return notification, notification.link or reverse("home")
    if not YoungPerson.objects.visible_to(user).filter(pk=notification.young_person_id).exists():
        raise Http404
    return notification, reverse("cases:young-person", args=[notification.young_person_id])


def email_kinds(user: User) -> list[str]:
    """The kinds the person chose to be emailed about."""
    return list(NotificationEmail.objects.filter(user=user).values_list("kind", flat=True))
