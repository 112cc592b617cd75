"""Domain errors raised by services. Views turn them into form errors and a 4xx, never a 500."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class DomainError(Exception):
    """A rule of the programme was broken. `errors` maps a field name ("" for the whole form)
    to plain-English messages that can be shown to the person as they are."""

    def __init__(self, errors: dict[str, list[str]] | str) -> None:
        if isinstance(errors, str):
            errors = {"": [errors]}
        self.errors = errors
        super().__init__("; ".join(m for ms in errors.values() for m in ms))


class StaleVersion(DomainError):
    """Someone else saved this record after it was opened: nothing is overwritten.

    `current` is the record as it is now (None when it has been removed), so a page can show
    what changed and let the person decide; `changed_by` names who saved it last, when known.
    """

    def __init__(self, message: str, *, current: Any = None, changed_by: str = "") -> None:
        super().__init__(message)
        self.current = current
        self.changed_by = changed_by


class ChangedSinceOpened(StaleVersion):
    """The case a form was opened for changed before it was sent, in a way that saving it as
    it is would hide (the case closed, a goal it rates was replaced). Nothing is saved: the
    person is asked. `reason` names what changed, for a phone's outbox to offer the choices
    that make sense (static/js/offline/)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class PossibleDuplicate(DomainError):
    """A young person like this one already exists; creating another needs a deliberate choice."""

    def __init__(self, matches: Sequence[object]) -> None:
        self.matches = matches
        super().__init__(
            "A young person with this date of birth and a similar name is already recorded in "
            "this authority. Check the matches, or confirm this is a different young person."
        )


class AgeToConfirm(DomainError):
    """The only reason a referral is not eligible is the young person's age, which may be a
    mistyped date of birth: nothing is saved until the date of birth is confirmed."""

    def __init__(self, message: str) -> None:
        super().__init__({"date_of_birth": [message]})
