"""API for session logs (X4). Creates go through `session_log`, idempotent on the key."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases.models import Episode
from outcomes.models import MAX_RATING, MIN_RATING
from sessions import services
from sessions.models import (
    MAX_DURATION_MINUTES,
    MAX_FEELING,
    MIN_DURATION_MINUTES,
    MIN_FEELING,
    Attendance,
    Place,
    SessionLog,
    Technique,
)
from yourchoice.api.viewsets import ScopedViewSet, choice_param, date_param, idempotent

if TYPE_CHECKING:
    from accounts.http import AuthenticatedRequest


class SessionLogSerializer(serializers.ModelSerializer):
    techniques: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )

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
        required=False,
        help_text="Optional when the request carries an `Idempotency-Key` header, which is "
        "enough on its own. Made once by the client; sending the same key again returns the "
        "first session. Sent with the header, it must be the same value.",
    )
    occurred_at = serializers.DateTimeField()
    attendance = serializers.ChoiceField(choices=Attendance.choices)
    duration_minutes = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=MIN_DURATION_MINUTES,
        max_value=MAX_DURATION_MINUTES,
    )
    place = serializers.ChoiceField(choices=Place.choices, required=False, allow_blank=True)
    techniques = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=Technique.objects.filter(active=True), required=False
    )
    feeling_start = serializers.IntegerField(
        required=False, allow_null=True, min_value=MIN_FEELING, max_value=MAX_FEELING
    )
    feeling_end = serializers.IntegerField(
        required=False, allow_null=True, min_value=MIN_FEELING, max_value=MAX_FEELING
    )
    goal_scores = serializers.DictField(
        child=serializers.IntegerField(min_value=MIN_RATING, max_value=MAX_RATING),
        required=False,
    )
    between_session_task = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    safeguarding_concern = serializers.BooleanField(required=False, default=False)
    concern_summary = serializers.CharField(required=False, allow_blank=True, max_length=2000)


#: Names the session keys derived from a non-UUID Idempotency-Key header (never change it: a
#: retried request must derive the same key).
SESSION_KEY_NAMESPACE = uuid.UUID("5f0c2d1e-7a43-4d59-9b8e-3c1f6a2b9d70")

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Enough on its own to make the request safe to retry: a retry with the same "
    "key returns the first session and logs no second one. A UUID is used as the session's "
    "`idempotency_key`; if the body sends `idempotency_key` too, it must be the same UUID.",
)


def session_key(request: Request, body_key: uuid.UUID | None) -> uuid.UUID:
    """The key that makes logging a session idempotent, from the body or the header.

    The header alone is enough, as for every create: a UUID header is the session's key itself;
    any other header names a key derived from it and the account (the replay store keeps
    headers per account too). Sent with the body's key, the header must be the same UUID: two
    keys that disagree would name two different requests, and neither is silently ignored."""
    header = request.headers.get("Idempotency-Key", "").strip()
    if not header:
        if body_key is None:
            raise serializers.ValidationError(
                {"idempotency_key": ["Send an Idempotency-Key header or an idempotency_key."]}
            )
        return body_key
    try:
        from_header = uuid.UUID(header)
    except ValueError:
        from_header = uuid.uuid5(SESSION_KEY_NAMESPACE, f"{request.user.pk}:{header}")
    if body_key is not None and body_key != from_header:
        raise serializers.ValidationError(
            {
                "idempotency_key": [
                    "This differs from the Idempotency-Key header: send one of them, or the "
                    "same UUID in both."
                ]
            }
        )
    return from_header


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
        parameters=[IDEMPOTENCY_HEADER],
    )
    @idempotent
    def create(self, request: AuthenticatedRequest) -> Response:
        """Log a session. 201 when new; 200 with the first one when the key was already used.
        The key comes from the `Idempotency-Key` header, the body's `idempotency_key`, or both
        (then the same UUID)."""
        data = SessionLogCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        key = session_key(request, values.pop("idempotency_key", None))
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
            idempotency_key=key,
            **values,
        )
        return Response(SessionLogSerializer(log).data, status=201 if created else 200)
