"""API for supervision records and actions (X4)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import access
from accounts.models import Team, User
from cases.models import Episode
from supervision import services
from supervision.models import Action, SupervisionFormat, SupervisionRecord
from yourchoice.api.viewsets import ScopedViewSet, idempotent


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


class AttendeeInput(serializers.Serializer):
    coach = serializers.IntegerField()
    wellbeing_checkin = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=2000
    )


class DiscussionInput(serializers.Serializer):
    episode = serializers.IntegerField()
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class ActionInput(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    owner = serializers.IntegerField()
    due_on = serializers.DateField()
    episode = serializers.IntegerField(required=False, allow_null=True)


class SupervisionCreateSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    held_on = serializers.DateField()
    format = serializers.ChoiceField(choices=SupervisionFormat.choices)
    coaches = AttendeeInput(many=True)
    discussions = DiscussionInput(many=True, required=False, default=list)
    decisions = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    actions = ActionInput(many=True, required=False, default=list)


def _create_record(request: Any) -> Response:

    data = SupervisionCreateSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    team = Team.objects.filter(
        pk__in=access.supervised_team_ids(request.user), pk=values["team"]
    ).first()
    if team is None:
        raise serializers.ValidationError({"team": ["Choose a team you supervise."]})
    episodes = {e.pk: e for e in Episode.objects.visible_to(request.user).filter(team=team)}

    def episode(pk: int | None) -> Episode | None:
        if pk is None:
            return None
        if pk not in episodes:
            raise serializers.ValidationError({"episode": [f"No such episode in this team: {pk}."]})
        return episodes[pk]

    owners = {u.pk: u for u in User.objects.filter(pk__in=[a["owner"] for a in values["actions"]])}
    if len(owners) != len({a["owner"] for a in values["actions"]}):
        raise serializers.ValidationError({"actions": ["Each action needs an owner who exists."]})
    record = services.supervision_record(
        actor=request.user,
        team=team,
        data=services.SupervisionInput(
            held_on=values["held_on"],
            format=values["format"],
            coaches={c["coach"]: c["wellbeing_checkin"] for c in values["coaches"]},
            discussions=[
                services.Discussion(episode=episode(d["episode"]), notes=d["notes"])  # type: ignore[arg-type]  # its serializer requires an episode: never None
                for d in values["discussions"]
            ],
            decisions=values["decisions"],
            actions=[
                services.AgreedAction(
                    description=a["description"],
                    owner=owners[a["owner"]],
                    due_on=a["due_on"],
                    episode=episode(a.get("episode")),
                )
                for a in values["actions"]
            ],
        ),
    )
    return Response(SupervisionRecordSerializer(record).data, status=201)


@extend_schema(tags=["Supervision"])
class SupervisionRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Supervision sessions (wellbeing check-ins and case notes stay on the pages)."""

    model = SupervisionRecord
    serializer_class = SupervisionRecordSerializer
    # A session's date, team and who attended: nothing about any young person (what was said
    # about each case stays on the pages, whose reads are audited there).
    young_person_path = None

    def scoped(self, queryset: Any) -> Any:
        return queryset.prefetch_related("attendees").order_by("pk")

    @extend_schema(
        request=SupervisionCreateSerializer, responses={201: SupervisionRecordSerializer}
    )
    @idempotent
    def create(self, request: Any) -> Response:
        """Record supervision for a team you supervise, as on the page."""
        return _create_record(request)


@extend_schema(tags=["Supervision"])
class ActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    model = Action
    serializer_class = ActionSerializer

    def scoped(self, queryset: Any) -> Any:
        return queryset.order_by("pk")

    @extend_schema(request=None, responses={200: ActionSerializer})
    @action(detail=True, methods=["post"])
    def done(self, request: Any, pk: int) -> Response:
        """Mark an action done: its owner, or a supervisor of its team."""
        done = services.action_complete(actor=request.user, action=self.get_object())
        return Response(ActionSerializer(done).data)
