"""Probes and metrics: ``/healthz``, ``/readyz``, ``/metrics``.

``/healthz`` answers as long as the process serves HTTP (no database: a load balancer must
not take every node out because PostgreSQL blinked). ``/readyz`` runs the readiness checks
(``health.py``) and answers 503 when one fails. ``/metrics`` is the Prometheus exposition,
never public: only from this machine (loopback, not relayed by a proxy) or with
``Authorization: Bearer $HOTLINE_METRICS_TOKEN``.
"""

from __future__ import annotations

import hmac
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from hotline.api.problems import CONTENT_TYPE as PROBLEM_CONTENT_TYPE
from hotline.api.problems import problem
from hotline.ops import health, metrics
from hotline.ops.clients import is_loopback_client

_STARTED = time.time()
_JSON = {"ensure_ascii": False}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {"status": "ok", "uptime_s": round(time.time() - _STARTED, 1)}, json_dumps_params=_JSON
    )


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    results = health.run_checks()
    ready = all(r.ok for r in results)
    return JsonResponse(
        {"status": "ok" if ready else "fail", "checks": {r.name: r.as_json() for r in results}},
        status=200 if ready else 503,
        json_dumps_params=_JSON,
    )


def metrics_allowed(request: HttpRequest) -> bool:
    token: str = settings.HOTLINE_METRICS_TOKEN
    if token:
        sent = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, value = sent.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode()):
            return True
    return is_loopback_client(request)


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        body = problem(
            403,
            "metrics_forbidden",
            "指标仅限本机或持令牌访问",
            "从本机访问,或在 Authorization 头中提供 Bearer 令牌(HOTLINE_METRICS_TOKEN)。",
        )
        return JsonResponse(body, status=403, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params=_JSON)
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)
