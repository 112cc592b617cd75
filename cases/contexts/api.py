"""Contexts through the API (X4), read-only, with the pages' rule: the links to young people the
caller holds, and the others only counted (docs/contexts.md)."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers

from accounts.models import User
from cases.contexts.models import Context, ContextLink
from cases.contexts.selectors import Outside, outside_links
from yourchoice import audit
from yourchoice.api.viewsets import ScopedViewSet


class ContextLinkSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="young_person.reference", read_only=True)

    class Meta:
        model = ContextLink
        fields = [
            "id",
            "young_person",
            "reference",
            "reason",
            "known_from",
            "linked_by",
            "linked_at",
            "ended_on",
            "end_reason",
        ]


class OutsideSerializer(serializers.Serializer):
    in_your_authorities = serializers.IntegerField(
        help_text="Current links to young people in the authorities you work in whom you "
        "cannot see."
    )
    in_other_authorities = serializers.IntegerField(
        allow_null=True,
        help_text="Current links to young people in any other authority; null when the count "
        "is suppressed (1 up to the disclosure threshold).",
    )
    in_other_authorities_suppressed = serializers.BooleanField()


class ContextSerializer(serializers.ModelSerializer):
    links = ContextLinkSerializer(many=True, read_only=True, source="visible_links")
    outside = serializers.SerializerMethodField()

    class Meta:
        model = Context
        fields = [
            "id",
            "kind",
            "name",
            "description",
            "authorities",
            "created_at",
            "anonymised_at",
            "links",
            "outside",
        ]

    @extend_schema_field(OutsideSerializer)
    def get_outside(self, context: Context) -> dict[str, Any]:
        outside: Outside = self.context["outside"].get(context.pk, Outside(0, 0))
        exact = outside.elsewhere_exact
        return {
            "in_your_authorities": outside.in_own_authorities,
            "in_other_authorities": exact,
            "in_other_authorities_suppressed": exact is None,
        }


@extend_schema(tags=["Contexts"])
class ContextViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Contexts of harm you see: those linked to a young person you hold (and, for a borough
    lead, those spanning your authority). Each gives its links to the young people you hold,
    and how many other young people are linked, never who: the count in other authorities is
    null when it is below the disclosure threshold."""

    model = Context
    serializer_class = ContextSerializer
    #: A context is not part of one young person's record: its reads are noted per visible link
    #: (`_note_reads`), never through a join that would reach links the caller cannot see.
    young_person_path = None

    def _reader(self) -> User:
        return cast(User, self.request.user)  # the case endpoints let only a signed-in person in

    def scoped(self, queryset: Any) -> Any:
        return queryset.order_by("pk").prefetch_related(
            "authorities",
            Prefetch(
                "links",
                ContextLink.objects.visible_to(self._reader())
                .select_related("young_person")
                .order_by("pk"),
                to_attr="visible_links",
            ),
        )

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            rows = args[0] if kwargs.get("many") else [args[0]]
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["outside"] = outside_links(self._reader(), [row.pk for row in rows])
        return super().get_serializer(*args, **kwargs)

    def _note_reads(self, served: Any) -> None:
        rows = list(served) if isinstance(served, list | tuple) else [served]
        for context in rows:
            for link in getattr(context, "visible_links", []):
                audit.note_young_person_read(link.young_person, link)
