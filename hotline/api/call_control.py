"""The agent's call control in the API (``hotline.telephony.control``, ``autodial``).

Thin: the shapes check types, the services decide who may and what is sent to the PBX.
A call the user may not see is the same 404 (``call_not_found``) as a missing one.

- ``POST calls/{id}/transfer/`` 转接 ``{"to": "agent"|"external"|"queue", "agent": 工号,
  "number": 外线号码, "queue": 队列}``; ``invite/`` 三方通话 ``{"agent"}`` or ``{"number"}``;
  ``hold/`` 保持, ``resume/`` 恢复 (no body): the call's own agent, on a live call.
- ``GET calls/ringing/`` the calls ringing unanswered in the user's skill groups' queues;
  ``POST calls/{id}/pickup/`` 抢接 one of them.
- ``POST callbacks/autodial/`` 自动外呼 ``{"queue", "tasks": [id, …]}`` (team leaders,
  administrators; no tasks: the most urgent open ones).

Each answers what was done: the call, the action and the call's control state for the user
(``talking``, ``held``, ``conference``, ``handed_on``). Refusals are problem details with a
stable code: ``call_not_yours``, ``call_not_live``, ``call_no_channel``, ``call_not_ringing``,
``call_held``, ``call_not_held``, ``call_in_conference``, ``agent_not_signed_in``,
``agent_on_call``, ``transfer_target_invalid``, ``transfer_target_unavailable``,
``transfer_queue_invalid``, ``external_calls_forbidden`` (403), ``invalid_phone``,
``pbx_not_configured``, ``no_change``; auto-dial adds ``autodial_too_many``,
``autodial_task_kind``, ``callback_task_closed``, ``callback_task_not_found``.
"""

from __future__ import annotations

from typing import Any

from django.urls import re_path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.api.serializers import StrictSerializer
from hotline.telephony import autodial, control, services
from hotline.telephony.models import Call

ID = "(?P<pk>[0-9]{1,10})"
STATES = "talking 通话中 / held 保持中 / conference 三方通话中 / handed_on 已转出"


class TransferIn(StrictSerializer):
    to = serializers.ChoiceField(
        choices=[("agent", "转坐席"), ("external", "转外线"), ("queue", "转队列")], help_text="转接方式"
    )
    agent = serializers.CharField(
        max_length=16, required=False, default="", allow_blank=True, help_text="转坐席:对方工号"
    )
    number = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True, help_text="转外线:号码(须有外线权限)"
    )
    queue = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True, help_text="转队列:队列名"
    )


class InviteIn(StrictSerializer):
    agent = serializers.CharField(
        max_length=16, required=False, default="", allow_blank=True, help_text="邀请坐席:工号"
    )
    number = serializers.CharField(
        max_length=40, required=False, default="", allow_blank=True, help_text="邀请外线:号码(须有外线权限)"
    )


class ControlOut(serializers.Serializer[Any]):
    call = serializers.IntegerField(source="call.pk", help_text="通话 id")
    action = serializers.CharField(help_text="transfer / invite / hold / resume / pickup")
    state = serializers.CharField(help_text=f"操作后该通话对您的状态:{STATES}")
    target = serializers.CharField(help_text="目标:agent:工号、external:号码、queue:队列、分机号")


class RingingOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    queue = serializers.CharField()
    caller = serializers.SerializerMethodField(help_text="来电号码;身份保密时打码")
    area = serializers.CharField()
    started_at = serializers.DateTimeField()

    def get_caller(self, obj: Call) -> str:
        return services.shown_number(obj.caller, services.number_hidden(obj))


class AutodialIn(StrictSerializer):
    queue = serializers.CharField(max_length=64, help_text="接通后进入的队列(技能组的队列名)")
    tasks = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=9_999_999_999),
        required=False,
        max_length=100,
        help_text="要外呼的任务 id(待处理的外呼任务或未接回呼);不填:最紧急的若干个",
    )


class AutodialRowOut(serializers.Serializer[Any]):
    task = serializers.IntegerField()
    call = serializers.IntegerField()
    call_id = serializers.CharField()


class AutodialOut(serializers.Serializer[Any]):
    dialled = AutodialRowOut(many=True)
    skipped = serializers.ListField(child=serializers.IntegerField(), help_text="仍在呼叫中而跳过的任务 id")


def _answer(done: control.Controlled) -> Response:
    return Response(ControlOut(done).data)


