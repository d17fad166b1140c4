"""Exports in the API: ``/api/v1/exports/`` (``hotline.exports.services``).

- ``POST /`` ``{"source": "tickets", "params": {"status": "open"}, "format": "xlsx"}`` —
  ``source`` is a list (``tickets``, ``search``, ``stats``, ``stats_drill``, ``worklist``),
  ``params`` its filters as that list's own query parameters take them, ``format`` ``xlsx``
  or ``csv``. A small export (≤ ``DIRECT_LIMIT`` rows) is written at once: **201** with the
  job done and its ``file_url``. A large one is queued for the worker: **202** with the job;
  poll ``url`` (``progress`` 0–100, ``rows_done`` / ``rows_total``) until ``status`` is
  ``done`` (or ``failed``), then fetch ``file_url``. Either way ``Location`` is the job.
- ``GET /`` the user's own exports, newest first; ``GET /{id}/`` one of them.
- ``GET /{id}/file/`` the file (the owner only, until ``expires_at``).

Someone else's export is the same 404 as none (``not_found``). Problems: ``export_unknown_source``,
``export_invalid_format``, ``export_invalid_params`` (400); the list's own refusals
(``export_forbidden``, ``stats_forbidden``, 403; ``search_*``, ``stats_*``, ``invalid_phone``,
400); ``export_too_many`` (429: three exports already running); ``export_not_ready``,
``export_failed`` (409) and ``export_expired`` (404) for the file.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hotline.api.serializers import StrictSerializer
from hotline.exports.models import ExportFormat, ExportJob
from hotline.exports.services import access_export, export_file, export_start, exports_of

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportIn(StrictSerializer):
    source = serializers.CharField(  # type: ignore[assignment]  # the field, not Field.source
        max_length=32, help_text="列表:tickets、search、stats、stats_drill、worklist"
    )
    format = serializers.CharField(max_length=8, help_text="xlsx 或 csv")
    params = serializers.JSONField(
        required=False, default=dict, help_text="该列表的筛选条件(与其查询参数同名),值为文本"
    )


class ExportOut(serializers.ModelSerializer[ExportJob]):
    progress = serializers.IntegerField(source="percent", help_text="0–100")
    url = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField(help_text="完成且文件尚在时可下载,否则为 null")

    class Meta:
        model = ExportJob
        fields = (
            "id",
            "source",
            "params",
            "format",
            "status",
            "direct",
            "rows_done",
            "rows_total",
            "progress",
            "truncated",
            "filename",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "url",
            "file_url",
        )
        read_only_fields = fields

    def get_url(self, job: ExportJob) -> str:
        return reverse("export-detail", args=[job.pk])

    def get_file_url(self, job: ExportJob) -> str | None:
        if job.status != "done" or not job.file:
            return None
        return reverse("export-file", args=[job.pk])


class ExportViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[ExportJob]):
    serializer_class = ExportOut
    lookup_value_regex = "[0-9]{1,12}"

    def get_queryset(self) -> QuerySet[ExportJob]:
        return exports_of(self.request.user)

    @extend_schema(
        request=ExportIn,
        responses={201: ExportOut, 202: ExportOut},
        description="小批量导出立即生成(201,带 file_url);大批量转后台任务(202),轮询 url 查看进度。",
    )
    def create(self, request: Request) -> Response:
        form = ExportIn(data=request.data)
        form.is_valid(raise_exception=True)
        data: dict[str, Any] = form.validated_data
        started = export_start(
            user=request.user,
            source=data["source"],
            params=data["params"],
            format=data["format"],
            stream=False,
        )
        job = started.job
        body = ExportOut(job).data
        code = status.HTTP_202_ACCEPTED if not job.finished else status.HTTP_201_CREATED
        return Response(body, status=code, headers={"Location": body["url"]})

    @extend_schema(responses=ExportOut)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ExportOut(access_export(request.user, pk)).data)

    @extend_schema(
        responses={
            (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Excel 文件"),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV 文件(UTF-8,带 BOM)"),
        }
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str) -> FileResponse:
        job = access_export(request.user, pk)
        path = export_file(job)
        content_type = XLSX_TYPE if job.format == ExportFormat.XLSX else "text/csv; charset=utf-8"
        response = FileResponse(
            path.open("rb"), as_attachment=True, filename=job.filename, content_type=content_type
        )
        response["Cache-Control"] = "no-store"
        return response
