"""Whether a push really comes from our SMS provider: a signature with one shared secret.

Aliyun's HTTP batch push (消息回执 · HTTP 批量推送, ``SmsUp``) carries no signature of its own,
and its console takes nothing but a URL: no header, no key. So the push is verified with a
secret of our own per environment (``HOTLINE_SMS_INBOUND_SECRET``; empty turns the endpoint
off), in one of two forms:

- **Signed body** — header ``X-Hotline-Signature: t=<unix seconds>,v1=<hex>``, where the hex
  is HMAC-SHA256(secret, ``"<t>." + body``) and ``t`` is within :data:`TOLERANCE` of our
  clock. It binds the bytes and the time: a changed body is refused, and so is a replay
  after five minutes (within them a replay writes nothing: every message is kept once).
  For a relay or gateway that can sign; the stronger form, and the one the tests use.
- **Signed URL** — what Aliyun can carry: the query ``?sig=<hex>``, HMAC-SHA256(secret,
  ``"smsin:<provider>"``). It signs the endpoint, not the body, so it is a bearer
  credential: serve it over HTTPS only and keep query strings out of access logs.
  ``hotline sms url`` prints the URL to paste into the console; Aliyun's connectivity
  check (a GET of that URL) passes with it.

When the header is present it decides (a body that claims a signature must carry a right
one); otherwise the URL's ``sig`` does. Both compare in constant time. Nothing else — the
sender's address, the sign name — is trusted. A missing or wrong signature is a 403
``sms_signature_invalid`` problem, the same whatever was wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import Final

from django.utils import timezone

from hotline.core.errors import Forbidden

SIGNATURE_HEADER: Final = "X-Hotline-Signature"
TOLERANCE: Final = timedelta(minutes=5)
_HEX: Final = re.compile(r"[0-9a-f]{64}")


def _hmac(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def url_signature(secret: str, provider: str) -> str:
    """The ``sig`` query value of the provider's push URL."""
    return _hmac(secret, f"smsin:{provider}".encode())


def body_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``v1`` value of the signature header for ``body`` sent at ``timestamp``."""
    return _hmac(secret, str(timestamp).encode() + b"." + body)


def signature_header(secret: str, body: bytes, *, at: datetime | None = None) -> str:
    """The whole header value a signing sender puts on ``body`` (``t=…,v1=…``)."""
    stamp = int((at or timezone.now()).timestamp())
    return f"t={stamp},v1={body_signature(secret, stamp, body)}"


def _refused(detail: str) -> Forbidden:
    return Forbidden(detail, code="sms_signature_invalid")


def _header_parts(header: str) -> tuple[int, list[str]]:
    stamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            stamp = int(value)
        elif key == "v1" and _HEX.fullmatch(value):
            signatures.append(value)
    if stamp is None or not signatures:
        raise _refused(f"{SIGNATURE_HEADER} 格式应为 t=<时间戳>,v1=<签名>")
    return stamp, signatures


def verify_push(
    *, secret: str, provider: str, query_sig: str, header: str, body: bytes, now: datetime | None = None
) -> None:
    """Refuse (``Forbidden``, ``sms_signature_invalid``) a push that is not signed with
    ``secret``: by the header when it has one, else by the URL's ``sig``."""
    if not secret:
        raise _refused("未配置短信推送密钥")
    if header.strip():
        stamp, signatures = _header_parts(header)
        now = now or timezone.now()
        if abs(now.timestamp() - stamp) > TOLERANCE.total_seconds():
            raise _refused("签名时间与服务器时间相差超过5分钟")
        expected = body_signature(secret, stamp, body)
        if not any(hmac.compare_digest(expected, s) for s in signatures):
            raise _refused("签名不符")
        return
    if not query_sig:
        raise _refused(f"缺少签名(请求头 {SIGNATURE_HEADER} 或地址参数 sig)")
    if not hmac.compare_digest(url_signature(secret, provider).encode(), query_sig.strip().lower().encode()):
        raise _refused("签名不符")