class CallTransferView(APIView):
    @extend_schema(
        operation_id="call_transfer",
        request=TransferIn,
        responses=ControlOut,
        description="转接(盲转):来电转到另一座席(工号)、外线号码或队列;本座席结束通话进入话后整理。"
        "外线须有权限(403 external_calls_forbidden);对方座席不存在 400 transfer_target_invalid、"
        "未签入或通话中 409 transfer_target_unavailable;队列无效 400 transfer_queue_invalid",
    )
    def post(self, request: Request, pk: str) -> Response:
        form = TransferIn(data=request.data)
        form.is_valid(raise_exception=True)
        call = control.access_own_call(request.user, pk)
        return _answer(control.call_transfer(call=call, actor=request.user, **form.validated_data))


class CallInviteView(APIView):
    @extend_schema(
        operation_id="call_invite",
        request=InviteIn,
        responses=ControlOut,
        description="三方通话:邀请一位座席(工号)或一个外线号码(须有权限)加入本通话;"
        "保持中 409 call_held。座席随后挂机即为咨询后转接",
    )
    def post(self, request: Request, pk: str) -> Response:
        form = InviteIn(data=request.data)
        form.is_valid(raise_exception=True)
        call = control.access_own_call(request.user, pk)
        return _answer(control.call_invite(call=call, actor=request.user, **form.validated_data))


class CallHoldView(APIView):
    @extend_schema(
        operation_id="call_hold",
        request=None,
        responses=ControlOut,
        description="保持:来电听等待音乐;已在保持中 409 no_change;三方通话中 409 call_in_conference",
    )
    def post(self, request: Request, pk: str) -> Response:
        call = control.access_own_call(request.user, pk)
        return _answer(control.call_hold(call=call, actor=request.user))


class CallResumeView(APIView):
    @extend_schema(
        operation_id="call_resume",
        request=None,
        responses=ControlOut,
        description="恢复:保持中的来电回到本座席分机(分机振铃);不在保持中 409 call_not_held",
    )
    def post(self, request: Request, pk: str) -> Response:
        call = control.access_own_call(request.user, pk)
        return _answer(control.call_resume(call=call, actor=request.user))


class CallPickupView(APIView):
    @extend_schema(
        operation_id="call_pickup",
        request=None,
        responses=ControlOut,
        description="抢接:把本人技能组队列中正在振铃(未接)的来电接到本座席分机;"
        "已被接听或抢接 409 call_not_ringing;本人通话中 409 agent_on_call",
    )
    def post(self, request: Request, pk: str) -> Response:
        call = control.access_ringing_call(request.user, pk)
        return _answer(control.call_pickup(call=call, actor=request.user))


class RingingCallsView(APIView):
    @extend_schema(
        operation_id="calls_ringing",
        responses=RingingOut(many=True),
        description="本人技能组队列中正在振铃、尚未接听的来电(可抢接),最早的在前;未签入时为空",
    )
    def get(self, request: Request) -> Response:
        return Response(RingingOut(control.ringing_for_pickup(request.user), many=True).data)


class AutodialView(APIView):
    @extend_schema(
        operation_id="callbacks_autodial",
        request=AutodialIn,
        responses={201: AutodialOut},
        description="自动外呼(班长、管理员):批量呼叫所选任务,接通后进入队列,优先分配给任务负责人;"
        "一次最多 HOTLINE_AUTODIAL_MAX 个(400 autodial_too_many);只能是待处理的外呼任务或未接回呼"
        "(400 autodial_task_kind,409 callback_task_closed);都在呼叫中 409 no_change",
    )
    def post(self, request: Request) -> Response:
        form = AutodialIn(data=request.data)
        form.is_valid(raise_exception=True)
        done = autodial.autodial(
            leader=request.user, queue=form.validated_data["queue"], tasks=form.validated_data.get("tasks")
        )
        body = {
            "dialled": [{"task": t.pk, "call": c.pk, "call_id": c.call_id} for t, c in done.dialled],
            "skipped": [t.pk for t in done.skipped],
        }
        return Response(AutodialOut(body).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    re_path(r"^calls/ringing/$", RingingCallsView.as_view(), name="calls-ringing"),
    re_path(rf"^calls/{ID}/transfer/$", CallTransferView.as_view(), name="call-transfer"),
    re_path(rf"^calls/{ID}/invite/$", CallInviteView.as_view(), name="call-invite"),
    re_path(rf"^calls/{ID}/hold/$", CallHoldView.as_view(), name="call-hold"),
    re_path(rf"^calls/{ID}/resume/$", CallResumeView.as_view(), name="call-resume"),
    re_path(rf"^calls/{ID}/pickup/$", CallPickupView.as_view(), name="call-pickup"),
    re_path(r"^callbacks/autodial/$", AutodialView.as_view(), name="callbacks-autodial"),
]
