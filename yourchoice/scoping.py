"""The one visibility rule, and the manager every case-owned model uses.

`Episode.objects.visible_to(user)` (cases/models.py) is the only definition of which cases a
person may reach. Every other model that holds case data names the path from itself to its
episode (`case_path`), and its `visible_to` is derived from the episode rule, so there is
nothing else to keep in step.

Outside services, selectors, migrations and tests, querying a case model any other way than
through `visible_to` trips the guard in yourchoice/tripwire.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

from yourchoice import tripwire

if TYPE_CHECKING:
    from accounts.models import User


class CaseQuerySet(models.QuerySet):
    #: Lookup path from this model to its Episode; "" for Episode itself.
    case_path: str = "episode"

    def visible_to(self, user: User) -> Self:
        from cases.models import Episode

        if not self.case_path:  # Episode overrides this method.
            raise TypeError("Episode defines its own visible_to.")
        episodes = Episode.objects.visible_to(user).values("pk")
        return self.filter(**{f"{self.case_path}__in": episodes})


class CaseManager(models.Manager):
    """Manager for case data. Any query not started with `visible_to` is checked by the tripwire."""

    def get_queryset(self) -> models.QuerySet[Any]:
        tripwire.check_caller(self.model)
        return super().get_queryset()

    def visible_to(self, user: User) -> models.QuerySet[Any]:
        # Deliberately bypasses the tripwire: starting from visible_to is the rule.
        return self._queryset_class(model=self.model, using=self._db).visible_to(user)  # type: ignore[attr-defined]  # set by from_queryset

    def unscoped(self) -> models.QuerySet[Any]:
        """For services and selectors that have already checked access, and for system jobs."""
        return self.get_queryset()


def case_manager(queryset_class: type[CaseQuerySet], path: str) -> CaseManager:
    """Build the manager for a case model whose episode is reached through `path`."""
    qs_class = type(queryset_class.__name__, (queryset_class,), {"case_path": path})
    return CaseManager.from_queryset(qs_class)()
