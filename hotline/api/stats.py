"""``/api/v1/stats/``: statistics rows, the tickets behind a cell, and the measures' definitions.

Thin: the request is checked by ``reports.query.parse_query`` and answered by
``reports.selectors`` (scoped to what the user sees; staff with ``reports.query.STATS_ROLES``
only). Errors are problem details with stable codes (``stats_*``, ``invalid_range``,
``range_too_long``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.core.errors import InvalidInput
from hotline.reports.measures import DIMENSION_LABELS, MEASURES, PERIODS, TREES
from hotline.reports.query import check_may_view_stats, parse_query
from hotline.reports.selectors import DRILL_LIMIT, drill, stats


class MeasureOut(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label
    unit = serializers.CharField(help_text="件 / % / 工作小时")
    definition = serializers.CharField()


class DimensionOut(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label
    period = serializers.BooleanField()
    levels = serializers.BooleanField(help_text="可加层级,如 unit:2、category:1")


class CatalogueOut(serializers.Serializer[Any]):
    measures = MeasureOut(many=True)
    dimensions = DimensionOut(many=True)


class RangeOut(serializers.Serializer[Any]):
    from_ = serializers.DateField(source="from_")  # answered as "from" (get_fields)
    to = serializers.DateField()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class CellDimensionOut(serializers.Serializer[Any]):
    dimension = serializers.CharField()
    key = serializers.CharField(help_text="单位/分类/承办人为编号,期间如 2026-03、2026-W10、2026-Q1;空为未填")
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label


class CellValueOut(serializers.Serializer[Any]):
    measure = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    previous = serializers.FloatField(allow_null=True, help_text="上一期间同一单元格")
    last_year = serializers.FloatField(allow_null=True, help_text="去年同期同一单元格")


class RowOut(serializers.Serializer[Any]):
    dimensions = CellDimensionOut(many=True)
    values = CellValueOut(many=True)


class StatsOut(serializers.Serializer[Any]):
    measures = MeasureOut(many=True)
    by = serializers.ListField(child=serializers.CharField())
    range = RangeOut()
    previous = RangeOut()
    last_year = RangeOut()
    rows = RowOut(many=True)


class DrillOut(serializers.Serializer[Any]):
    measure = serializers.CharField()
    cell = serializers.ListField(child=serializers.CharField())
    count = serializers.IntegerField()
    truncated = serializers.BooleanField()
    numbers = serializers.ListField(child=serializers.CharField())


_COMMON = [
    OpenApiParameter(
        "by",
        str,
        description="0–2 个维度,逗号分隔:day/week/month/quarter/year、type、category[:层级]、"
        "channel、region、unit[:层级]、handler、customer_class、severity、policy",
    ),
    OpenApiParameter("from", str, required=True, description="开始日期 YYYY-MM-DD(含)"),
    OpenApiParameter("to", str, required=True, description="结束日期 YYYY-MM-DD(含)"),
    OpenApiParameter("type", str),
    OpenApiParameter("channel", str),
    OpenApiParameter("unit", str, description="单位编码(含下级)"),
    OpenApiParameter("category", str, description="分类编码(含下级)"),
    OpenApiParameter("severity", str),
    OpenApiParameter("customer_class", str),
    OpenApiParameter("policy", str, description="政策包编码"),
    OpenApiParameter("region", str),
]


def _measure_out(code: str) -> dict[str, str]:
    m = MEASURES[code]
    return {"code": m.code, "label": m.label, "unit": m.unit, "definition": m.definition}


def _range(start: Any, end: Any) -> dict[str, Any]:
    return {"from_": start, "to": end}


class StatsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "measure", str, required=True, description="指标,逗号分隔(见 /api/v1/stats/measures/)"
            ),
            *_COMMON,
            OpenApiParameter("compare", bool, description="是否同时计算上期与去年同期(默认是)"),
        ],
        responses=StatsOut,
    )
    def get(self, request: Request) -> Response:
        check_may_view_stats(request.user)
        query = parse_query(request.query_params)
        result = stats(request.user, query)
        body = {
            "measures": [_measure_out(m.code) for m in query.measures],
            "by": [d.code for d in query.by],
            "range": _range(query.date_from, query.date_to),
            "previous": _range(result.previous.start, result.previous.end),
            "last_year": _range(result.last_year.start, result.last_year.end),
            "rows": result.rows,
        }
        return Response(StatsOut(body).data)


class StatsDrillView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("measure", str, required=True, description="一个指标"),
            OpenApiParameter("cell", str, description="单元格各维度的取值,按 by 的顺序逗号分隔(行中的 key)"),
            *_COMMON,
        ],
        responses=DrillOut,
    )
    def get(self, request: Request) -> Response:
        check_may_view_stats(request.user)
        query = parse_query(request.query_params)
        if len(query.measures) != 1:
            raise InvalidInput("下钻一次只能指定一个指标", code="stats_one_measure", field="measure")
        cell = (request.query_params.get("cell") or "").split(",") if query.by else []
        numbers = drill(request.user, query, query.measures[0], cell)
        body = {
            "measure": query.measures[0].code,
            "cell": cell,
            "count": len(numbers),
            "truncated": len(numbers) >= DRILL_LIMIT,
            "numbers": numbers,
        }
        return Response(DrillOut(body).data)


class StatsCatalogueView(APIView):
    @extend_schema(responses=CatalogueOut)
    def get(self, request: Request) -> Response:
        check_may_view_stats(request.user)
        dims = [
            {"code": code, "label": str(label), "period": code in PERIODS, "levels": code in TREES}
            for code, label in DIMENSION_LABELS.items()
        ]
        return Response(
            CatalogueOut({"measures": [_measure_out(c) for c in MEASURES], "dimensions": dims}).data
        )
