"""Offline anti-abuse for the public forms: a signed form token, a honeypot, a rate limit.

No external CAPTCHA (closed intranets): a bot that posts at once, posts a stale or forged
token, or fills the hidden ``website`` field is refused; everyone is limited per IP
address with the same rates (and the same cache counters) as the public API.
"""

from __future__ import annotations

import time
from typing import Literal

from django.core import signing
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

FORM_TOKEN_SALT = "hotline.portal.form"
MIN_FILL_SECONDS = 3  # a person needs longer than this to fill in the form
MAX_FORM_AGE_SECONDS = 6 * 60 * 60
HONEYPOT_FIELD = "website"

Scope = Literal["public_submit", "public_query"]


def issue_form_token(*, now: float | None = None) -> str:
    """A token that records, signed, when the form was handed out."""
    return signing.dumps({"t": int(now if now is not None else time.time())}, salt=FORM_TOKEN_SALT)


def form_token_ok(token: str, *, now: float | None = None) -> bool:
    """True for our own token, issued at least ``MIN_FILL_SECONDS`` and at most six hours ago."""
    try:
        data = signing.loads(token, salt=FORM_TOKEN_SALT, max_age=MAX_FORM_AGE_SECONDS)
    except signing.BadSignature:
        return False
    issued = data.get("t") if isinstance(data, dict) else None
    if not isinstance(issued, int):
        return False
    age = (now if now is not None else time.time()) - issued
    return MIN_FILL_SECONDS <= age <= MAX_FORM_AGE_SECONDS


class _IpThrottle(SimpleRateThrottle):
    """DRF's cache-backed throttle keyed by client IP, with the API's scope and rate."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        super().__init__()

    def get_rate(self) -> str | None:
        rates: dict[str, str] = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        return rates.get(str(self.scope))

    def get_cache_key(self, request: Request, view: APIView) -> str:
        # the same key as the API's ScopedRateThrottle for anonymous callers: one budget per IP
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def rate_allowed(request: HttpRequest, scope: Scope) -> bool:
    """Count one request against ``scope`` for this IP; False once the rate is used up."""
    return _IpThrottle(scope).allow_request(Request(request), APIView())
