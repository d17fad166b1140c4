"""Statistics documents (统计文档) in the API: ``/api/v1/reports/``.

Thin: ``reports.documents.selectors`` scopes (the centre sees the documents of the units in
its reach, a department head those of its unit and below; a document the user may not see
is the same 404 ``report_document_not_found`` as a missing one), ``services`` generates.

- ``GET /`` the documents, newest period first; ``kind``, ``period``, ``latest=true`` (only
  the newest version of each). Staff without statistics (agents, handlers): 403
  ``report_document_forbidden``.
- ``POST /`` generate one now: ``kind``, ``period`` (``2026-10``, ``2026-Q3``, ``2026-W41``),
  ``unit`` (code; default the user's top unit in reach) → 201, a new version (coordinator,
  leader, admin).
- ``GET /{id}/`` one document with its figures; ``GET /{id}/pdf/`` and ``/{id}/xlsx/`` the
  files (URL name ``report-document-file``).
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.api.serializers import StrictSerializer
from hotline.core.errors import Forbidden, InvalidInput, NotFound
from hotline.core.types import AnyUser, User
from hotline.org.models import Unit
from hotline.reports.documents.selectors import FORMATS, access_document, documents_for, file_url, reach
from hotline.reports.documents.services import document_generate, parse_period
from hotline.reports.models import DocumentKind, DocumentTrigger, ReportDocument

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _check_reach(user: AnyUser) -> None:
    if reach(user) == []:
        raise Forbidden(
            "统计文档仅对监控中心、领导、班长、管理员和部门负责人开放", code="report_document_forbidden"
        )


class DocumentOut(serializers.ModelSerializer[ReportDocument]):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    kind_label = serializers.CharField(source="get_kind_display")
    generated_by = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportDocument
        fields = [
            "id", "kind", "kind_label", "period", "period_start", "period_end", "unit", "unit_name",
            "version", "title", "trigger", "generated_at", "generated_by", "pdf_url", "xlsx_url",
        ]  # fmt: skip

    def get_generated_by(self, obj: ReportDocument) -> str:
        user = obj.generated_by
        return (user.get_full_name() or user.username) if user is not None else ""

    def get_pdf_url(self, obj: ReportDocument) -> str:
        return file_url(obj, "pdf")

    def get_xlsx_url(self, obj: ReportDocument) -> str:
        return file_url(obj, "xlsx")


class DocumentDetailOut(DocumentOut):
    figures = serializers.JSONField(help_text="文档中的表格与文字(与 PDF、Excel 相同)")

    class Meta(DocumentOut.Meta):
        fields = [*DocumentOut.Meta.fields, "figures"]


class GenerateIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    period = serializers.CharField(max_length=10, help_text="月 2026-10、季度 2026-Q3、周 2026-W41")
    unit = serializers.CharField(
        max_length=32, required=False, help_text="统计范围单位编码(默认:本人范围的顶级单位)"
    )


class DocumentListView(generics.ListAPIView[ReportDocument]):
    serializer_class = DocumentOut

    def get_queryset(self) -> Any:
        params = self.request.query_params
        latest = params.get("latest", "").lower() in ("1", "true", "yes")
        return documents_for(
            self.request.user, kind=params.get("kind", ""), period=params.get("period", ""), latest=latest
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=DocumentKind.values),
            OpenApiParameter("period", str, description="2026-10、2026-Q3、2026-W41"),
            OpenApiParameter("latest", bool, description="每份只列最新版本"),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _check_reach(request.user)
        return super().get(request, *args, **kwargs)

    @extend_schema(request=GenerateIn, responses={201: DocumentDetailOut})
    def post(self, request: Request) -> Response:
        _check_reach(request.user)
        data = GenerateIn(data=request.data)
        data.is_valid(raise_exception=True)
        period = parse_period(data.validated_data["kind"], data.validated_data["period"])
        unit = _unit(request.user, data.validated_data.get("unit", ""))
        user = request.user
        assert isinstance(user, User)
        document = document_generate(
            kind=data.validated_data["kind"],
            period=period,
            unit=unit,
            actor=user,
            trigger=DocumentTrigger.MANUAL,
        )
        assert document is not None  # manual: always a new version
        return Response(DocumentDetailOut(document).data, status=status.HTTP_201_CREATED)


def _unit(user: AnyUser, code: str) -> Unit:
    if code:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise InvalidInput(f"单位“{code}”不存在", code="invalid_unit", field="unit")
        return unit
    units = reach(user)
    if units is None:
        top = Unit.objects.filter(parent__isnull=True).order_by("path").first()
        if top is None:
            raise InvalidInput("请提供单位", code="invalid_unit", field="unit")
        return top
    return min(units, key=lambda u: (u.depth, u.path))


class DocumentDetailView(APIView):
    @extend_schema(responses=DocumentDetailOut)
    def get(self, request: Request, pk: int) -> Response:
        return Response(DocumentDetailOut(access_document(request.user, pk)).data)


class DocumentFileView(APIView):
    @extend_schema(
        operation_id="v1_reports_file", responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}
    )
    def get(self, request: Request, pk: int, fmt: str) -> FileResponse:
        if fmt not in FORMATS:
            raise NotFound("统计文档不存在", code="report_document_not_found")
        document = access_document(request.user, pk)
        field = document.pdf if fmt == "pdf" else document.xlsx
        name = f"{document.title}-v{document.version}.{fmt}"
        return FileResponse(
            field.open("rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt]
        )
