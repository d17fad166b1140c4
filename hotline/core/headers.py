"""The Content-Security-Policy header on every response.

Django 5.2 sends the other security headers itself (``SecurityMiddleware``: HSTS,
``X-Content-Type-Options``, ``Referrer-Policy``, ``Cross-Origin-Opener-Policy``;
``XFrameOptionsMiddleware``: ``X-Frame-Options``) but no CSP; Django 6.0 adds one. This
middleware reads the policy from ``settings.SECURE_CSP`` in Django 6.0's format, so the
upgrade swaps the middleware and keeps the setting:

    SECURE_CSP = {"default-src": ["'self'"], "img-src": ["'self'", "data:"], ...}

A directive maps to its sources (a list, or one string) or to ``True`` for a directive
without sources (``upgrade-insecure-requests``); ``False``, ``None`` or an empty list leaves
it out. An empty ``SECURE_CSP`` sends no header. A response that already carries a policy
(set by its view) keeps it.

The policy allows no inline script or style and no ``eval``: every script and stylesheet is
a file we serve (``hotline/web/static``, ``hotline/portal/static``, the vendored Bootstrap,
ECharts, htmx and Swagger UI). An injected ``<script>`` or ``style=`` attribute does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

HEADER = "Content-Security-Policy"

Sources = Sequence[str] | str | bool | None


def build_policy(directives: Mapping[str, Sources]) -> str:
    """The header's value for ``directives`` ("" when there is nothing to send).

    >>> build_policy({"default-src": ["'self'"], "img-src": ["'self'", "data:"]})
    "default-src 'self'; img-src 'self' data:"
    """
    parts: list[str] = []
    for name, sources in directives.items():
        if sources is True:
            parts.append(name)
        elif isinstance(sources, str):
            parts.append(f"{name} {sources}")
        elif sources:
            parts.append(" ".join([name, *sources]))
    return "; ".join(parts)


class ContentSecurityPolicyMiddleware:
    """Adds ``settings.SECURE_CSP`` as the ``Content-Security-Policy`` of every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # Read on each response (a join of a dozen strings): a test's override_settings holds.
        policy = build_policy(settings.SECURE_CSP)
        if policy and HEADER not in response:
            response[HEADER] = policy
        return response
