"""Reads for the profile and key contact pages. Each starts from the visibility rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cases.models import Episode, KeyContact, YoungPerson
from cases.selectors import latest_episode_for_user
from yourchoice import audit

if TYPE_CHECKING:
    from accounts.models import User


def governing_episode(young_person: YoungPerson) -> Episode:
    """The case whose people may change the young person's record: the current one (the open
    one, otherwise the most recent). Whoever holds it holds the record (docs/access.md)."""
    return Episode.objects.only(
        "pk", "status", "coach_id", "team_id", "authority_id", "young_person_id"
    ).get(young_person=young_person, is_current=True)


def young_person_for_edit(user: User, pk: int) -> tuple[YoungPerson, Episode]:
    """The young person and their current case, which decides who may change them (whoever
    holds it holds the record, docs/access.md); 404 if out of reach."""
    episode = latest_episode_for_user(user, pk)
    return episode.young_person, episode


def key_contact_for_user(user: User, young_person_pk: int, pk: int) -> KeyContact | None:
    """A key contact of this young person, or None when it is not (or no longer) there."""
    contact = (
        KeyContact.objects.visible_to(user).filter(young_person_id=young_person_pk, pk=pk).first()
    )
    if contact is not None:
        audit.note_read(contact.young_person_id, contact)
    return contact
