"""The one visibility rule, enforced on every query of case data (docs/architecture.md).

`Episode.objects.visible_to(user)` (cases/models.py) is the only definition of which cases a
person may reach. Every other model that holds case data names the path from itself to its
episode (`case_path`), and its `visible_to` is derived from the episode rule, so there is
nothing else to keep in step.

A query of case data runs inside a scope (django-scopes), in every environment:

- a request runs in the scope of the person making it (`yourchoice.web.middleware`): every
  query of a case model, however it is written (a view, a service, a template walking a
  relation, a prefetch), holds only what that person may see;
- work that is not done for one person (Celery jobs, management commands, the demo and bench
  data, the test suite's own setup) enters `all_cases(reason)`, which names why it may read
  every case;
- anywhere else (a shell, a thread, a script that forgot) the query raises `ScopeError` instead
  of running.

We use django-scopes for the scope itself (a context variable, nestable, per thread and task)
and its `ScopeError`, but not its `ScopedManager`: that filters on one column equal to the
scope's value (pretix's organizer), and our rule is not a column but a rule per model, derived
from the episodes a person holds. So the manager here applies the model's own `visible_to`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self, cast

from django.db import models
from django.db.models import Expression
from django.http import HttpRequest
from django_scopes import ScopeError, get_scope, scope

if TYPE_CHECKING:
    from accounts.models import User

__all__ = ["ScopeError", "all_cases", "cases_of", "CaseManager", "CaseQuerySet", "case_manager"]

#: The scope's one dimension: whose cases a query may reach.
DIMENSION = "case"
#: Where a person's scope keeps each model's scoped queryset, built once and copied for each
#: query: building the rule's filters cost more than the query it adds them to.
CACHE = "case_querysets"


class AllCases:
    """The scope of work done for the programme rather than for one person."""

    def __init__(self, reason: str) -> None:
        if not reason.strip():
            raise ValueError("Say why this work may read every case.")
        self.reason = reason

    def __repr__(self) -> str:
        return f"all_cases({self.reason!r})"


@contextmanager
def all_cases(reason: str) -> Iterator[None]:
    """Every case, for work that is not done for one person: a job, a command, a migration,
    the demo data. `reason` says why, where the code is read."""
    with scope(**{DIMENSION: AllCases(reason)}):
        yield


@contextmanager
def cases_of(reader: User | HttpRequest) -> Iterator[None]:
    """The cases one person may see. A request stands for whoever it turns out to be signed
    in as: the API authenticates its token inside the view, after the middleware has run."""
    # A fresh cache of each model's scoped queryset for this scope (CaseManager.get_queryset).
    with scope(**{DIMENSION: reader, CACHE: {}}):
        yield


def current_reader(model: type[models.Model]) -> User | None:
    """Whose cases the current scope covers: a person, or None for every case. Raises
    ScopeError outside a scope, and for a request nobody is signed in to."""
    current = get_scope()
    if not current.get("_enabled", True):  # django-scopes' scopes_disabled()
        return None
    reader = current.get(DIMENSION)
    if reader is None:
        raise ScopeError(
            f"{model.__name__} was queried outside a scope. A request is scoped to the person "
            "making it; other work says why it reads every case with all_cases(reason)."
        )
    if isinstance(reader, AllCases):
        return None
    user = reader.user if isinstance(reader, HttpRequest) else reader
    if not user.is_authenticated:
        raise ScopeError(f"{model.__name__} was queried by a request nobody is signed in to.")
    return cast("User", user)


def _model_at(model: type[models.Model], path: str) -> type[models.Model]:
    """The model a lookup path from `model` ends at (the episode, for every case model)."""
    for name in path.split("__"):
        related = model._meta.get_field(name).related_model
        assert isinstance(related, type), f"{path} does not lead to a model"
        model = related
    return model


class Compiled(Expression):
    """A subquery compiled to SQL once and embedded as that SQL in every query that uses it.

    The visibility rule is a subquery that every case query of a request carries, often several
    times (a page's correlated counts each hold it). Building and compiling it again for each of
    them cost more than running it; its SQL and parameters are the same each time. It must not
    refer to an outer query: it is compiled on its own, and PostgreSQL resolves each table name
    it uses to its own FROM, whatever query it is put inside."""

    def __init__(self, queryset: models.QuerySet[Any]) -> None:
        super().__init__(output_field=queryset.query.output_field)
        self.queryset = queryset
        self._sql: dict[str, tuple[str, tuple[Any, ...]]] = {}  # by database alias

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Self:
        return self  # nothing in it refers to the query it is put in

    def get_group_by_cols(self) -> list[Any]:
        return []

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        if connection.alias not in self._sql:
            sql, params = self.queryset.query.get_compiler(connection=connection).as_sql()
            self._sql[connection.alias] = (f"({sql})", tuple(params))
        return self._sql[connection.alias]


class CaseQuerySet(models.QuerySet[Any]):
    #: Lookup path from this model to its Episode; "" for Episode itself.
    case_path: str = "episode"

    def visible_to(self, user: User) -> Self:
        if not self.case_path:  # Episode overrides this method.
            raise TypeError("Episode defines its own visible_to.")
        episodes = _model_at(self.model, self.case_path)._default_manager
        assert isinstance(episodes, CaseManager)
        return self.filter(**{f"{self.case_path}__in": episodes.ids_visible_to(user)})

    def ids_visible_to(self, user: User) -> Compiled:
        """The rule as one compiled subquery of this model's ids (Episode defines it)."""
        raise TypeError(f"{self.model.__name__} is reached through its episode.")


class CaseManager(models.Manager[Any]):
    """Manager for case data: every query holds only what the current scope may see."""

    def _rule(self) -> CaseQuerySet:
        """The model's queryset, before any scope: what the rule is applied to."""
        return cast(CaseQuerySet, super().get_queryset())

    def get_queryset(self) -> models.QuerySet[Any]:
        reader = current_reader(self.model)
        if reader is None:
            return self._rule()
        # A related manager carries its instance's hints: it builds its own.
        hints = getattr(self, "_hints", None)  # set by Django on related managers only
        cache = get_scope().get(CACHE) if self._db is None and not hints else None
        if cache is None:
            return self._rule().visible_to(reader)
        key = (self.model, reader.pk)
        if key not in cache:
            cache[key] = self._rule().visible_to(reader)
        return cache[key].all()  # a copy: the cached one is never run

    def ids_visible_to(self, user: User) -> Compiled:
        return self._rule().ids_visible_to(user)

    def visible_to(self, user: User) -> models.QuerySet[Any]:
        """What `user` may see, and never more than the scope's own reader may: a supervisor
        reading a coach's caseload sees the coach's cases within the supervisor's reach."""
        reader = current_reader(self.model)
        if reader is not None and reader.pk == user.pk:
            return self.get_queryset()  # the scope's own rule, built once for the scope
        queryset = self._rule()
        if reader is not None:
            queryset = queryset.visible_to(reader)
        return queryset.visible_to(user)


def case_manager(queryset_class: type[CaseQuerySet], path: str) -> CaseManager:
    """Build the manager for a case model whose episode is reached through `path`."""
    qs_class = type(queryset_class.__name__, (queryset_class,), {"case_path": path})
    return CaseManager.from_queryset(qs_class)()
