"""API for goals, measures and reports (X4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access
from accounts.access import Perm
from accounts.models import Authority, User
from cases.models import Episode
from outcomes import services
from outcomes.models import (
    MAX_RATING,
    MIN_RATING,
    Goal,
    GoalRating,
    MeasureResponse,
    Report,
    ReportStatus,
)
from outcomes.reports import services as report_services
from outcomes.reports.periods import LONGEST_PERIOD_YEARS, PeriodKind, period_for
from outcomes.selectors import report_authorities, reports_for_user, sdq_definition
from yourchoice.api.viewsets import ScopedViewSet, idempotent


class GoalRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalRating
        fields = ["score", "rated_on", "session_log", "rater"]

    def to_representation(self, instance: GoalRating) -> dict[str, object]:
        # What the fields above give, written out: a page of goals carries a thousand ratings
        # or more, and DRF's field-by-field path was most of the list's time.
        return {
            "score": instance.score,
            "rated_on": instance.rated_on.isoformat(),
            "session_log": instance.session_log_id,
            "rater": instance.rater,
        }


class GoalSerializer(serializers.ModelSerializer):
    ratings = GoalRatingSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "episode",
            "slot",
            "description",
            "status",
            "agreed_on",
            "ended_on",
            "replaced_by",
            "ratings",
        ]


class MeasureResponseSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(source="definition.code", read_only=True)

    class Meta:
        model = MeasureResponse
        fields = [
            "id",
            "episode",
            "measure",
            "occasion",
            "completed_on",
            "entry_mode",
            "scores",
            "total_score",
        ]


class ReportSerializer(serializers.ModelSerializer):
    period_label = serializers.CharField(
        source="period.label",
        read_only=True,
        help_text="The period's name, as the report's pages and files give it, such as "
        '"1 April 2026 to 31 March 2027 (financial year 2026 to 2027)".',
    )
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "scope",
            "authority",
            "period_start",
            "period_end",
            "period_label",
            "status",
            "failure_reason",
            "requested_at",
            "finished_at",
            "data_cutoff",
            "suppression_threshold",
            "cells_suppressed",
            "downloads",
        ]

    def get_downloads(self, report: Report) -> dict[str, str]:
        if report.status != ReportStatus.READY:
            return {}
        return {
            fmt: reverse("outcomes:report-download", args=[report.pk, fmt])
            for fmt, _ in report.downloads
        }


class ReportCreateSerializer(serializers.Serializer):
    authority = serializers.IntegerField(
        allow_null=True,
        help_text="The authority's id, or null for all of London (programme leads only).",
    )
    period = serializers.ChoiceField(
        choices=PeriodKind.choices,
        help_text="`month`, `quarter` and `financial_year` take `start`, their first day (a "
        "quarter starts on 1 January, 1 April, 1 July or 1 October; a financial year on "
        "1 April), and must have ended. `last_12_months` takes neither date: the 12 whole "
        "months before this one. `dates` takes both.",
    )
    start = serializers.DateField(
        required=False, help_text="The first day of the period (YYYY-MM-DD)."
    )
    end = serializers.DateField(
        required=False,
        help_text="Only with `dates`: the last day, included; today at the latest, and less "
        f"than {LONGEST_PERIOD_YEARS} years after `start`.",
    )


REPORT_IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Makes the request safe to retry: a resend with the same key and body returns "
    "the first answer and asks for no second report; the same key with a different body is "
    "refused with 422.",
)


class CanHaveReports(IsAuthenticated):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return super().has_permission(request, view) and access.has_perm(
            cast(User, request.user), Perm.REPORT_DOWNLOAD
        )


@extend_schema(tags=["Reports"])
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reports the user may have, with their status and download links (aggregates only)."""

    serializer_class = ReportSerializer
    permission_classes = [CanHaveReports]
    lookup_value_converter = "int"

    def get_queryset(self) -> Any:
        user = cast(User, self.request.user)  # IsAuthenticated (CanHaveReports) let it in
        authorities, london = report_authorities(user)
        ids = [r.pk for r in reports_for_user(user, authorities=authorities, london=london)]
        return Report.objects.filter(pk__in=ids).prefetch_related("files").order_by("-requested_at")

    @extend_schema(
        request=ReportCreateSerializer,
        responses={201: ReportSerializer, 200: ReportSerializer},
        parameters=[REPORT_IDEMPOTENCY_HEADER],
    )
    @idempotent
    def create(self, request: Request) -> Response:
        """Ask for a report for any period (O7), with the reports page's rules. 201 when it is
        queued; 200 with the one already being made for the same place and period. Follow it
        at its own address until `status` is `ready`."""
        user = cast(User, request.user)  # CanHaveReports let only a signed-in person in
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        authority = None
        if values["authority"] is not None:
            authority = Authority.objects.filter(pk=values["authority"], active=True).first()
            if authority is None:
                raise serializers.ValidationError({"authority": ["No such authority."]})
        # Whose reports they may have, before what the period is: the same order as the page.
        if not report_services.may_have(user, authority.pk if authority else None):
            raise PermissionDenied
        period = period_for(
            values["period"],
            start=values.get("start"),
            end=values.get("end"),
            today=timezone.localdate(),
        )
        report, created = report_services.report_request(
            actor=user, authority=authority, start=period.start, end=period.end
        )
        return Response(ReportSerializer(report).data, status=201 if created else 200)


