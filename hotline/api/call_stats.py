"""``/api/v1/stats/calls/``: the call report (话务报表) — the call measures of
``telephony.stats`` over a period by one dimension, with the period's total.

Thin: ``reports.calls`` checks the request (the report centre's period: ``from``/``to``,
codes ``stats_date_required``, ``stats_invalid_date``, ``invalid_range``,
``range_too_long``; one dimension ``by``: ``stats_unknown_dimension``,
``stats_too_many_dimensions``; ``stats_invalid_parameter``) and counts. Who may not see it
(anyone but the centre's coordinators, leaders, team leaders and administrators) gets the
404 ``not_found``, the same as for a report that does not exist. Rates are fractions (0–1),
durations seconds; no caller's number is in any row.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.reports.calls import (
    ANSWER_RATE_TARGET,
    CALL_DIMENSIONS,
    SERVICE_LEVEL_SECONDS,
    CallReport,
    access_call_stats,
    call_report,
    parse_call_query,
)
from hotline.telephony.stats import Figures


class CallFiguresOut(serializers.Serializer[Any]):
    offered = serializers.IntegerField(help_text="呼入量:呼入且未被黑名单拦截的来电")
    answered = serializers.IntegerField(help_text="接通量")
    abandoned = serializers.IntegerField(help_text="排队中放弃")
    missed = serializers.IntegerField(help_text="振铃未接")
    lost = serializers.IntegerField(help_text="呼损 = 放弃 + 未接")
    waiting = serializers.IntegerField(help_text="仍在振铃/排队")
    within_service = serializers.IntegerField(help_text="15 秒内接通")
    blocked = serializers.IntegerField(help_text="黑名单拦截")
    outbound = serializers.IntegerField(help_text="呼出量")
    outbound_connected = serializers.IntegerField(help_text="呼出接通")
    wait_avg = serializers.FloatField(allow_null=True, help_text="平均等待(秒),接通的来电")
    talk_avg = serializers.FloatField(allow_null=True, help_text="平均通话(秒),已结束的接通来电")
    handle_avg = serializers.FloatField(allow_null=True, help_text="平均处理(秒)= 通话 + 话后整理")
    talk_total = serializers.IntegerField(help_text="通话总时长(秒)")
    surveyed = serializers.IntegerField(help_text="按键满意度评价数")
    survey_1 = serializers.IntegerField(help_text="非常满意")
    survey_2 = serializers.IntegerField(help_text="满意")
    survey_3 = serializers.IntegerField(help_text="一般")
    survey_4 = serializers.IntegerField(help_text="不满意")
    service_level = serializers.FloatField(allow_null=True, help_text="服务水平 = 15 秒内接通 ÷(接通 + 呼损)")
    answer_rate = serializers.FloatField(
        allow_null=True, help_text="接通率 = 接通 ÷(接通 + 呼损),目标 ≥ 0.95"
    )
    satisfied_rate = serializers.FloatField(allow_null=True, help_text="满意率 =(非常满意 + 满意)÷ 评价数")


class CallRowOut(serializers.Serializer[Any]):
    key = serializers.CharField(
        help_text="时段 00–23、日期 2026-03-05、月份 2026-03、归属地、座席用户编号、队列名、接入号码"
        "(呼出为 outbound)、按键 1–4、流程 working/after_hours;空为未填"
    )
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label
    figures = CallFiguresOut()


class CallRangeOut(serializers.Serializer[Any]):
    from_ = serializers.DateField(source="from_")  # answered as "from" (get_fields)
    to = serializers.DateField()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class CallStatsOut(serializers.Serializer[Any]):
    by = serializers.CharField(allow_null=True)
    label = serializers.CharField(help_text="维度名称")  # type: ignore[assignment]  # the field, not Field.label
    range = CallRangeOut()
    service_seconds = serializers.IntegerField(help_text="服务水平的接通时限(秒)")
    answer_rate_target = serializers.FloatField(help_text="接通率目标(004 L446:95%)")
    rows = CallRowOut(many=True)
    total = CallFiguresOut(help_text="整个期间的合计")


def _figures(f: Figures) -> dict[str, Any]:
    return f.as_dict()


def body(report: CallReport) -> dict[str, Any]:
    query = report.query
    return {
        "by": query.by,
        "label": query.dimension_label,
        "range": {"from_": query.date_from, "to": query.date_to},
        "service_seconds": SERVICE_LEVEL_SECONDS,
        "answer_rate_target": ANSWER_RATE_TARGET,
        "rows": [{"key": r.key, "label": r.label, "figures": _figures(r.figures)} for r in report.rows],
        "total": _figures(report.total),
    }


class CallStatsView(APIView):
    @extend_schema(
        summary="话务报表",
        parameters=[
            OpenApiParameter("by", str, enum=list(CALL_DIMENSIONS), description="一个维度;不填只给合计"),
            OpenApiParameter("from", str, required=True, description="开始日期 YYYY-MM-DD(含,本地时间)"),
            OpenApiParameter("to", str, required=True, description="结束日期 YYYY-MM-DD(含)"),
        ],
        responses={
            200: CallStatsOut,
            400: OpenApiResponse(
                description="参数有误:stats_date_required、stats_invalid_date、invalid_range、"
                "range_too_long、stats_unknown_dimension、stats_too_many_dimensions"
            ),
            404: OpenApiResponse(description="无权查看(not_found)"),
        },
    )
    def get(self, request: Request) -> Response:
        access_call_stats(request.user)
        query = parse_call_query(request.query_params)
        return Response(CallStatsOut(body(call_report(query))).data)
