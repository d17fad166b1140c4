"""The call-centre floor in the API (issue 13): the wallboard's snapshot, a team leader's
actions on an agent, and the agent's 转满意度评价.

Thin: ``hotline.telephony.floor`` decides who may act and what is sent, ``hotline.telephony
.wallboard`` builds the figures (``stats.figures`` over the call log).

- ``floor/wallboard/`` (GET) the floor now and today's and this hour's measures; team leaders
  and administrators only (403 ``floor_forbidden``). Caller numbers in ``queue`` are masked
  when a linked ticket is confidential.
- ``floor/agents/{id}/actions/`` (POST ``{"kind": "barge", "note": ""}``) one action:
  ``monitor`` 监听, ``whisper`` 耳语, ``barge`` 强插, ``intercept`` 拦截, ``hangup`` 强拆,
  ``logout`` 强制签出, ``busy`` 强制示忙, ``ready`` 强制示闲 → 201 with the logged action and
  the AMI actions sent. A missing agent and one the user may not act on: 404
  ``agent_not_found``; on oneself 400 ``supervisor_self``; nothing to change 409
  ``no_change``; no live call 409 ``agent_no_live_call``; the PBX named no channel 409
  ``call_no_channel``; the leader not signed in at an extension 409 ``leader_not_signed_in``;
  the agent on a call (busy/ready) 409 ``agent_on_call``; not signed in 409
  ``agent_not_signed_in``; no PBX configured 409 ``pbx_not_configured``.
- ``calls/{id}/survey/`` (POST, no body) the call's own agent sends the caller to the keypad
  survey → the call's id and ``survey_offered_at``; another user's call or a missing one 404
  ``call_not_found``; once per call (409 ``survey_already_offered``), on a call in progress
  (409 ``call_not_live``) whose caller channel is known (409 ``call_no_channel``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.api.serializers import StrictSerializer, Text
from hotline.core.errors import Forbidden, NotFound
from hotline.telephony import floor, services, wallboard
from hotline.telephony.models import Call, SupervisorAction, SupervisorKind

KINDS_HELP = "、".join(f"{value} {label}" for value, label in SupervisorKind.choices)


class FloorFiguresOut(serializers.Serializer[Any]):
    offered = serializers.IntegerField(help_text="呼入量(不含黑名单拦截)")
    answered = serializers.IntegerField(help_text="接通")
    abandoned = serializers.IntegerField(help_text="排队中放弃")
    missed = serializers.IntegerField(help_text="振铃未接")
    lost = serializers.IntegerField(help_text="呼损 = 放弃 + 未接")
    waiting = serializers.IntegerField(help_text="时段内开始、仍在排队的来电")
    within_service = serializers.IntegerField(help_text="15 秒内接通")
    service_level = serializers.FloatField(allow_null=True, help_text="服务水平:15 秒内接通 ÷ (接通 + 呼损)")
    answer_rate = serializers.FloatField(allow_null=True, help_text="接通率:接通 ÷ (接通 + 呼损)")
    wait_avg = serializers.FloatField(allow_null=True, help_text="平均等待(秒)")
    talk_avg = serializers.FloatField(allow_null=True, help_text="平均通话(秒)")
    handle_avg = serializers.FloatField(allow_null=True, help_text="平均处理 = 通话 + 话后整理(秒)")
    blocked = serializers.IntegerField()
    outbound = serializers.IntegerField()
    outbound_connected = serializers.IntegerField()
    surveyed = serializers.IntegerField(help_text="按键满意度评价数")
    satisfied_rate = serializers.FloatField(allow_null=True, help_text="非常满意 + 满意 ÷ 评价数")


class FloorWaitingOut(serializers.Serializer[Any]):
    call = serializers.IntegerField(help_text="通话 id")
    number = serializers.CharField(help_text="来电号码(关联保密工单时打码)")
    area = serializers.CharField()
    queue = serializers.CharField()
    seconds = serializers.IntegerField(help_text="已等待(秒)")


class FloorAgentOut(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="座席 id(班长操作用)")
    staff_no = serializers.CharField()
    name = serializers.CharField()
    extension = serializers.CharField()
    state = serializers.CharField(help_text="offline / ready / busy / wrapup / break / mute")
    state_label = serializers.CharField()
    seconds = serializers.IntegerField(help_text="本状态已持续(秒)")
    call = serializers.IntegerField(allow_null=True, help_text="通话中的通话 id")


class WallboardOut(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    today_from = serializers.DateTimeField(help_text="今日起点(本地时间 0 点)")
    hour_from = serializers.DateTimeField(help_text="本小时起点")
    waiting = serializers.IntegerField(help_text="正在排队的来电数")
    longest_wait = serializers.IntegerField(allow_null=True, help_text="最长等待(秒)")
    queue = FloorWaitingOut(many=True)
    states = serializers.DictField(child=serializers.IntegerField(), help_text="各状态座席数")
    agents = FloorAgentOut(many=True)
    today = FloorFiguresOut(help_text="今日开始的通话")
    hour = FloorFiguresOut(help_text="本小时开始的通话")


class SupervisorActionIn(StrictSerializer):
    kind = serializers.CharField(max_length=16, help_text=KINDS_HELP)
    note = Text(max_length=200, help_text="说明(选填)")


class SupervisorActionOut(serializers.ModelSerializer[SupervisorAction]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    leader = serializers.CharField(source="leader.username", read_only=True)
    agent = serializers.IntegerField(source="agent_id", read_only=True)
    staff_no = serializers.CharField(source="agent.staff_no", read_only=True)
    call = serializers.IntegerField(source="call_id", read_only=True, allow_null=True)
    sent = serializers.JSONField(
        read_only=True, help_text='发送给交换机的 AMI 指令:{"actions": [{"Action": …}]};未配置交换机为 {}'
    )

    class Meta:
        model = SupervisorAction
        fields = ["id", "kind", "kind_label", "leader", "agent", "staff_no", "call", "at", "sent", "note"]
        read_only_fields = fields


class SurveyOfferOut(serializers.Serializer[Any]):
    call = serializers.IntegerField(source="pk")
    survey_offered_at = serializers.DateTimeField()


class WallboardView(APIView):
    @extend_schema(operation_id="floor_wallboard", responses=WallboardOut)
    def get(self, request: Request) -> Response:
        if not services.may_supervise(request.user):
            raise Forbidden("大屏仅对班长和管理员开放", code="floor_forbidden")
        return Response(WallboardOut(wallboard.snapshot().as_dict()).data)


class AgentActionView(APIView):
    @extend_schema(
        operation_id="floor_agent_action", request=SupervisorActionIn, responses={201: SupervisorActionOut}
    )
    def post(self, request: Request, pk: str) -> Response:
        agent = floor.access_agent(request.user, pk)
        form = SupervisorActionIn(data=request.data)
        form.is_valid(raise_exception=True)
        done = floor.supervise(
            leader=request.user,
            agent=agent,
            kind=form.validated_data["kind"],
            note=form.validated_data.get("note", ""),
        )
        return Response(SupervisorActionOut(done).data, status=status.HTTP_201_CREATED)


class CallSurveyView(APIView):
    @extend_schema(operation_id="call_offer_survey", request=None, responses=SurveyOfferOut)
    def post(self, request: Request, pk: str) -> Response:
        call = Call.objects.filter(pk=int(pk)).first()
        if call is None:
            raise NotFound("通话不存在或您无权查看", code="call_not_found")
        return Response(SurveyOfferOut(floor.offer_survey(call=call, actor=request.user)).data)
