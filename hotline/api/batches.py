"""Batches (批量投诉) and suggested links (重复投诉) in the API (ADR 0024).

Thin, like the rest of the API: the shapes check types and refuse unknown fields,
``hotline.similar.services`` decides, ``hotline.similar.selectors`` scopes (a batch none of
whose tickets the user may see is the same 404 as a missing one, ``batch_not_found``).

- ``GET /api/v1/batches/`` the batches the user may see, latest first, each with its
  tickets (only those the user may see); ``status`` (default: suggested and confirmed),
  ``basis``.
- ``GET /api/v1/batches/{id}/`` one batch.
- ``POST /api/v1/batches/{id}/confirm/`` ``{parent?, version?}``: one parent is handled,
  the others are held under it and told its answer; ``POST …/dismiss/`` ``{version?}``.
- ``POST /api/v1/tickets/{number}/links/{id}/confirm/`` and ``…/dismiss/``: a link that
  detection suggested (``confirmed: false`` in the ticket's ``links``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.api.serializers import StrictSerializer, Text
from hotline.similar.models import Basis, Batch, BatchStatus, MemberState
from hotline.similar.selectors import access_batch, batch_tickets, batches_visible_to, complainants
from hotline.similar.services import batch_confirm, batch_dismiss, link_confirm, link_dismiss
from hotline.workflow.access import access_ticket

VERSION_HELP = "所阅读的版本(选填);此后有变化时 409 stale_version"
ACTIVE = [BatchStatus.SUGGESTED.value, BatchStatus.CONFIRMED.value]


class BatchQuery(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=BatchStatus.choices, required=False, help_text="状态")
    basis = serializers.ChoiceField(choices=Basis.choices, required=False, help_text="识别依据")


class ConfirmIn(StrictSerializer):
    # ``parent`` shadows Field.parent in the stubs only: DRF binds a field's parent on a copy
    parent = Text(max_length=20, help_text="主工单编号(选填;默认最早收到且未结束的一件)")  # type: ignore[assignment]
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=VERSION_HELP
    )


class DismissIn(StrictSerializer):
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=VERSION_HELP
    )


class BatchTicketOut(serializers.Serializer[Any]):
    number = serializers.CharField(source="ticket.number")
    subject = serializers.CharField(source="ticket.subject")
    channel = serializers.CharField(source="ticket.channel")
    received_at = serializers.DateTimeField(source="ticket.received_at")
    status = serializers.CharField(source="ticket.status")
    stage = serializers.CharField(source="ticket.stage")
    unit = serializers.CharField(source="ticket.unit.code")
    state = serializers.ChoiceField(
        source="member.state", choices=MemberState.choices, help_text="在批量投诉中的状态"
    )


class BatchOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    basis = serializers.ChoiceField(choices=Basis.choices)
    basis_label = serializers.CharField(source="get_basis_display")
    label = serializers.CharField(help_text="被诉对象、地址或事项")  # type: ignore[assignment]  # as ``parent``
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    first_received_at = serializers.DateTimeField()
    last_received_at = serializers.DateTimeField()
    parent = serializers.SerializerMethodField(help_text="主工单编号(确认后)")  # type: ignore[assignment]  # as above
    complainants = serializers.SerializerMethodField(help_text="不同诉求人数(全部工单)")
    tickets = serializers.SerializerMethodField(help_text="您可查看的工单")
    version = serializers.IntegerField()

    def get_parent(self, obj: Batch) -> str | None:
        return obj.parent.number if obj.parent_id and obj.parent else None

    def get_complainants(self, obj: Batch) -> int:
        return complainants(obj)

    @extend_schema_field(BatchTicketOut(many=True))
    def get_tickets(self, obj: Batch) -> list[dict[str, Any]]:
        request = self.context["request"]
        return list(BatchTicketOut(batch_tickets(request.user, obj), many=True).data)


class BatchViewSet(viewsets.GenericViewSet[Batch]):
    lookup_value_regex = "[0-9]{1,18}"
    serializer_class = BatchOut

    def get_queryset(self) -> QuerySet[Batch]:
        return Batch.objects.none()  # every read goes through the selectors

    def _out(self, batch: Batch) -> Response:
        fresh = access_batch(self.request.user, batch.pk)
        return Response(BatchOut(fresh, context={"request": self.request}).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=BatchStatus.values, description="状态(默认:待确认和已确认)"),
            OpenApiParameter("basis", str, enum=Basis.values, description="识别依据"),
        ],
        responses=BatchOut(many=True),
    )
    def list(self, request: Request) -> Response:
        query = BatchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        qs = batches_visible_to(request.user, status=data.get("status", ""))
        if not data.get("status"):
            qs = qs.filter(status__in=ACTIVE)
        if data.get("basis"):
            qs = qs.filter(basis=data["basis"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(BatchOut(page, many=True, context={"request": request}).data)

    @extend_schema(responses=BatchOut)
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._out(access_batch(request.user, int(pk)))

    @extend_schema(
        request=ConfirmIn, responses=BatchOut, description="确认为批量投诉:主工单办理,其余随主工单"
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        batch = access_batch(request.user, int(pk))
        form = ConfirmIn(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        batch_confirm(
            batch=batch,
            actor=request.user,
            parent=data.get("parent") or "",
            expected_version=data.get("version"),
        )
        return self._out(batch)

    @extend_schema(request=DismissIn, responses=BatchOut, description="排除:不是同一事项")
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str) -> Response:
        batch = access_batch(request.user, int(pk))
        form = DismissIn(data=request.data)
        form.is_valid(raise_exception=True)
        batch_dismiss(batch=batch, actor=request.user, expected_version=form.validated_data.get("version"))
        return self._out(batch)


class LinkDecisionOut(serializers.Serializer[Any]):
    number = serializers.CharField(help_text="工单编号")
    link = serializers.IntegerField(help_text="关联编号")
    decision = serializers.ChoiceField(choices=["confirm", "dismiss"])


class LinkDecisionView(APIView):
    """Confirm or dismiss a link that detection suggested on a ticket the user may see."""

    decision = "confirm"

    @extend_schema(request=None, responses={200: LinkDecisionOut})
    def post(self, request: Request, number: str, link: int) -> Response:
        ticket = access_ticket(request.user, number)
        if self.decision == "confirm":
            link_confirm(ticket=ticket, link_id=link, actor=request.user)
        else:
            link_dismiss(ticket=ticket, link_id=link, actor=request.user)
        body = {"number": ticket.number, "link": link, "decision": self.decision}
        return Response(LinkDecisionOut(body).data, status=status.HTTP_200_OK)