class GoalCreateSerializer(serializers.Serializer):
    episode = serializers.IntegerField()
    description = serializers.CharField(max_length=500)
    agreed_on = serializers.DateField()
    first_score = serializers.IntegerField(min_value=MIN_RATING, max_value=MAX_RATING)


class GoalRateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=MIN_RATING, max_value=MAX_RATING)
    rated_on = serializers.DateField()


class GoalEndSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["achieved", "replaced", "dropped"])
    version = serializers.IntegerField(min_value=1)
    replacement = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    replacement_score = serializers.IntegerField(
        min_value=MIN_RATING, max_value=MAX_RATING, required=False, allow_null=True
    )


class MeasureCreateSerializer(serializers.Serializer):
    episode = serializers.IntegerField()
    occasion = serializers.ChoiceField(choices=["baseline", "review", "end"])
    completed_on = serializers.DateField()
    item_answers = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=2, allow_null=True),
        required=False,
        help_text="Item number (1-25) -> the answer ticked: 0 Not true, 1 Somewhat true, "
        "2 Certainly true.",
    )
    scale_scores = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=10, allow_null=True),
        required=False,
        help_text="emotional, conduct, hyperactivity, peer, prosocial.",
    )


def _episode_for(request: Any, episode_id: int) -> Any:

    episode = Episode.objects.visible_to(request.user).filter(pk=episode_id).first()
    if episode is None:
        raise serializers.ValidationError({"episode": ["No such episode."]})
    return episode


class GoalWrites:
    """Mixed into GoalViewSet: set, rate and end goals through outcomes.services."""

    if TYPE_CHECKING:  # GoalViewSet's, from its viewset base

        def get_queryset(self) -> QuerySet[Goal]: ...
        def get_object(self) -> Goal: ...

    @extend_schema(request=GoalCreateSerializer, responses={201: GoalSerializer})
    @idempotent
    def create(self, request: Any) -> Response:
        data = GoalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        goal = services.goal_set(
            actor=request.user, episode=_episode_for(request, values.pop("episode")), **values
        )
        return Response(self._fresh(goal.pk), status=201)

    def _fresh(self, pk: int) -> Any:
        """Read back through the scoped queryset, with its ratings, for the response."""
        return GoalSerializer(self.get_queryset().get(pk=pk)).data

    @extend_schema(request=GoalRateSerializer, responses={201: GoalRatingSerializer})
    @action(detail=True, methods=["post"])
    def ratings(self, request: Any, pk: int) -> Response:
        goal = self.get_object()
        access.require_on(request.user, Perm.GOAL_WRITE, goal.episode)
        data = GoalRateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.goal_rate(actor=request.user, goal=goal, **data.validated_data)
        return Response(GoalRatingSerializer(rating).data, status=201)

    @extend_schema(request=GoalEndSerializer, responses={200: GoalSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Any, pk: int) -> Response:
        goal = self.get_object()
        access.require_on(request.user, Perm.GOAL_WRITE, goal.episode)
        data = GoalEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ended = services.goal_end(actor=request.user, goal=goal, **data.validated_data)
        return Response(self._fresh(ended.pk))


class MeasureWrites:
    @extend_schema(request=MeasureCreateSerializer, responses={201: MeasureResponseSerializer})
    @idempotent
    def create(self, request: Any) -> Response:

        data = MeasureCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        items = values.pop("item_answers", None)
        if items is not None:
            if any(not str(k).isdigit() for k in items):
                raise serializers.ValidationError({"item_answers": ["Keys must be item numbers."]})
            items = {int(k): v for k, v in items.items()}
        response = services.measure_record(
            actor=request.user,
            episode=_episode_for(request, values.pop("episode")),
            definition=sdq_definition(),
            item_answers=items,
            scale_scores=values.pop("scale_scores", None),
            **values,
        )
        return Response(MeasureResponseSerializer(response).data, status=201)


@extend_schema(tags=["Goals"])
class GoalViewSet(GoalWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Goal
    serializer_class = GoalSerializer

    def scoped(self, queryset: Any) -> Any:
        ratings = GoalRating.objects.visible_to(self.request.user).order_by("rated_on", "pk")
        return queryset.prefetch_related(Prefetch("ratings", queryset=ratings)).order_by("pk")


@extend_schema(tags=["Measures"])
class MeasureResponseViewSet(
    MeasureWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet
):
    model = MeasureResponse
    serializer_class = MeasureResponseSerializer

    def scoped(self, queryset: Any) -> Any:
        return queryset.select_related("definition").order_by("pk")
