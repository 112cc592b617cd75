"""API for young people, episodes and flags (X4), through the same rule and services as pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import access
from accounts.access import Perm
from cases import services
from cases.models import (
    CLOSURE_REASONS,
    ClosureDecision,
    ClosureRequest,
    Episode,
    EpisodeStatus,
    FlagCategory,
    FlagLevel,
    RiskFlag,
    YoungPerson,
)
from yourchoice.api.viewsets import ScopedViewSet, choice_param, date_param, idempotent

if TYPE_CHECKING:
    from accounts.http import AuthenticatedRequest

DATE_FILTERS = [
    OpenApiParameter("since", str, description="On or after this date (YYYY-MM-DD)."),
    OpenApiParameter("until", str, description="On or before this date (YYYY-MM-DD)."),
]


class YoungPersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = YoungPerson
        fields = [
            "id",
            "reference",
            "given_name",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "gender",
            "ethnicity",
            "special_needs",
            "looked_after",
            "education_status",
            "youth_justice",
            "authority",
        ]


class EpisodeSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="young_person.reference", read_only=True)

    class Meta:
        model = Episode
        fields = [
            "id",
            "young_person",
            "reference",
            "authority",
            "team",
            "coach",
            "status",
            "referred_on",
            "allocated_on",
            "started_on",
            "closed_on",
            "ending_reason",
        ]


class FlagSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskFlag
        fields = [
            "id",
            "episode",
            "category",
            "level",
            "summary",
            "review_on",
            "raised_by",
            "raised_at",
            "resolved_at",
            "resolution",
        ]
        read_only_fields = ["raised_by", "raised_at", "resolved_at", "resolution"]


class FlagCreateSerializer(serializers.Serializer):
    episode = serializers.IntegerField()
    category = serializers.ChoiceField(choices=FlagCategory.choices)
    level = serializers.ChoiceField(choices=FlagLevel.choices)
    summary = serializers.CharField(max_length=2000)
    review_on = serializers.DateField()


class ClosureRequestInput(serializers.Serializer):
    ending_reason = serializers.ChoiceField(choices=CLOSURE_REASONS)
    summary = serializers.CharField(max_length=2000)


class ClosureDecisionInput(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClosureRequest
        fields = [
            "id",
            "episode",
            "ending_reason",
            "summary",
            "requested_by",
            "requested_at",
            "decision",
            "decided_by",
            "decided_at",
            "decision_comment",
        ]


@extend_schema(tags=["Young people"])
class YoungPersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = YoungPerson
    serializer_class = YoungPersonSerializer
    young_person_path = ""

    def scoped(self, queryset: Any) -> Any:
        return queryset.order_by("pk")


@extend_schema(
    tags=["Episodes"],
    parameters=[
        OpenApiParameter("status", str, enum=EpisodeStatus.values),
        *DATE_FILTERS,
    ],
)
class EpisodeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Episodes (cases). Dates filter on the referral date."""

    model = Episode
    serializer_class = EpisodeSerializer
    young_person_path = "young_person"

    def scoped(self, queryset: Any) -> Any:
        queryset = queryset.select_related("young_person").order_by("pk")
        if status := choice_param(self.request, "status", EpisodeStatus.values):
            queryset = queryset.filter(status=status)
        if since := date_param(self.request, "since"):
            queryset = queryset.filter(referred_on__gte=since)
        if until := date_param(self.request, "until"):
            queryset = queryset.filter(referred_on__lte=until)
        return queryset

    @extend_schema(request=ClosureRequestInput, responses={201: ClosureSerializer})
    @action(detail=True, methods=["post"], url_path="closure-request")
    def closure_request(self, request: AuthenticatedRequest, pk: int) -> Response:
        """The coach asks to close the case; a supervisor decides."""
        episode = self.get_object()
        access.require_on(request.user, Perm.CLOSURE_REQUEST, episode)
        data = ClosureRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        closure = services.closure_request(
            actor=request.user, episode=episode, **data.validated_data
        )
        return Response(ClosureSerializer(closure).data, status=201)

    @extend_schema(request=ClosureDecisionInput, responses={200: ClosureSerializer})
    @action(detail=True, methods=["post"], url_path="closure-decision")
    def closure_decision(self, request: AuthenticatedRequest, pk: int) -> Response:
        """A supervisor approves (the case closes) or returns the pending request."""
        episode = self.get_object()
        access.require_on(request.user, Perm.CLOSURE_APPROVE, episode)
        data = ClosureDecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        pending = (
            ClosureRequest.objects.visible_to(request.user)
            .filter(episode=episode, decision=ClosureDecision.PENDING)
            .first()
        )
        if pending is None:
            raise serializers.ValidationError(
                {"episode": ["No request to close this case is waiting."]}
            )
        decided = services.closure_decide(
            actor=request.user, closure=pending, **data.validated_data
        )
        return Response(ClosureSerializer(decided).data)


@extend_schema(tags=["Flags"])
class FlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = RiskFlag
    serializer_class = FlagSerializer

    def scoped(self, queryset: Any) -> Any:
        return queryset.order_by("pk")

    @extend_schema(request=FlagCreateSerializer, responses={201: FlagSerializer})
    @idempotent
    def create(self, request: AuthenticatedRequest) -> Response:
        """Raise a flag, through the same service (and checks, and audit) as the page."""
        data = FlagCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        episode = Episode.objects.visible_to(request.user).filter(pk=values.pop("episode")).first()
        if episode is None:
            raise serializers.ValidationError({"episode": ["No such episode."]})
        flag = services.flag_raise(actor=request.user, episode=episode, **values)
        return Response(FlagSerializer(flag).data, status=201)
