"""Every request gets an id, one JSON log line and its place in the request metrics.

``RequestLogMiddleware`` stands first in ``MIDDLEWARE`` so that static files, redirects and
errors are counted too. The id is the ``X-Request-ID`` a trusted proxy sent (only when
``HOTLINE_NUM_PROXIES`` > 0: nginx sets it, overwriting whatever the client sent) or a new
random one; it is returned in the response's ``X-Request-ID`` and put on every log record
written while the request is served. The log line holds the path without the query string
(searches carry phone numbers and names).

``StaticFilesMiddleware`` is WhiteNoise, quiet when nothing has been collected yet.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.functional import empty
from whitenoise.middleware import WhiteNoiseMiddleware

from hotline.core.clients import client_address
from hotline.ops import metrics
from hotline.ops.clients import num_proxies
from hotline.ops.logs import REQUEST_ID

logger = logging.getLogger("hotline.request")

HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Probes and scrapes come every few seconds: logged at DEBUG, not INFO.
QUIET_VIEWS = frozenset({"ops-healthz", "ops-readyz", "ops-metrics"})


def request_id_for(request: HttpRequest) -> str:
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if num_proxies() and isinstance(incoming, str) and _VALID_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def view_label(request: HttpRequest) -> str:
    """The route's name (bounded: never the raw path), for logs and metrics."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return str(match.view_name or match._func_path)
    static = "/" + settings.STATIC_URL.lstrip("/")
    if request.path_info.startswith(static):
        return "static"
    return "unmatched"


def _user_id(request: HttpRequest) -> int | None:
    # Only if the request already looked the user up: no extra query just for the log.
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_for(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            seconds = time.perf_counter() - started
            view = view_label(request)
            metrics.observe_request(
                view=view, method=request.method or "", status=response.status_code, seconds=seconds
            )
            self._log(request, response, view, seconds)
            return response
        finally:
            REQUEST_ID.reset(token)

    def _log(self, request: HttpRequest, response: HttpResponseBase, view: str, seconds: float) -> None:
        level = logging.DEBUG if view in QUIET_VIEWS else logging.INFO
        if not logger.isEnabledFor(level):
            return
        size: int | None = None
        if isinstance(response, HttpResponse):
            size = len(response.content)
        elif response.has_header("Content-Length"):
            size = int(response["Content-Length"])
        fields: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
            "view": view,
            "user_id": _user_id(request),
            "client": client_address(request),
            "bytes": size,
        }
        logger.log(level, "%s %s %s", request.method, request.path, response.status_code, extra=fields)


class StaticFilesMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]  # whitenoise ships no type information
    """WhiteNoise serving ``STATIC_ROOT`` (filled by ``collectstatic``, which ``hotline serve``
    runs). Without a ``STATIC_ROOT`` yet (tests, a fresh checkout under ``runserver``) it
    serves nothing and says nothing, instead of warning on every start."""

    def add_files(self, root: str, prefix: str | None = None) -> None:
        if self.autorefresh or os.path.isdir(root):
            super().add_files(root, prefix)
