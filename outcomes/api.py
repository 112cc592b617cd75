"""API for goals, measures and reports (X4)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from outcomes.models import Goal, GoalRating, MeasureResponse, Report
from outcomes.selectors import reports_for_user
from outcomes.views import _report_authorities
from yourchoice import access
from yourchoice.access import Perm
from yourchoice.api import ScopedViewSet


class GoalRatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = GoalRating
        fields = ["score", "rated_on", "session_log"]


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
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "scope",
            "authority",
            "period_start",
            "period_end",
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
        if report.status != "ready":
            return {}
        return {
            f.format: reverse("outcomes:report-download", args=[report.pk, f.format])
            for f in report.files.all()
        }


@extend_schema(tags=["Goals"])
class GoalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Goal
    serializer_class = GoalSerializer

    def scoped(self, queryset: Any) -> Any:
        ratings = GoalRating.objects.visible_to(self.request.user).order_by("rated_on", "pk")
        return queryset.prefetch_related(Prefetch("ratings", queryset=ratings)).order_by("pk")


@extend_schema(tags=["Measures"])
class MeasureResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = MeasureResponse
    serializer_class = MeasureResponseSerializer

    def scoped(self, queryset: Any) -> Any:
        return queryset.select_related("definition").order_by("pk")


class CanHaveReports(IsAuthenticated):
    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return super().has_permission(request, view) and access.has_perm(
            request.user, Perm.REPORT_DOWNLOAD
        )


@extend_schema(tags=["Reports"])
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reports the user may have, with their status and download links (aggregates only)."""

    serializer_class = ReportSerializer
    permission_classes = [CanHaveReports]
    lookup_value_converter = "int"

    def get_queryset(self) -> Any:
        authorities, london = _report_authorities(self.request.user)
        ids = [
            r.pk
            for r in reports_for_user(self.request.user, authorities=authorities, london=london)
        ]
        return Report.objects.filter(pk__in=ids).prefetch_related("files").order_by("-requested_at")
