"""API for session logs (X4). Creates go through `session_log`, idempotent on the key."""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import Episode
from sessions import services
from sessions.models import Attendance, Place, SessionLog, Technique
from yourchoice.api import ScopedViewSet, choice_param, date_param, idempotent


class SessionLogSerializer(serializers.ModelSerializer):
    techniques = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")

    class Meta:
        model = SessionLog
        fields = [
            "id",
            "episode",
            "coach",
            "occurred_at",
            "duration_minutes",
            "attendance",
            "place",
            "techniques",
            "feeling_start",
            "feeling_end",
            "between_session_task",
            "notes",
            "safeguarding_concern",
            "idempotency_key",
            "created_at",
        ]


class SessionLogCreateSerializer(serializers.Serializer):
    episode = serializers.IntegerField()
    idempotency_key = serializers.UUIDField(
        help_text="Made once by the client; sending the same key again returns the first session."
    )
    occurred_at = serializers.DateTimeField()
    attendance = serializers.ChoiceField(choices=Attendance.choices)
    duration_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=600
    )
    place = serializers.ChoiceField(choices=Place.choices, required=False, allow_blank=True)
    techniques = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=Technique.objects.filter(active=True), required=False
    )
    feeling_start = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10
    )
    feeling_end = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=10
    )
    goal_scores = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=10), required=False
    )
    between_session_task = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    safeguarding_concern = serializers.BooleanField(required=False, default=False)
    concern_summary = serializers.CharField(required=False, allow_blank=True, max_length=2000)


@extend_schema(
    tags=["Sessions"],
    parameters=[
        OpenApiParameter("attendance", str, enum=Attendance.values),
        OpenApiParameter("since", str, description="Sessions on or after this date (YYYY-MM-DD)."),
        OpenApiParameter("until", str, description="Sessions on or before this date (YYYY-MM-DD)."),
    ],
)
class SessionLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = SessionLog
    serializer_class = SessionLogSerializer

    def scoped(self, queryset: Any) -> Any:
        queryset = queryset.prefetch_related("techniques").order_by("pk")
        if attendance := choice_param(self.request, "attendance", Attendance.values):
            queryset = queryset.filter(attendance=attendance)
        if since := date_param(self.request, "since"):
            queryset = queryset.filter(occurred_at__date__gte=since)
        if until := date_param(self.request, "until"):
            queryset = queryset.filter(occurred_at__date__lte=until)
        return queryset

    @extend_schema(
        request=SessionLogCreateSerializer,
        responses={201: SessionLogSerializer, 200: SessionLogSerializer},
    )
    @idempotent
    def create(self, request: Request) -> Response:
        """Log a session. 201 when new; 200 with the first one when the key was already used."""
        data = SessionLogCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        episode = Episode.objects.visible_to(request.user).filter(pk=values.pop("episode")).first()
        if episode is None:
            raise serializers.ValidationError({"episode": ["No such episode."]})
        raw_scores = values.pop("goal_scores", {})
        if any(not str(k).isdigit() for k in raw_scores):
            raise serializers.ValidationError({"goal_scores": ["Keys must be goal ids."]})
        scores = {int(k): v for k, v in raw_scores.items()}
        log, created = services.session_log(
            actor=request.user,
            episode=episode,
            goal_scores=scores,
            idempotency_key=uuid.UUID(str(values.pop("idempotency_key"))),
            **values,
        )
        return Response(SessionLogSerializer(log).data, status=201 if created else 200)
