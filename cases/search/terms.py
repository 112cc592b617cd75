"""What someone typed into "Find a young person", read as the parts a record is found by
(docs/search.md): dates of birth, parts of references, and words of names.

Reading the term is plain Python, so that every way of writing a date is tested without a
database; matching is the database's (cases/search/selectors.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

#: Longest term read, in characters: longer than any name with a date of birth after it.
MAX_LENGTH = 100

# Day, month, year as written in the UK ("14/03/2012", "14 3 2012", "14-3-2012", "14.03.2012"),
# or year first as ISO 8601 writes it ("2012-03-14").
_UK_DATE = re.compile(r"(?<!\d)(\d{1,2})[/ .-]+(\d{1,2})[/ .-]+(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
# A reference is letters, digits and hyphens; its parts are typed as they are shown.
_REFERENCE_PART = re.compile(r"^[A-Za-z0-9-]+$")
# Words of names: anything but spaces and the punctuation that separates names.
_SEPARATORS = re.compile(r"[\s,;]+")


class TermProblem(ValueError):
    """The term cannot be searched for; the message says why, in plain English."""


@dataclass(frozen=True)
class Term:
    """The parts of a term. Every part must match for a record to be found."""

    dates_of_birth: tuple[date, ...] = ()
    reference_parts: tuple[str, ...] = ()
    name_words: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not (self.dates_of_birth or self.reference_parts or self.name_words)


def _date(year: str, month: str, day: str) -> date:
    try:
        return date(int(year), int(month), int(day))
    except ValueError as error:
        raise TermProblem("Date of birth must be a real date, for example 14/03/2012") from error


def read_term(typed: str) -> Term:
    """The dates, reference parts and name words in `typed`, or TermProblem."""
    text = typed.strip()
    if not text:
        raise TermProblem("Enter a name, reference or date of birth")
    if len(text) > MAX_LENGTH:
        raise TermProblem(f"Search must be {MAX_LENGTH} characters or fewer")
    dates: list[date] = []

    def take_uk(match: re.Match[str]) -> str:
        dates.append(_date(match.group(3), match.group(2), match.group(1)))
        return " "

    def take_iso(match: re.Match[str]) -> str:
        dates.append(_date(match.group(1), match.group(2), match.group(3)))
        return " "

    text = _ISO_DATE.sub(take_iso, text)
    text = _UK_DATE.sub(take_uk, text)
    references: list[str] = []
    words: list[str] = []
    for token in _SEPARATORS.split(text):
        if not token:
            continue
        if any(c.isdigit() for c in token):
            if not _REFERENCE_PART.match(token):
                raise TermProblem(
                    "A reference has only letters, numbers and hyphens, for example "
                    "YC-E09000012-000123"
                )
            if len(token.strip("-")) < 3:
                raise TermProblem("Enter at least 3 characters of a reference")
            references.append(token.upper())
        elif any(c.isalpha() for c in token):
            words.append(token)
    term = Term(tuple(dict.fromkeys(dates)), tuple(references), tuple(words))
    if term.is_empty:
        raise TermProblem("Enter a name, reference or date of birth")
    return term
