"""Finding a young person (docs/programme.md C9, docs/search.md): the records in the person's
reach whose names, reference or date of birth match what they typed.

The search starts from the visibility rule (`YoungPerson.objects.visible_to`), and the request's
case scope filters it again, so a record out of reach is never matched, shown or counted.
Matching happens in PostgreSQL, on the indexes of cases/migrations/0010_search_indexes.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Expression, Prefetch, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Episode, YoungPerson
from cases.search.sql import (
    Overlaps,
    Similarity,
    TrigramSimilar,
    name_codes,
    search_text,
    whole_name,
)
from cases.search.terms import Term
from yourchoice.data.dates import age_on

if TYPE_CHECKING:
    from accounts.models import User

#: The most results shown: enough to scan on a phone; past it, the page asks for more detail.
RESULT_LIMIT = 50

#: The names a young person goes by, each compared with every word typed.
NAME_FIELDS = ("given_name", "preferred_name", "family_name")


@dataclass(frozen=True)
class Found:
    """One young person found, with what tells them apart from another of the same name."""

    young_person: YoungPerson
    episode: Episode | None  # the current case: its status and coach
    age: int


@dataclass(frozen=True)
class SearchResults:
    rows: list[Found]
    more: bool  # more than RESULT_LIMIT matched: only the closest are shown


def name_word_matches(word: str) -> Q:
    """A record some name of which is like `word`: similar in spelling (a trigram similarity
    of at least 0.3, pg_trgm's default threshold, which finds most single typos), sounding
    the same (Double Metaphone: "Mohammed" and "Muhammad", "Aisha" and "Ayesha"), or
    starting with it (someone still typing)."""
    typed = search_text(Value(word))
    match = Q(Overlaps(name_codes(whole_name()), name_codes(Value(word))))
    for name in NAME_FIELDS:
        match |= Q(TrigramSimilar(search_text(name), typed))
        match |= Q(**{f"{name}_key__startswith": typed})
    return match


def term_matches(term: Term) -> Q:
    """Every part typed must match: each name word some name, each reference part the
    reference, each date the date of birth. Anonymised records have no names or true date of
    birth left to match, only their reference."""
    found = Q()
    for day in term.dates_of_birth:
        found &= Q(date_of_birth=day, anonymised_at__isnull=True)
    for part in term.reference_parts:
        found &= Q(reference__contains=part)
    for word in term.name_words:
        found &= Q(anonymised_at__isnull=True) & name_word_matches(word)
    return found


def find_young_people(user: User, term: Term, *, today: date | None = None) -> SearchResults:
    """The records in `user`'s reach that match `term`, closest first: two queries (the
    records, and their current cases with coaches) however many match."""
    today = today or timezone.localdate()
    found = (
        YoungPerson.objects.visible_to(user)
        .alias(**{f"{name}_key": search_text(name) for name in NAME_FIELDS})
        .filter(term_matches(term))
    )
    closeness: Expression
    if term.name_words:
        closeness = Similarity(
            search_text(whole_name()), search_text(Value(" ".join(term.name_words)))
        )
    else:
        closeness = Value(0.0)
    records = list(
        found.annotate(closeness=Coalesce(closeness, Value(0.0)))
        .order_by("-closeness", "family_name", "given_name", "pk")
        .prefetch_related(
            Prefetch(
                "episodes",
                queryset=Episode.objects.filter(is_current=True).select_related("coach"),
                to_attr="current_episodes",
            )
        )[: RESULT_LIMIT + 1]
    )
    rows = [
        Found(
            young_person=record,
            episode=next(iter(record.current_episodes), None),
            age=age_on(record.date_of_birth, today),
        )
        for record in records[:RESULT_LIMIT]
    ]
    return SearchResults(rows=rows, more=len(records) > RESULT_LIMIT)
