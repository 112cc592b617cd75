"""Writing audit events. Every service calls `record`; page views of a case call it too. What
happened is always an AuditAction member (yourchoice/audit/actions.py), which names it.

Reads of a young person's record are audited wherever they happen (X2): selectors that fetch a
named record for a person call `note_read`, and so does the API's scoped viewset for every row
it returns (yourchoice/api/). ReadAuditMiddleware then writes one event per young person
read in a successful request, in one insert, naming the route and the records.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone

from yourchoice.audit import archive
from yourchoice.audit.actions import READ_ACTIONS, AuditAction
from yourchoice.data import bulk
from yourchoice.models import AuditEvent
from yourchoice.web.request_context import current_ip

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser as User


#: Finds the authority holding each young person's record now: {young person id: authority id}.
#: Set by the cases app when it loads (cases/apps.py), so audit, as infrastructure, names no
#: domain model of its own.
def _no_authorities(young_person_ids: list[int]) -> dict[int, int]:
    return {}


authorities_of_young_people: Callable[[list[int]], dict[int, int]] = _no_authorities


@dataclass
class _Read:
    authority_id: int | None = None
    records: dict[str, list[int]] = field(default_factory=dict)


@dataclass
class ReadLog:
    """What one request read, by young person; and who already has a read event of its own
    (the young person's page, its audit trail and the export write theirs)."""

    reads: dict[int, _Read] = field(default_factory=dict)
    recorded: set[int] = field(default_factory=set)

    def pending(self) -> dict[int, _Read]:
        return {pk: r for pk, r in self.reads.items() if pk not in self.recorded}


_read_log: ContextVar[ReadLog | None] = ContextVar("yc_read_log", default=None)


@contextlib.contextmanager
def collecting_reads() -> Iterator[ReadLog]:
    log = ReadLog()
    token = _read_log.set(log)
    try:
        yield log
    finally:
        _read_log.reset(token)


def note_read(
    young_person_id: int | None,
    obj: models.Model | None = None,
    *,
    authority_id: int | None = None,
    label: str = "",
    pk: int | None = None,
) -> None:
    """Note that the request being served shows this young person's record (or `obj`, a part
    of it). Nothing is written unless the request succeeds. Outside a request, does nothing."""
    log = _read_log.get()
    if log is None or young_person_id is None:
        return
    read = log.reads.setdefault(young_person_id, _Read())
    if authority_id is not None:
        read.authority_id = authority_id
    if obj is not None:
        label, pk = obj._meta.label_lower, obj.pk
    if label and pk is not None:
        ids = read.records.setdefault(label, [])
        if pk not in ids:
            ids.append(pk)


def young_people_shown() -> set[int]:
    """The young people whose record the request being served shows so far (noted as read or
    with a read event of their own); empty outside a request. The page's break-glass banner
    asks (casework/navigation.py)."""
    log = _read_log.get()
    return set() if log is None else set(log.reads) | log.recorded


def note_young_person_read(young_person: Any, obj: models.Model | None = None) -> None:
    """`note_read` for a loaded young person (their authority comes with them)."""
    note_read(young_person.pk, obj, authority_id=young_person.authority_id)


#: How a record was read, where it is not a page shown to the person.
CHANNEL_ACTIONS = {
    "api": AuditAction.YOUNG_PERSON_API_READ,
    # A copy the person's phone keeps for working without signal (docs/offline.md).
    "offline copy": AuditAction.YOUNG_PERSON_OFFLINE_COPY,
}


def write_reads(log: ReadLog, *, actor: User | None, route: str, channel: str) -> int:
    """One event per young person read and not already recorded, in one insert. Stamped, like
    every event about a young person, with the authority holding the record now."""
    pending = log.pending()
    if not pending:
        return 0
    missing = [pk for pk, read in pending.items() if read.authority_id is None]
    if missing:
        found = authorities_of_young_people(missing)
        for pk in missing:
            pending[pk].authority_id = found.get(pk)
    ip = current_ip()
    events = [
        AuditEvent(
            actor_id=actor.pk if actor is not None else None,
            action=CHANNEL_ACTIONS.get(channel, AuditAction.YOUNG_PERSON_READ),
            object_type=next(iter(read.records), ""),
            object_id=_single(read.records),
            young_person_id=pk,
            authority_id=read.authority_id,
            ip_address=ip,
            detail={"route": route, "records": read.records},
        )
        for pk, read in pending.items()
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)


def _single(records: dict[str, list[int]]) -> int | None:
    """The record's id when the event is about exactly one."""
    ids = [pk for pks in records.values() for pk in pks]
    return ids[0] if len(ids) == 1 else None


def record(
    *,
    actor: User | None,
    action: AuditAction,
    obj: models.Model | None = None,
    young_person_id: int | None = None,
    authority_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    log = _read_log.get()
    if log is not None and young_person_id is not None and action in READ_ACTIONS:
        log.recorded.add(young_person_id)  # this read has its own event: no second one
    return AuditEvent.objects.create(
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        young_person_id=young_person_id,
        authority_id=authority_id,
        ip_address=current_ip(),
        detail=detail,
    )


def record_many(*, actor: User | None, events: Iterable[tuple[Any, ...]]) -> int:
    """Many events at once, for work that writes many records in one go (an import): each of
    `events` is (action, object, young person id, authority id, detail), object as
    (label, id). Written with COPY (yourchoice/data/bulk.py), in the caller's transaction,
    like `record`, at the same moment."""
    ip = current_ip()
    actor_id = actor.pk if actor is not None else None
    now = timezone.now()
    return bulk.copy_rows(
        AuditEvent,
        # Every column of an event as the archive keeps it, less the id the sequence gives.
        [name for name in archive.FIELDS if name != "id"],
        (
            (
                now,
                actor_id,
                action,
                object_type,
                object_id,
                young_person_id,
                authority_id,
                ip,
                detail,
            )  # fmt: skip
            for action, (object_type, object_id), young_person_id, authority_id, detail in events
        ),
    )


def record_for_episode(
    *,
    actor: User | None,
    action: AuditAction,
    episode: Any,
    obj: models.Model | None = None,
    **detail: Any,
) -> AuditEvent:
    """An event about a case: indexed by young person so the borough lead can read it (X2)."""
    return record(
        actor=actor,
        action=action,
        obj=obj if obj is not None else episode,
        young_person_id=episode.young_person_id,
        authority_id=episode.authority_id,
        **detail,
    )


def record_for_young_person(
    *,
    actor: User | None,
    action: AuditAction,
    young_person: Any,
    obj: models.Model | None = None,
    **detail: Any,
) -> AuditEvent:
    """An event about a young person's record, stamped with the authority that holds it now:
    the borough lead's trail shows only what happened while the record was theirs (X2)."""
    return record(
        actor=actor,
        action=action,
        obj=obj if obj is not None else young_person,
        young_person_id=young_person.pk,
        authority_id=young_person.authority_id,
        **detail,
    )


def email_hint(typed: str) -> str:
    """What a failed sign-in for an unknown address keeps of it: the first character and the
    domain ("j…@example.org"), enough to see a pattern, never the address (or a password typed
    into the email box by mistake)."""
    local, at, domain = typed.strip().lower().partition("@")
    if not at or not local:
        return "…"
    return f"{local[0]}…@{domain[:60]}"
