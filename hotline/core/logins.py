"""One failed-login limit for every door: the workbench login, the admin's and the API's
token endpoint all authenticate through Django, and django-axes counts every failure there
(ADR 0015).

Counted per user name and per client address (``HOTLINE_NUM_PROXIES`` decides which
address, as for every limit: ``hotline.core.clients``); ``AXES_FAILURE_LIMIT`` failures of
either within ``AXES_COOLOFF_TIME`` lock it until the cool-off has passed since the last
counted failure. While locked the password is not even checked. An administrator unlocks
at once in the admin (访问尝试: delete the rows) or with ``hotline axes_reset_username NAME``
/ ``hotline axes_reset_ip ADDRESS``.

Here: the address axes counts, and the answer a locked-out door gives — the door's own
login page with the Chinese message (status 429), or an RFC 7807 problem for the API.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from hotline.core.clients import IPV6_PREFIX, client_address
from hotline.core.errors import TooManyRequests

LOCKOUT_CODE = "too_many_login_failures"
LOCKOUT_STATUS = 429
# as ``hotline.api.problems.PROBLEM_BASE`` (core may not import the API; a test keeps them equal)
PROBLEM_BASE = "https://hotline.invalid/problems/"


def login_client_ip(request: HttpRequest) -> str | None:
    """The address axes records for ``request``: the client's, an IPv6 client's /64 as its
    network address; None when there is no valid one."""
    try:
        ip = ipaddress.ip_address(client_address(request).strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False).network_address)
    return str(ip)


def lockout_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    return max(1, int(cool_off.total_seconds() // 60)) if isinstance(cool_off, timedelta) else 0


def lockout_message() -> str:
    return _("登录失败次数过多,请 %(minutes)s 分钟后再试。") % {"minutes": lockout_minutes()}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """What a locked-out login answers (``AXES_LOCKOUT_CALLABLE``).

    The API: a problem (``too_many_login_failures``). A login page (the workbench's, the
    admin's): the same page, its form showing only the lockout message, status 429.
    """
    message = lockout_message()
    if request.path.startswith("/api/"):
        error = TooManyRequests(message, code=LOCKOUT_CODE)
        body = {
            "type": PROBLEM_BASE + error.code,
            "title": error.title,
            "status": LOCKOUT_STATUS,
            "detail": error.detail,
            "code": error.code,
        }
        return JsonResponse(
            body,
            status=LOCKOUT_STATUS,
            content_type="application/problem+json",
            json_dumps_params={"ensure_ascii": False},
        )
    context = getattr(original_response, "context_data", None)
    form = context.get("form") if isinstance(context, dict) else None
    if isinstance(original_response, TemplateResponse) and form is not None and hasattr(form, "add_error"):
        form.errors.clear()
        form.add_error(None, ValidationError(message, code="too_many_attempts"))
        page = TemplateResponse(request, original_response.template_name, context, status=LOCKOUT_STATUS)
        return page.render()
    return HttpResponse(message, status=LOCKOUT_STATUS, content_type="text/plain; charset=utf-8")
