"""重大投诉 by hand in the API: ``POST /api/v1/tickets/{number}/major/``.

``{reason, upgraded_via?, version?}``: a person of the pack's ``major.raise_roles`` makes a
running ticket major (``workflow.major.ticket_mark_major``), optionally marking where the
complainant went over our heads (越级). The answer is the ticket as ``GET`` shows it. A
ticket the user may not see is ``404``; a role the pack does not name ``403``
``role_not_allowed``; already major with nothing new ``409`` ``no_change``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.api.serializers import StrictSerializer, TicketDetailOut
from hotline.tickets.models import UpgradedVia
from hotline.workflow.access import access_ticket
from hotline.workflow.major import REASON_MAX, ticket_mark_major


class MarkMajorIn(StrictSerializer):
    reason = serializers.CharField(max_length=REASON_MAX, help_text="认定为重大投诉的理由")
    upgraded_via = serializers.ChoiceField(
        choices=UpgradedVia.choices, required=False, default="", help_text="越级来源(选填)"
    )
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="所阅读的版本(选填);此后有变化时 409"
    )


class MarkMajorView(APIView):
    @extend_schema(request=MarkMajorIn, responses={200: TicketDetailOut}, description="认定为重大投诉")
    def post(self, request: Request, number: str) -> Response:
        ticket = access_ticket(request.user, number)
        form = MarkMajorIn(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        result = ticket_mark_major(
            ticket=ticket,
            actor=request.user,
            reason=data["reason"],
            upgraded_via=data.get("upgraded_via", ""),
            expected_version=data.get("version"),
        )
        fresh = access_ticket(request.user, result.ticket.number)
        return Response(TicketDetailOut(fresh, context={"request": request}).data)
