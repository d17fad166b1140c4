"""Export pages (导出): start an export of a list, follow a large one, download it, list mine.

Thin: ``hotline.exports.services`` checks the list, the filters and the user's rights,
counts, and either hands back a small export to stream here (CSV chunk by chunk, Excel from
a temporary file) or queues a job for the worker; the job page polls its progress with htmx
(and refreshes itself without JavaScript). Only the owner sees a job or downloads its file;
for anyone else it is the Chinese 404, the same as for no job at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import HotlineError
from hotline.exports.models import ExportFormat
from hotline.exports.services import (
    access_export,
    export_file,
    export_start,
    exports_of,
    stream_csv,
    xlsx_file,
)
from hotline.exports.sources import all_sources
from hotline.web.views.ticket_common import error_page

# Fields of the export form that are not filters of the list.
NOT_FILTERS = frozenset({"csrfmiddlewaretoken", "format", "page", "next"})
LIST_SIZE = 50
POLL_SECONDS = 1
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_POST
def export_new(request: HttpRequest, source: str) -> HttpResponseBase:
    """Export the list ``source`` with the filters posted (the list's own query string, as
    hidden fields): a small one downloads at once, a large one opens its job page."""
    params = {name: request.POST.get(name, "") for name in request.POST if name not in NOT_FILTERS}
    params = {name: value for name, value in params.items() if value != ""}
    try:
        started = export_start(
            user=request.user, source=source, params=params, format=request.POST.get("format"), stream=True
        )
    except HotlineError as err:
        return error_page(request, err)
    job = started.job
    if started.listing is None:
        return redirect("web:export", pk=job.pk)
    if job.format == ExportFormat.CSV:
        response: HttpResponseBase = StreamingHttpResponse(
            stream_csv(job, started.listing), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(True, job.filename)
    else:
        response = FileResponse(
            xlsx_file(job, started.listing), as_attachment=True, filename=job.filename, content_type=XLSX_TYPE
        )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    """我的导出: the user's exports, newest first, with their state and a link to each file."""
    jobs = list(exports_of(request.user)[:LIST_SIZE])
    labels = {s.name: s.label for s in all_sources()}
    return render(request, "web/exports/list.html", {"jobs": jobs, "labels": labels})


def _job_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    job = access_export(request.user, pk)
    labels = {s.name: s.label for s in all_sources()}
    return {"job": job, "label": labels.get(job.source, job.source), "poll_seconds": POLL_SECONDS}


@login_required
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        context = _job_context(request, pk)
    except HotlineError as err:
        return error_page(request, err)
    return render(request, "web/exports/job.html", context)


@login_required
@require_GET
def export_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, for htmx to swap in every ``POLL_SECONDS`` until finished."""
    try:
        context = _job_context(request, pk)
    except HotlineError as err:
        return error_page(request, err)
    return render(request, "web/exports/_progress.html", context)


@login_required
@require_GET
def export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    try:
        job = access_export(request.user, pk)
        path = export_file(job)
    except HotlineError as err:
        return error_page(request, err)
    content_type = XLSX_TYPE if job.format == ExportFormat.XLSX else "text/csv; charset=utf-8"
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=job.filename, content_type=content_type
    )
    response["Cache-Control"] = "no-store"
    return response
