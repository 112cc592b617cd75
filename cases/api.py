"""API for young people, episodes and flags (X4), through the same rule and services as pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cases import services
from cases.models import Episode, EpisodeStatus, FlagCategory, FlagLevel, RiskFlag, YoungPerson
from yourchoice.api import ScopedViewSet, choice_param, date_param

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


@extend_schema(tags=["Young people"])
class YoungPersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = YoungPerson
    serializer_class = YoungPersonSerializer

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

    def scoped(self, queryset: Any) -> Any:
        queryset = queryset.select_related("young_person").order_by("pk")
        if status := choice_param(self.request, "status", EpisodeStatus.values):
            queryset = queryset.filter(status=status)
        if since := date_param(self.request, "since"):
            queryset = queryset.filter(referred_on__gte=since)
        if until := date_param(self.request, "until"):
            queryset = queryset.filter(referred_on__lte=until)
        return queryset


@extend_schema(tags=["Flags"])
class FlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = RiskFlag
    serializer_class = FlagSerializer

    def scoped(self, queryset: Any) -> Any:
        return queryset.order_by("pk")

    @extend_schema(request=FlagCreateSerializer, responses={201: FlagSerializer})
    def create(self, request: Request) -> Response:
        """Raise a flag, through the same service (and checks, and audit) as the page."""
        data = FlagCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        episode = Episode.objects.visible_to(request.user).filter(pk=values.pop("episode")).first()
        if episode is None:
            raise serializers.ValidationError({"episode": ["No such episode."]})
        flag = services.flag_raise(actor=request.user, episode=episode, **values)
        return Response(FlagSerializer(flag).data, status=201)
