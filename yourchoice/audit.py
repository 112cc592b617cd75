"""Writing audit events. Every service calls `record`; page views of a case call it too.

Reads of a young person's record are audited wherever they happen (X2): selectors that fetch a
named record for a person call `note_read`, and so does the API's scoped viewset for every row
it returns (yourchoice/api.py). ReadAuditMiddleware then writes one event per young person
read in a successful request, in one insert, naming the route and the records.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

from yourchoice.models import AuditEvent
from yourchoice.request_context import current_ip

if TYPE_CHECKING:
    from accounts.models import User


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


def note_young_person_read(young_person: Any, obj: models.Model | None = None) -> None:
    """`note_read` for a loaded young person (their authority comes with them)."""
    note_read(young_person.pk, obj, authority_id=young_person.authority_id)


def write_reads(log: ReadLog, *, actor: User | None, route: str, channel: str) -> int:
    """One event per young person read and not already recorded, in one insert. Stamped, like
    every event about a young person, with the authority holding the record now."""
    pending = log.pending()
    if not pending:
        return 0
    missing = [pk for pk, read in pending.items() if read.authority_id is None]
    if missing:
        from cases.selectors import authorities_of_young_people

        found = authorities_of_young_people(missing)
        for pk in missing:
            pending[pk].authority_id = found.get(pk)
    ip = current_ip()
    events = [
        AuditEvent(
            actor_id=actor.pk if actor is not None else None,
            action=API_READ if channel == "api" else PAGE_READ,
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
    action: str,
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


def record_for_episode(
    *, actor: User | None, action: str, episode: Any, obj: models.Model | None = None, **detail: Any
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
    action: str,
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


#: Plain-English names for what an event records, as people read them in the trail (X2).
ACTION_LABELS: dict[str, str] = {
    # Reading a record.
    "young_person.view": "Viewed the record",
    "young_person.audit_view": "Viewed who used the record",
    "young_person.export": "Downloaded a subject access export",
    "young_person.read": "Opened a page showing the record",
    "young_person.api_read": "Read the record through the API",
    # Changing a record.
    "referral.create": "Recorded a referral",
    "referral.reassess": "Re-assessed a referral that was not taken on",
    "young_person.update": "Changed the young person's details",
    "key_contact.add": "Added a key contact",
    "key_contact.update": "Changed a key contact",
    "key_contact.remove": "Removed a key contact",
    "episode.allocated": "Allocated the case to a coach",
    "episode.reallocated": "Reallocated the case",
    "episode.transfer": "Transferred the case to another authority",
    "session.log": "Logged a session",
    "session.correct_notes": "Corrected session notes",
    "session.addendum": "Added to session notes",
    "goal.set": "Agreed a goal",
    "goal.rate": "Rated a goal",
    "goal.achieved": "Marked a goal achieved",
    "goal.replaced": "Replaced a goal",
    "goal.dropped": "Dropped a goal",
    "measure.record": "Recorded a questionnaire",
    "flag.raise": "Raised a flag",
    "flag.resolve": "Resolved a flag",
    "budget.spend": "Recorded activity budget spending",
    "closure.request": "Asked to close the case",
    "closure.approve": "Approved closing the case",
    "closure.return": "Returned a request to close the case",
    "supervision.discuss": "Discussed the case in supervision",
    "supervision.discuss_update": "Changed supervision notes about the case",
    "retention.extend": "Kept the record past its retention date",
    "young_person.anonymise": "Anonymised the record",
    # Signing in.
    "signin.succeeded": "Signed in",
    "signin.failed": "Sign-in failed: wrong email address or password",
    "signin.code_failed": "Sign-in failed: wrong authenticator code",
    "signin.locked_out": "Locked out after repeated failures",
    "signin.address_limited": "Sign-in slowed for an address: failures for many accounts",
    "signin.app_set_up": "Set up an authenticator app",
    "signout": "Signed out",
    # Who may see what (accounts/access_audit.py).
    "account.create": "Made an account",
    "account.update": "Changed an account's access",
    "account.delete": "Deleted an account",
    "membership.add": "Gave a role",
    "membership.update": "Changed a role",
    "membership.remove": "Took a role away",
    "cover.add": "Arranged cover",
    "cover.update": "Changed cover",
    "cover.remove": "Ended cover",
}

#: Events that read a record without changing it; every other event about a record changed it.
PAGE_READ = "young_person.read"
API_READ = "young_person.api_read"
READ_ACTIONS = frozenset(
    {"young_person.view", "young_person.audit_view", "young_person.export", PAGE_READ, API_READ}
)


def action_label(action: str) -> str:
    """The plain-English name of an action; an action without one is still shown, readably."""
    return ACTION_LABELS.get(action) or action.replace("_", " ").replace(".", ": ").capitalize()


def email_hint(typed: str) -> str:
    """What a failed sign-in for an unknown address keeps of it: the first character and the
    domain ("j…@example.org"), enough to see a pattern, never the address (or a password typed
    into the email box by mistake)."""
    local, at, domain = typed.strip().lower().partition("@")
    if not at or not local:
        return "…"
    return f"{local[0]}…@{domain[:60]}"
