"""Rectification notices (整改通知书) in the API: ``/api/v1/rectifications/``.

Thin, like the rest of the API: the shapes check types and refuse unknown fields,
``hotline.rectification.services`` decides (who may, which status, the deadline on the
calendar) and ``access`` scopes (a notice the user may not see is the same 404 as a missing
one, ``rectification_not_found``).

- ``GET /`` the notices the user may see, newest first; ``status``, ``unit`` (code, its
  subtree too), ``overdue`` (owing a report past the deadline), ``ticket`` (number).
- ``POST /`` issue one (coordinator, leader, admin; ``unit`` in their jurisdiction).
- ``GET /{number}/`` one notice with its reports, history and the actions open to the user.
- ``POST /{number}/report|verify|send_back|withdraw/`` the steps; ``version`` (optional) is
  the version the user read: stale → 409 ``stale_version``; another step won → 409
  ``rectification_wrong_status``; nothing to do → 409 ``no_change``; not the user's part →
  403 ``rectification_forbidden``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hotline.api.serializers import StrictSerializer, Text
from hotline.core.errors import InvalidInput
from hotline.core.types import User
from hotline.org.models import Unit
from hotline.rectification.access import access_notice
from hotline.rectification.models import Notice, NoticeStatus, NoticeStep, Report
from hotline.rectification.selectors import notices_for
from hotline.rectification.services import MAX_DAYS, allowed_actions, notice_act, notice_issue
from hotline.workflow.access import access_ticket

NUMBER_REGEX = "ZG[0-9]{4}-[0-9]{4,9}"
VERSION_HELP = "所阅读的版本(选填);此后有人处理过时 409 stale_version"


def _person(user: User | None, label: str = "") -> str:
    if user is None:
        return label
    return user.get_full_name() or user.username


# --- shapes --------------------------------------------------------------------------------


class NoticeIn(StrictSerializer):
    """Only types are checked here; the service says what is missing or wrong
    (``unit_required``, ``invalid_unit``, ``unit_out_of_scope``, ``subject_required``,
    ``problem_required``, ``requirement_required``, ``invalid_days`` …)."""

    unit = serializers.CharField(max_length=32, help_text="整改单位编码")
    ticket = Text(max_length=20, help_text="相关工单编号(选填;针对某类问题时留空)")
    subject = Text(max_length=200, help_text="标题")
    problem = Text(max_length=5000, help_text="存在问题")
    requirement = Text(max_length=5000, help_text="整改要求")
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, help_text="整改期限,工作日数")


class ReportIn(StrictSerializer):
    text = Text(max_length=5000, help_text="整改报告:整改措施与结果(必填)")
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=VERSION_HELP
    )


class VerifyIn(StrictSerializer):
    comment = Text(max_length=1000, help_text="验证意见(选填)")
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=VERSION_HELP
    )


class SendBackIn(StrictSerializer):
    reason = Text(max_length=1000, help_text="退回理由(必填)")
    days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_DAYS,
        help_text="新的整改期限,自退回时起的工作日数(选填;不填则原期限不变)",
    )
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=VERSION_HELP
    )


class WithdrawIn(StrictSerializer):
    reason = Text(max_length=1000, help_text="撤回理由(必填)")
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=VERSION_HELP
    )


class NoticeQuery(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=NoticeStatus.choices, required=False, help_text="状态")
    unit = serializers.CharField(max_length=32, required=False, help_text="整改单位编码(含下级单位)")
    overdue = serializers.BooleanField(required=False, default=False, help_text="只看超期未报的")
    ticket = serializers.CharField(max_length=20, required=False, help_text="相关工单编号")


class UnitRef(serializers.Serializer[Unit]):
    code = serializers.CharField()
    name = serializers.CharField()


class ReportOut(serializers.ModelSerializer[Report]):
    submitted_by = serializers.SerializerMethodField()
    on_time = serializers.BooleanField(read_only=True, help_text="是否在当时的期限内提交")

    class Meta:
        model = Report
        fields = ["seq", "text", "submitted_by", "submitted_at", "due_at", "on_time"]

    def get_submitted_by(self, obj: Report) -> str:
        return _person(obj.submitted_by)


class StepOut(serializers.ModelSerializer[NoticeStep]):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = NoticeStep
        fields = ["seq", "action", "actor", "from_status", "to_status", "comment", "payload", "at"]

    def get_actor(self, obj: NoticeStep) -> str:
        return _person(obj.actor, obj.actor_label)


class NoticeOut(serializers.ModelSerializer[Notice]):
    unit = UnitRef()
    ticket = serializers.SerializerMethodField()
    issued_by = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    overdue = serializers.SerializerMethodField(help_text="欠报告且已过整改期限")

    class Meta:
        model = Notice
        fields = [
            "number",
            "unit",
            "ticket",
            "subject",
            "status",
            "status_label",
            "days",
            "issued_by",
            "issued_at",
            "due_at",
            "provisional",
            "reported_at",
            "on_time",
            "verified_at",
            "closed_at",
            "overdue",
            "version",
        ]

    def get_ticket(self, obj: Notice) -> str | None:
        return obj.ticket.number if obj.ticket_id and obj.ticket else None

    def get_issued_by(self, obj: Notice) -> str:
        return _person(obj.issued_by)

    def get_overdue(self, obj: Notice) -> bool:
        return obj.awaiting_report and obj.due_at < timezone.now()


class NoticeDetailOut(NoticeOut):
    reports = ReportOut(many=True, read_only=True)
    steps = StepOut(many=True, read_only=True)
    actions = serializers.SerializerMethodField(help_text="当前用户可执行的操作")

    class Meta(NoticeOut.Meta):
        fields = [
            *NoticeOut.Meta.fields,
            "problem",
            "requirement",
            "remind_at",
            "reports",
            "steps",
            "actions",
        ]

    def get_actions(self, obj: Notice) -> list[str]:
        request = self.context.get("request")
        return allowed_actions(obj, request.user) if request is not None else []


# --- views ---------------------------------------------------------------------------------

STEP_DOC = "整改流程:{}。"


class RectificationViewSet(viewsets.GenericViewSet[Notice]):
    lookup_field = "number"
    lookup_value_regex = NUMBER_REGEX
    serializer_class = NoticeOut

    def get_queryset(self) -> QuerySet[Notice]:
        return Notice.objects.none()  # every read goes through access / selectors

    def _detail(self, number: str, *, code: int = status.HTTP_200_OK) -> Response:
        notice = access_notice(self.request.user, number)
        fresh = (
            Notice.objects.select_related("unit", "ticket", "issued_by")
            .prefetch_related("reports__submitted_by", "steps__actor")
            .get(pk=notice.pk)
        )
        return Response(NoticeDetailOut(fresh, context={"request": self.request}).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=NoticeStatus.values, description="状态"),
            OpenApiParameter("unit", str, description="整改单位编码(含下级单位)"),
            OpenApiParameter("overdue", bool, description="只看超期未报的"),
            OpenApiParameter("ticket", str, description="相关工单编号"),
        ],
        responses=NoticeOut(many=True),
    )
    def list(self, request: Request) -> Response:
        query = NoticeQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        unit = None
        if data.get("unit"):
            unit = Unit.objects.filter(code=data["unit"]).first()
            if unit is None:
                raise InvalidInput(f"单位编码“{data['unit']}”不存在", code="invalid_unit", field="unit")
        qs = notices_for(
            request.user,
            status=data.get("status", ""),
            unit=unit,
            overdue=data.get("overdue", False),
            ticket=data.get("ticket", ""),
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(NoticeOut(page, many=True).data)

    @extend_schema(request=NoticeIn, responses={201: NoticeDetailOut})
    def create(self, request: Request) -> Response:
        form = NoticeIn(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        unit = Unit.objects.filter(code=data["unit"]).first()
        if unit is None:
            raise InvalidInput(f"单位编码“{data['unit']}”不存在", code="invalid_unit", field="unit")
        ticket = access_ticket(request.user, data["ticket"]) if data.get("ticket") else None
        notice = notice_issue(
            actor=request.user,
            unit=unit,
            ticket=ticket,
            subject=data.get("subject", ""),
            problem=data.get("problem", ""),
            requirement=data.get("requirement", ""),
            days=data["days"],
        )
        return self._detail(notice.number, code=status.HTTP_201_CREATED)

    @extend_schema(responses=NoticeDetailOut)
    def retrieve(self, request: Request, number: str) -> Response:
        return self._detail(number)

    def _step(self, request: Request, number: str, name: str, shape: type[StrictSerializer]) -> Response:
        notice = access_notice(request.user, number)
        form = shape(data=request.data)
        form.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(form.validated_data)
        version = data.pop("version", None)
        notice_act(notice=notice, action=name, actor=request.user, data=data, expected_version=version)
        return self._detail(number)

    @extend_schema(
        request=ReportIn, responses=NoticeDetailOut, description=STEP_DOC.format("整改单位负责人提交整改报告")
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, number: str) -> Response:
        return self._step(request, number, "report", ReportIn)

    @extend_schema(
        request=VerifyIn, responses=NoticeDetailOut, description=STEP_DOC.format("监督部门验证通过")
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, number: str) -> Response:
        return self._step(request, number, "verify", VerifyIn)

    @extend_schema(
        request=SendBackIn, responses=NoticeDetailOut, description=STEP_DOC.format("监督部门退回重改")
    )
    @action(detail=True, methods=["post"], url_path="send_back")
    def send_back(self, request: Request, number: str) -> Response:
        return self._step(request, number, "send_back", SendBackIn)

    @extend_schema(request=WithdrawIn, responses=NoticeDetailOut, description=STEP_DOC.format("监督部门撤回"))
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, number: str) -> Response:
        return self._step(request, number, "withdraw", WithdrawIn)
