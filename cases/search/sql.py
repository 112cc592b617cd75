"""The database functions the search is built on (cases/migrations/0009_search_functions.py),
as expressions: the indexes on YoungPerson and the search's query use the same ones, so
PostgreSQL can match one to the other."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db.models import BooleanField, Expression, FloatField, Func, TextField, Value
from django.db.models.functions import Concat


def search_text(expression: str | Expression) -> Func:
    """Lower case without accents: `yc_search_text('Zoë')` is 'zoe'. (A plain Func, not a
    subclass, so that migrations name only Django's own classes.)"""
    return Func(expression, function="yc_search_text", output_field=TextField())


def name_codes(expression: str | Expression) -> Func:
    """How each word of a name sounds: Double Metaphone's two codes for every word."""
    return Func(expression, function="yc_name_codes", output_field=ArrayField(TextField()))


def whole_name() -> Concat:
    """Every name a young person goes by, in one text, for the index of how they sound."""
    return Concat("given_name", Value(" "), "preferred_name", Value(" "), "family_name")


class TrigramSimilar(Func):
    """`a % b`: pg_trgm's similarity of the two is at least pg_trgm.similarity_threshold
    (0.3, PostgreSQL's default), answered from a gin_trgm_ops index on `a`."""

    template = "%(expressions)s"
    arg_joiner = " %% "
    output_field = BooleanField()
    conditional = True


class Overlaps(Func):
    """`a && b`: the arrays share an element, answered from a GIN index on `a`."""

    template = "%(expressions)s"
    arg_joiner = " && "
    output_field = BooleanField()
    conditional = True


class Similarity(Func):
    """pg_trgm's similarity of two texts, from 0 (no trigram shared) to 1 (the same)."""

    function = "similarity"
    output_field = FloatField()
