"""RFC 7807 problem details for every API error, mapped in one place.

Body: ``{"type", "title", "status", "detail", "code", ...}`` with a Chinese title and a
stable ``code``; validation errors add ``errors`` (field → messages). A validation error is
``invalid`` unless one of its messages carries a code of ``VALIDATION_CODES``: then that code
is the problem's, with ``field`` naming where (``unknown_field`` adds ``fields``, all of them).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_default_handler

from hotline.core.errors import HotlineError

logger = logging.getLogger(__name__)
PROBLEM_BASE = "https://hotline.invalid/problems/"
CONTENT_TYPE = "application/problem+json"

_DRF_MAP: list[tuple[type[Exception], str, str]] = [
    (drf.NotAuthenticated, "not_authenticated", "未登录或登录已失效"),
    (drf.AuthenticationFailed, "authentication_failed", "身份验证失败"),
    (drf.PermissionDenied, "forbidden", "无权执行此操作"),
    (drf.NotFound, "not_found", "未找到"),
    (drf.MethodNotAllowed, "method_not_allowed", "不支持的请求方法"),
    (drf.NotAcceptable, "not_acceptable", "无法提供所请求的格式"),
    (drf.UnsupportedMediaType, "unsupported_media_type", "不支持的内容类型"),
    (drf.Throttled, "rate_limited", "请求过于频繁,请稍后再试"),
    (drf.ParseError, "malformed", "请求内容无法解析"),
    (drf.ValidationError, "invalid", "输入有误"),
]


UNKNOWN_FIELD = "unknown_field"
# Codes a serializer may give a validation message that are part of the API contract.
VALIDATION_CODES: frozenset[str] = frozenset(
    {
        UNKNOWN_FIELD,  # a field the endpoint does not define (hotline.api.serializers.StrictSerializer)
        "conflicting_fields",  # the same datum given twice with different values
        "contact_required",  # a named public submission without phone or e-mail
        "occurred_in_future",  # 事项发生日期 after today
        "occurred_out_of_range",  # 事项发生日期 before 1900
        "datetime_out_of_range",  # a time outside 2000–2099 (year 1 or 9999 overflowed)
        "start_out_of_range",  # the same, for the deadline calculator's start
    }
)


def problem(status: int, code: str, title: str, detail: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail if detail is not None else title,
        "code": code,
    }
    # extra members never replace the standard ones
    body.update({k: v for k, v in extra.items() if k not in body})
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, HotlineError):
        body = problem(exc.status, exc.code, exc.title, exc.detail, **exc.extra)
        return Response(body, status=exc.status, content_type=CONTENT_TYPE)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(exc.messages)
    response = drf_default_handler(exc, context)
    if response is None:
        return None
    code, title = "error", "请求有误"
    for klass, c, t in _DRF_MAP:
        if isinstance(exc, klass):
            code, title = c, t
            break
    extra: dict[str, Any] = {}
    detail: Any = title
    if isinstance(exc, drf.ValidationError):
        extra["errors"] = response.data
        detail = _first_message(response.data) or title
        coded = [(path, msg) for path, msg in _messages(exc.detail) if msg.code in VALIDATION_CODES]
        unknown = [path for path, msg in coded if msg.code == UNKNOWN_FIELD]
        if unknown:
            code, title = UNKNOWN_FIELD, "请求含有不接受的字段"
            detail = "不接受的字段:" + "、".join(unknown) + "(请对照接口说明 /api/docs/)"
            extra["fields"] = unknown
        elif coded:
            path, msg = coded[0]
            code, detail = str(msg.code), str(msg)
            if path:
                extra["field"] = path
    elif isinstance(exc, drf.APIException):
        detail = str(exc.detail) if exc.detail else title
        wait = getattr(exc, "wait", None)
        if isinstance(exc, drf.Throttled) and wait is not None:
            extra["retry_after"] = int(wait)
    response.data = problem(response.status_code, code, title, detail, **extra)
    response.content_type = CONTENT_TYPE
    return response


def _messages(data: Any, path: str = "") -> list[tuple[str, drf.ErrorDetail]]:
    """Every message of a validation error with its field path (``complainant.phone``,
    ``links[1].number``; ``""`` for the whole body)."""
    found: list[tuple[str, drf.ErrorDetail]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            sub = path if key == "non_field_errors" else f"{path}.{key}" if path else str(key)
            found.extend(_messages(value, sub))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found.extend(_messages(item, f"{path}[{index}]" if isinstance(item, dict) else path))
    elif isinstance(data, drf.ErrorDetail):
        found.append((path, data))
    return found


def _first_message(data: Any, prefix: str = "") -> str:
    if isinstance(data, dict):
        for key, value in data.items():
            msg = _first_message(value, f"{key}: " if key != "non_field_errors" else "")
            if msg:
                return msg
    elif isinstance(data, list):
        for item in data:
            msg = _first_message(item, prefix)
            if msg:
                return msg
    elif data:
        return f"{prefix}{data}"
    return ""


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Problem details under /api/, the ordinary page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(problem(404, "not_found", "未找到"), status=404, content_type=CONTENT_TYPE)
    return defaults.page_not_found(request, exception or Http404())


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = problem(500, "server_error", "服务器内部错误")
        return JsonResponse(body, status=500, content_type=CONTENT_TYPE)
    return defaults.server_error(request)
