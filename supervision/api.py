"""API for supervision records and actions (X4)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers

from supervision.models import Action, SupervisionRecord
from yourchoice.api import ScopedViewSet


class SupervisionRecordSerializer(serializers.ModelSerializer):
    coaches = serializers.SerializerMethodField()

    class Meta:
        model = SupervisionRecord
        fields = ["id", "team", "supervisor", "held_on", "format", "coaches"]

    def get_coaches(self, record: SupervisionRecord) -> list[int]:
        return [a.coach_id for a in record.attendees.all()]


class ActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Action
        fields = ["id", "record", "episode", "description", "owner", "due_on", "done_at"]


@extend_schema(tags=["Supervision"])
class SupervisionRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Supervision sessions (wellbeing check-ins and case notes stay on the pages)."""

    model = SupervisionRecord
    serializer_class = SupervisionRecordSerializer

    def scoped(self, queryset: Any) -> Any:
        return queryset.prefetch_related("attendees").order_by("pk")


@extend_schema(tags=["Supervision"])
class ActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Action
    serializer_class = ActionSerializer

    def scoped(self, queryset: Any) -> Any:
        return queryset.order_by("pk")
