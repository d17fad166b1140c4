"""API views: thin. They authenticate, scope, validate and call services/selectors."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from hotline.api import serializers as s
from hotline.api.actions_in import ActionIn, action_input
from hotline.api.filters import TicketFilter
from hotline.api.knowledge import register_answering_script
from hotline.api.ticket_detail import TicketCreatedFast, TicketDetailFast
from hotline.api.ticket_list import PageOfRows, TicketListOut
from hotline.calendar.services import compute_deadline, days_between
from hotline.core.clients import client_address
from hotline.core.errors import InvalidInput
from hotline.core.prepared import in_hand, rows_in_hand
from hotline.org.models import Unit
from hotline.portal.selectors import public_progress, public_ticket
from hotline.portal.services import PublicSubmission, public_ticket_register
from hotline.tickets.models import Category, Ticket, TicketEvent
from hotline.workflow.access import access_ticket, tickets_visible_to
from hotline.workflow.attachments import attachment_add
from hotline.workflow.registration import ticket_register
from hotline.workflow.services import ticket_transition


class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Ticket]):
    lookup_field = "number"
    lookup_value_regex = "[0-9]{6,20}"
    filterset_class = TicketFilter

    def get_queryset(self) -> QuerySet[Ticket]:
        tickets = tickets_visible_to(self.request.user).select_related(
            "unit", "owner_unit", "category", "handler", "registered_by"
        )
        return tickets.select_related(None) if self.action == "list" else tickets

    def paginate_queryset(self, queryset: Any) -> list[Any] | None:
        # the list's page is read as tuples of what a row shows (api.ticket_list)
        return super().paginate_queryset(PageOfRows(queryset) if self.action == "list" else queryset)  # type: ignore[arg-type]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Ticket]]:
        # the list's rows and one ticket are written directly (api.ticket_list, api.ticket_detail)
        if self.action == "list":
            return TicketListOut
        return TicketDetailFast if self.action == "retrieve" else s.TicketDetailOut

    def get_object(self) -> Ticket:
        return access_ticket(self.request.user, str(self.kwargs["number"]))

    @extend_schema(request=s.TicketCreate, responses={201: TicketCreatedFast})
    def create(self, request: Request) -> Response:
        form = s.TicketCreate(data=request.data)
        form.is_valid(raise_exception=True)
        answer_script, walk = form.validated_data.get("answer_script"), None
        if answer_script is None:
            ticket = ticket_register(draft=form.to_draft(), actor=request.user)
        else:  # the same as the intake screen's walked script (hotline.api.knowledge)
            ticket, walk = register_answering_script(request.user, form.to_draft(), answer_script)
        # The registering user sees what they registered (registration refuses anyone
        # without an intake role where it is taken in, and a superuser sees all): answer
        # with the ticket as registered, its unit, category and registrant in hand, rather
        # than read it back through the scope (issue 17: two statements a registration).
        # A ticket this request registered holds the links it was registered with and has
        # no attachments yet (one registered before, by its source, is read as it is).
        if rows_in_hand(ticket, "links") is not None:
            in_hand(ticket, "attachments", [])
        context = {"request": request, "walk": walk.as_dict() if walk is not None else None}
        return Response(TicketCreatedFast(ticket, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.EventOut(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        events = TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("seq")
        return Response(s.EventOut(events, many=True).data)

    @extend_schema(request=ActionIn, responses=s.TicketDetailOut)
    @action(detail=True, methods=["post"])
    def actions(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        params = action_input(request.data)
        name = params.pop("action")
        version = params.pop("version", None)
        result = ticket_transition(
            ticket=ticket, action=name, actor=request.user, params=params, expected_version=version
        )
        # After 退单 the head no longer sees the ticket: answer with the state it was left in.
        fresh = (
            tickets_visible_to(request.user).filter(pk=ticket.pk).first() if name != "unmask" else None
        ) or result.ticket
        context = {"request": request, "unmask": result if result.identity is not None else None}
        return Response(s.TicketDetailOut(fresh, context=context).data)

    @extend_schema(request={"multipart/form-data": s.AttachmentIn}, responses={201: s.AttachmentOut})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        form = s.AttachmentIn(data=request.data)
        if not form.is_valid():
            if set(form.errors) == {"file"} and request.FILES.get("file") is None:
                raise InvalidInput("请选择要上传的文件", code="file_required", field="file")
            raise serializers.ValidationError(form.errors)
        att = attachment_add(ticket=ticket, upload=form.validated_data["file"], actor=request.user)
        return Response(s.AttachmentOut(att).data, status=status.HTTP_201_CREATED)


class UnitViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Unit]):
    serializer_class = s.UnitOut
    queryset = Unit.objects.filter(is_active=True).select_related("parent").order_by("path")
    pagination_class = None


class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Category]):
    serializer_class = s.CategoryOut
    queryset = Category.objects.filter(is_active=True).select_related("parent")
    pagination_class = None


def _parse_date(value: str | None, name: str) -> date:
    if not value:
        raise InvalidInput(f"请提供参数 {name}(YYYY-MM-DD)", code=f"{name}_required", field=name)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"参数 {name} 不是有效日期(YYYY-MM-DD)", code=f"invalid_{name}", field=name
        ) from None


class CalendarDaysView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("from", str, required=True), OpenApiParameter("to", str, required=True)],
        responses=s.DayOut(many=True),
    )
    def get(self, request: Request) -> Response:
        start = _parse_date(request.query_params.get("from"), "from")
        end = _parse_date(request.query_params.get("to"), "to")
        return Response(s.DayOut(days_between(start=start, end=end), many=True).data)


class DeadlineView(APIView):
    @extend_schema(request=s.DeadlineIn, responses=s.DeadlineOut)
    def post(self, request: Request) -> Response:
        form = s.DeadlineIn(data=request.data)
        form.is_valid(raise_exception=True)
        start = form.validated_data["start"]  # BoundedDateTime: 2000–2099
        result = compute_deadline(
            start=start, amount=form.validated_data["amount"], unit=form.validated_data["unit"]
        )
        return Response(s.DeadlineOut({"due_at": result.due_at, "provisional": result.provisional}).data)


class TokenView(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=s.TokenIn, responses=s.TokenOut)
    def post(self, request: Request) -> Response:
        form = s.TokenIn(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(request._request, **form.validated_data)
        if user is None or not user.is_active:
            raise InvalidInput("用户名或密码不正确", code="invalid_credentials")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class PublicSubmissionView(APIView):
    """The public portal's door: no login, rate-limited, answers only number and code."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_submit"

    @extend_schema(request=s.PublicSubmissionIn, responses={201: s.PublicSubmissionCreated})
    def post(self, request: Request) -> Response:
        form = s.PublicSubmissionIn(data=request.data)
        form.is_valid(raise_exception=True)
        ticket = public_ticket_register(
            submission=PublicSubmission(**form.validated_data), actor_label="公众(网站)"
        )
        return Response(
            {"number": ticket.number, "query_code": ticket.query_code}, status=status.HTTP_201_CREATED
        )


class PublicStatusView(APIView):
    """Progress by number and query code: status and public replies only."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_query"

    @extend_schema(parameters=[OpenApiParameter("code", str, required=True)], responses=s.PublicStatus)
    def get(self, request: Request, number: str) -> Response:
        code = request.query_params.get("code", "")
        progress = public_progress(public_ticket(number, code, client=client_address(request)))
        body = {
            "number": progress.number,
            "type": progress.type,
            "received_at": progress.received_at,
            "status": progress.status,
            "stage": progress.stage,
            "closed": progress.closed,
            "replies": [{"at": r.at, "action": r.action, "text": r.text} for r in progress.replies],
            "steps": [
                {"at": p.at, "action": p.action, "label": p.label, "text": p.text} for p in progress.steps
            ],
        }
        return Response(s.PublicStatus(body).data)
