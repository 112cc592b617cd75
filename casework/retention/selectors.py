"""Reads for retention: each young person's retention date, computed in SQL with the rule in
rules.py, and the borough lead's review queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import (
    DateField,
    Exists,
    F,
    Func,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts import access
from accounts.access import Perm
from accounts.models import Authority
from cases.models import OPEN_STATUSES, Episode, RetentionExtension, YoungPerson
from cases.selectors import latest_episode_for_user
from casework.retention.rules import REVIEW_WINDOW_DAYS

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from accounts.models import User

PAGE_SIZE = 50


class AddYears(Func):
    """date + whole years, as a date (PostgreSQL moves 29 February to 28 February), no later
    than the last date Python can hold: a record entered before dates were checked (a date of
    birth in the year 9999, say) must not stop the retention pages."""

    output_field = DateField()
    arity = 2

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]  # Func's keywords in **extra
        day_sql, day_params = compiler.compile(self.source_expressions[0])
        years_sql, years_params = compiler.compile(self.source_expressions[1])
        sql = (
            f"LEAST((({day_sql}) + make_interval(years => ({years_sql})::int))::date, "
            "DATE '9999-12-31')"
        )
        return sql, [*day_params, *years_params]


class RetentionAnnotations(TypedDict):
    has_open_case: bool
    last_closed_on: date | None
    kept_until: date | None
    retention_on: date | None


def with_retention(
    young_people: QuerySet[YoungPerson],
) -> QuerySet[WithAnnotations[YoungPerson, RetentionAnnotations]]:
    """Annotate has_open_case, last_closed_on, kept_until and retention_on (rules.py, in SQL).

    Every episode counts, whichever authority holds it: retention is about the person."""
    episodes = Episode.objects.filter(young_person=OuterRef("pk"))
    last_closed = episodes.values("young_person").annotate(last=Max("closed_on")).values("last")
    kept = (
        RetentionExtension.objects.filter(young_person=OuterRef("pk"))
        .values("young_person")
        .annotate(last=Max("keep_until"))
        .values("last")
    )
    return young_people.annotate(
        has_open_case=Exists(episodes.filter(status__in=OPEN_STATUSES)),
        last_closed_on=Subquery(last_closed, output_field=DateField()),
        kept_until=Subquery(kept, output_field=DateField()),
    ).annotate(
        # GREATEST skips NULLs: no extension means the rule alone decides.
        retention_on=Greatest(
            AddYears(F("date_of_birth"), F("authority__retain_until_age")),
            AddYears(F("last_closed_on"), F("authority__retain_years_after_closure")),
            F("kept_until"),
            output_field=DateField(),
        )
    )


@dataclass(frozen=True)
class Retention:
    """A young person's record as far as retention goes, for a borough lead who may decide."""

    young_person: YoungPerson
    episode: Episode
    has_open_case: bool
    last_closed_on: date | None
    kept_until: date | None
    retention_on: date | None  # None while a case is open
    today: date

    @property
    def reviewable_from(self) -> date | None:
        if self.retention_on is None:
            return None
        return self.retention_on - timedelta(days=REVIEW_WINDOW_DAYS)

    @property
    def may_anonymise(self) -> bool:
        return (
            self.young_person.anonymised_at is None
            and not self.has_open_case
            and self.reviewable_from is not None
            and self.reviewable_from <= self.today
        )


def retention_of(young_person_pk: int) -> Retention:
    """For services, which have checked access already."""
    young_person = (
        with_retention(YoungPerson.objects.select_related("authority"))
        .select_for_update(of=("self",))
        .get(pk=young_person_pk)
    )
    episode = (
        Episode.objects.filter(young_person=young_person).order_by("-referred_on", "-pk").first()
    )
    return _retention(young_person, episode)  # type: ignore[arg-type]  # a young person has a case


def _retention(
    young_person: WithAnnotations[YoungPerson, RetentionAnnotations], episode: Episode
) -> Retention:
    has_open = young_person.has_open_case
    return Retention(
        young_person=young_person,
        episode=episode,
        has_open_case=has_open,
        last_closed_on=young_person.last_closed_on,
        kept_until=young_person.kept_until,
        retention_on=None if has_open else young_person.retention_on,
        today=timezone.localdate(),
    )


def require_retention_decider(user: User, episode: Episode, young_person: YoungPerson) -> None:
    """Only a borough lead of the authority that holds the record now decides (403 otherwise)."""
    access.require_on(user, Perm.RETENTION_REVIEW, episode)
    if young_person.authority_id not in access.led_authority_ids(user):
        raise PermissionDenied


def retention_for_user(user: User, young_person_pk: int) -> Retention:
    """404 for anyone out of reach; 403 for those who see the record but may not decide."""
    episode = latest_episode_for_user(user, young_person_pk)
    young_person = (
        with_retention(YoungPerson.objects.visible_to(user).select_related("authority"))
        .filter(pk=young_person_pk)
        .get()
    )
    require_retention_decider(user, episode, young_person)
    return _retention(young_person, episode)


@dataclass(frozen=True)
class QueueRow:
    young_person: YoungPerson
    last_closed_on: date
    retention_on: date
    kept_until: date | None
    days_left: int

    @property
    def is_due(self) -> bool:
        return self.days_left <= 0


@dataclass(frozen=True)
class RetentionQueue:
    authorities: list[Authority]
    page: Page
    rows: list[QueueRow]
    window_days: int


def retention_queue(
    user: User, *, page_number: int | str | None = 1, today: date | None = None
) -> RetentionQueue:
    """Young people in the lead's authorities whose retention date has passed or falls within
    the review window, soonest first; none with an open case, none already anonymised."""
    access.require(user, Perm.RETENTION_REVIEW)
    today = today or timezone.localdate()
    authority_ids = access.led_authority_ids(user)
    queryset = (
        with_retention(
            YoungPerson.objects.visible_to(user).filter(
                authority_id__in=authority_ids, anonymised_at__isnull=True
            )
        )
        .filter(has_open_case=False, retention_on__lte=today + timedelta(days=REVIEW_WINDOW_DAYS))
        .order_by("retention_on", "reference")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(page_number)
    rows = [
        QueueRow(
            young_person=yp,
            last_closed_on=yp.last_closed_on,  # type: ignore[attr-defined]  # with_retention()'s, lost through Paginator
            retention_on=yp.retention_on,  # type: ignore[attr-defined]  # with_retention()'s, lost through Paginator
            kept_until=yp.kept_until,  # type: ignore[attr-defined]  # with_retention()'s, lost through Paginator
            days_left=(yp.retention_on - today).days,  # type: ignore[attr-defined]  # with_retention()'s, lost through Paginator
        )
        for yp in page.object_list
    ]
    return RetentionQueue(
        authorities=list(Authority.objects.filter(pk__in=authority_ids)),
        page=page,
        rows=rows,
        window_days=REVIEW_WINDOW_DAYS,
    )
