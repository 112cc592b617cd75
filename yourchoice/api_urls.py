"""Routes of the REST API, version 1, and its OpenAPI schema and offline docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from cases.api import EpisodeViewSet, FlagViewSet, YoungPersonViewSet
from cases.contexts.api import ContextViewSet
from outcomes.api import GoalViewSet, MeasureResponseViewSet, ReportViewSet
from sessions.api import SessionLogViewSet
from supervision.api import ActionViewSet, SupervisionRecordViewSet

router = SimpleRouter(use_regex_path=False)
router.register("young-people", YoungPersonViewSet, basename="young-person")
router.register("episodes", EpisodeViewSet, basename="episode")
router.register("session-logs", SessionLogViewSet, basename="session-log")
router.register("goals", GoalViewSet, basename="goal")
router.register("measures", MeasureResponseViewSet, basename="measure")
router.register("flags", FlagViewSet, basename="flag")
router.register("contexts", ContextViewSet, basename="context")
router.register("supervision-records", SupervisionRecordViewSet, basename="supervision-record")
router.register("actions", ActionViewSet, basename="action")
router.register("reports", ReportViewSet, basename="report")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
