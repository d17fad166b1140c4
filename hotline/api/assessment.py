"""Assessment scorecards (考核) in the API: ``/api/v1/assessment/``.

Thin: ``assessment.selectors`` scopes (coordinator/leader/admin: their jurisdiction; a
department head: its unit and handlers; a handler: their own card) and counts,
``assessment.scoring`` scores with the organisation's rule. Every body is
``assessment.present``'s.

- ``GET units/?period=2026-10`` (or ``2026-Q4``, ``2026``, or ``from``/``to``; default last
  month) the ranking of the units right below the user's jurisdiction, or below ``parent``.
- ``GET units/{code}/?period=`` one unit's card.
- ``GET handlers/?period=&unit=`` the ranking of handlers (in ``unit`` and below).
- ``GET handlers/{username}/?period=`` one handler's card.

Errors: 403 ``assessment_forbidden``; 404 ``assessment_not_found`` (missing and out of view
are one answer); 400 ``assessment_invalid_period``, ``invalid_range``, ``range_too_long``;
400 ``assessment_no_rule`` when no rule is active.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.assessment.periods import parse_period
from hotline.assessment.present import card_data, ranking_data
from hotline.assessment.selectors import (
    check_may_view,
    handler_card,
    handler_ranking,
    unit_by_code,
    unit_card,
    unit_ranking,
)

SUBJECT_KINDS = [("unit", "unit"), ("handler", "handler")]  # what a scorecard is of


class RuleOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RatePartOut(serializers.Serializer[Any]):
    code = serializers.CharField(
        help_text="on_time_rate / response_rate / resolution_rate / satisfaction_rate"
    )
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="百分比,两位小数;分母为 0 时为空")
    weight = serializers.FloatField(help_text="规则中的权重")
    effective_weight = serializers.FloatField(help_text="折算后的权重")
    points = serializers.FloatField()


class DeductionOut(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label
    count = serializers.IntegerField(allow_null=True, help_text="次数;承办人不考核整改超期时为空")
    per = serializers.FloatField(help_text="每次扣分")
    points = serializers.FloatField()


class RepeatProblemOut(serializers.Serializer[Any]):
    first_ticket = serializers.CharField(help_text="首次投诉的工单编号")
    month = serializers.CharField()
    times = serializers.IntegerField(help_text="当月发生次数")
    tickets = serializers.ListField(child=serializers.CharField())
    severe = serializers.BooleanField()


class CardOut(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=SUBJECT_KINDS)
    code = serializers.CharField(help_text="单位编码或承办人用户名")
    name = serializers.CharField()
    unit = serializers.CharField(help_text="单位:上级单位;承办人:所在单位")
    rank = serializers.IntegerField()
    of = serializers.IntegerField(help_text="参与排名的个数")
    score = serializers.FloatField()
    rule = RuleOut()
    received = serializers.IntegerField()
    rate_points = serializers.FloatField()
    deduction_points = serializers.FloatField(help_text="扣分合计(封顶前)")
    deducted = serializers.FloatField(help_text="实际扣分(封顶后)")
    rates = RatePartOut(many=True)
    deductions = DeductionOut(many=True)
    repeat_problems = RepeatProblemOut(many=True)


class PeriodOut(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label
    from_ = serializers.DateField(source="from_")  # answered as "from" (get_fields)
    to = serializers.DateField()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class RankingOut(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=SUBJECT_KINDS)
    period = PeriodOut()
    parent_unit = serializers.CharField(
        allow_null=True, help_text="单位排名:所排单位的上级;承办人排名:所选单位"
    )
    cards = CardOut(many=True)


PERIOD_PARAMS = [
    OpenApiParameter("period", str, description="考核期间:月 2026-10、季度 2026-Q4、年 2026;默认上月"),
    OpenApiParameter("from", str, description="自定义区间开始日期 YYYY-MM-DD(与 to 同用,优先于 period)"),
    OpenApiParameter("to", str, description="自定义区间结束日期 YYYY-MM-DD(含)"),
]


def _ranking_body(data: dict[str, Any]) -> dict[str, Any]:
    period = dict(data["period"])
    period["from_"] = period.pop("from")
    return {**data, "period": period}


class UnitRankingView(APIView):
    @extend_schema(
        operation_id="assessment_units_ranking",
        parameters=[
            *PERIOD_PARAMS,
            OpenApiParameter("parent", str, description="排名其直属下级单位的单位编码"),
        ],
        responses=RankingOut,
    )
    def get(self, request: Request) -> Response:
        check_may_view(request.user)
        period = parse_period(request.query_params)
        code = request.query_params.get("parent")
        parent = unit_by_code(code) if code else None
        ranking = unit_ranking(request.user, period, parent=parent)
        return Response(RankingOut(_ranking_body(ranking_data(ranking))).data)


class UnitCardView(APIView):
    @extend_schema(operation_id="assessment_unit_card", parameters=PERIOD_PARAMS, responses=CardOut)
    def get(self, request: Request, code: str) -> Response:
        check_may_view(request.user)
        card = unit_card(request.user, code, parse_period(request.query_params))
        return Response(CardOut(card_data(card)).data)


class HandlerRankingView(APIView):
    @extend_schema(
        operation_id="assessment_handlers_ranking",
        parameters=[*PERIOD_PARAMS, OpenApiParameter("unit", str, description="单位编码(含下级单位)")],
        responses=RankingOut,
    )
    def get(self, request: Request) -> Response:
        check_may_view(request.user)
        period = parse_period(request.query_params)
        code = request.query_params.get("unit")
        unit = unit_by_code(code) if code else None
        ranking = handler_ranking(request.user, period, unit=unit)
        return Response(RankingOut(_ranking_body(ranking_data(ranking))).data)


class HandlerCardView(APIView):
    @extend_schema(operation_id="assessment_handler_card", parameters=PERIOD_PARAMS, responses=CardOut)
    def get(self, request: Request, username: str) -> Response:
        check_may_view(request.user)
        card = handler_card(request.user, username, parse_period(request.query_params))
        return Response(CardOut(card_data(card)).data)
