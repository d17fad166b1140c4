"""Offline anti-abuse for the public forms: a signed form token, a honeypot, a rate limit.

No external CAPTCHA (closed intranets). A filled hidden ``website`` field is refused, and
everyone is limited per IP address with the same rates (and cache counters) as the public
API. The form token only slows naive bots down: a form sent without a valid token, or
sooner than ``MIN_FILL_SECONDS`` after it was handed out (a person who pasted a prepared
text does that), is never refused — it is shown again with everything typed kept, asking
to check and send it once more, with a *confirmed* token that has no minimum age.
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
# ok: send it; too_fast: sooner than MIN_FILL_SECONDS; expired: older than six hours;
# invalid: missing, forged or tampered with.
TokenState = Literal["ok", "too_fast", "expired", "invalid"]


def issue_form_token(*, now: float | None = None, confirmed: bool = False) -> str:
    """A token that records, signed, when the form was handed out. A *confirmed* token (on a
    form shown again after a send) may be sent back at once."""
    data: dict[str, int] = {"t": int(now if now is not None else time.time())}
    if confirmed:
        data["c"] = 1
    return signing.dumps(data, salt=FORM_TOKEN_SALT)


def form_token_state(token: str, *, now: float | None = None) -> TokenState:
    """What ``token`` says about the form it came with (see ``TokenState``)."""
    try:
        data = signing.loads(token, salt=FORM_TOKEN_SALT, max_age=MAX_FORM_AGE_SECONDS)
    except signing.SignatureExpired:
        return "expired"
    except signing.BadSignature:
        return "invalid"
    issued = data.get("t") if isinstance(data, dict) else None
    if not isinstance(issued, int):
        return "invalid"
    age = (now if now is not None else time.time()) - issued
    if age > MAX_FORM_AGE_SECONDS:
        return "expired"
    if data.get("c") == 1 or age >= MIN_FILL_SECONDS:
        return "ok"
    return "too_fast"


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
