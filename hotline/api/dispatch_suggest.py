"""``GET /api/v1/tickets/{number}/dispatch-suggestion/``: 派单建议 (``hotline.similar.dispatch``).

For those who may dispatch the ticket (a role on it that its workflow lets dispatch or
re-dispatch); a missing ticket, a hidden one and one the user may only look at are the same
404 (``ticket_not_found``). The answer: up to three units, likeliest first, each with its
part of the score and the evidence (same category, same category in the region, same
respondent, similar earlier tickets — named only when the user may open them). An empty
list when nothing earlier points anywhere.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.similar.dispatch import Evidence, UnitSuggestion, access_for_dispatch, ticket_suggestions

SOURCES = ["category", "category_region", "respondent", "similar"]


class EvidenceOut(serializers.Serializer[Evidence]):
    # ``source`` shadows Field.source in the stubs only: the metaclass takes declared fields off the class
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=SOURCES, help_text="依据:同类、同类同地区、同一被诉对象、相似工单"
    )
    text = serializers.CharField(help_text="依据的说明,如“同类“食品安全”近90天 42 件派往……”")
    count = serializers.IntegerField(help_text="此依据中派往该单位的工单数")
    total = serializers.IntegerField(help_text="此依据的工单总数")
    numbers = serializers.ListField(
        child=serializers.CharField(), help_text="相似工单编号(您可查看的,至多 3 个)"
    )


class UnitSuggestionOut(serializers.Serializer[UnitSuggestion]):
    unit = serializers.CharField(source="unit.code", help_text="单位编码(派单时填写)")
    unit_name = serializers.CharField(source="unit.name")
    score = serializers.FloatField(help_text="在全部候选单位得分中的占比(0–1)")
    evidence = EvidenceOut(many=True)


class DispatchSuggestionOut(serializers.Serializer[Any]):
    number = serializers.CharField(help_text="工单编号")
    suggestions = UnitSuggestionOut(many=True, help_text="最可能的责任单位,可能性大的在前;无依据时为空")


class DispatchSuggestionView(APIView):
    @extend_schema(
        operation_id="ticket_dispatch_suggestion",
        responses=DispatchSuggestionOut,
        description="派单建议:按同类、同地区、同一被诉对象和相似的既往工单推荐责任单位,附依据",
    )
    def get(self, request: Request, number: str) -> Response:
        ticket = access_for_dispatch(request.user, number)
        body = {"number": ticket.number, "suggestions": ticket_suggestions(ticket, viewer=request.user)}
        return Response(DispatchSuggestionOut(body).data)
