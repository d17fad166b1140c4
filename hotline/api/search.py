"""``GET /api/v1/search/``: the staff search box (``hotline.search.services.search``).

``q`` (required: every whitespace-separated term must occur), ``kind`` (``ticket`` —
default — or ``article``), and for tickets ``type``, ``unit`` (code, with the units
below), ``status``, ``from`` / ``to`` (received dates, inclusive). Pages by ``page`` and
``page_size`` (≤ 100) and says ``has_more`` instead of a count: a count of every match
would be a scan. Bad input is a problem with a stable code: ``search_query_empty``,
``search_query_too_long``, ``search_term_too_short``, ``search_kind_invalid``,
``search_date_invalid``, ``search_filter_invalid``, ``invalid_page``.

Ticket hits are the tickets the user may see, with the complainant's identity as
``workflow.identity.identity_for`` shows it; snippets are HTML: the text escaped,
``<mark>`` around the hits.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.core.errors import InvalidInput
from hotline.knowledge.services import is_staff_member
from hotline.search.services import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    ArticleHit,
    TicketHit,
    read_filters,
    search,
)
from hotline.search.text import Snippet
from hotline.workflow.identity import identity_for


class SnippetOut(serializers.Serializer[Snippet]):
    field = serializers.CharField(source="label", help_text="片段所在字段(标题、诉求内容、答复……)")
    html = serializers.CharField(help_text="HTML:文本已转义,命中处以 <mark> 标出")


class TicketHitOut(serializers.Serializer[TicketHit]):
    number = serializers.CharField(source="ticket.number")
    subject = serializers.CharField(source="ticket.subject")
    type = serializers.CharField(source="ticket.type")
    status = serializers.CharField(source="ticket.status")
    stage = serializers.CharField(source="ticket.stage")
    unit = serializers.CharField(source="ticket.unit.code")
    unit_name = serializers.CharField(source="ticket.unit.name")
    received_at = serializers.DateTimeField(source="ticket.received_at")
    complainant_name = serializers.SerializerMethodField(help_text="按查看人权限脱敏")
    masked = serializers.SerializerMethodField()
    snippets = SnippetOut(many=True)

    def get_complainant_name(self, hit: TicketHit) -> str:
        return identity_for(hit.ticket, self.context["request"].user).name

    def get_masked(self, hit: TicketHit) -> bool:
        return identity_for(hit.ticket, self.context["request"].user).masked


class ArticleHitOut(serializers.Serializer[ArticleHit]):
    id = serializers.IntegerField(source="article.pk")
    title = serializers.CharField(source="article.title")
    status = serializers.CharField(source="article.status")
    public = serializers.BooleanField(source="article.public")
    updated_at = serializers.DateTimeField(source="article.updated_at")
    snippets = SnippetOut(many=True)


PARAMETERS = [
    OpenApiParameter("q", str, required=True, description="检索内容;以空格分隔的每个词都须出现"),
    OpenApiParameter("kind", str, enum=["ticket", "article"], description="检索类别,默认 ticket"),
    OpenApiParameter("type", str, description="诉求类型(仅工单)"),
    OpenApiParameter("unit", str, description="当前责任单位编码,含下级单位(仅工单)"),
    OpenApiParameter("status", str, enum=["open", "suspended", "closed"], description="状态(仅工单)"),
    OpenApiParameter("from", str, description="收到日期起(YYYY-MM-DD,含)"),
    OpenApiParameter("to", str, description="收到日期止(YYYY-MM-DD,含)"),
    OpenApiParameter("page", int, description="页码,从 1 起"),
    OpenApiParameter("page_size", int, description=f"每页条数,默认 {PAGE_SIZE},最多 {MAX_PAGE_SIZE}"),
]

SearchPageOut = inline_serializer(
    "SearchPage",
    fields={
        "kind": serializers.ChoiceField(choices=["ticket", "article"]),
        "terms": serializers.ListField(child=serializers.CharField()),
        "page": serializers.IntegerField(),
        "page_size": serializers.IntegerField(),
        "has_more": serializers.BooleanField(),
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "tickets": TicketHitOut(many=True, required=False),
        "articles": ArticleHitOut(many=True, required=False),
    },
)


def _page_number(value: str | None, name: str, default: int, most: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if not 1 <= number <= most:
        raise InvalidInput(f"参数 {name} 应为 1 至 {most} 的整数", code="invalid_page", field=name)
    return number


class IsStaffMember(permissions.BasePermission):
    """A signed-in user with a membership (or a superuser): search is for staff."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_staff_member(request.user)


class SearchView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsStaffMember]

    @extend_schema(parameters=PARAMETERS, responses=SearchPageOut)
    def get(self, request: Request) -> Response:
        params = request.query_params
        page = _page_number(params.get("page"), "page", 1, 10_000)
        size = _page_number(params.get("page_size"), "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
        filters = read_filters(
            type=params.get("type", ""),
            unit=params.get("unit", ""),
            status=params.get("status", ""),
            received_from=params.get("from", ""),
            received_to=params.get("to", ""),
        )
        result = search(
            request.user, params.get("q"), kind=params.get("kind"), filters=filters, page=page, page_size=size
        )
        context = {"request": request, "now": timezone.now()}
        body: dict[str, Any] = {
            "kind": result.kind,
            "terms": list(result.query.terms),
            "page": result.number,
            "page_size": result.size,
            "has_more": result.has_more,
            "next": self._link(request, page + 1) if result.has_more else None,
            "previous": self._link(request, page - 1) if page > 1 else None,
        }
        if result.kind == "ticket":
            body["tickets"] = TicketHitOut(result.hits, many=True, context=context).data  # type: ignore[arg-type]
        else:
            body["articles"] = ArticleHitOut(result.hits, many=True, context=context).data  # type: ignore[arg-type]
        return Response(body)

    @staticmethod
    def _link(request: Request, page: int) -> str:
        query = request.query_params.copy()
        query["page"] = str(page)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
