"""SMS through Aliyun Dysmsapi ``SendSms`` (RPC-style API, HMAC-SHA1 signature).

The request carries our idempotency key as ``OutId``. The provider's own templates hold
the text (``TemplateCode`` per kind, ``TemplateParam`` the variables); our rendered text
is what the ticket page shows. Signing follows Aliyun's "RPC signature method" (v1.0).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings

from hotline.core.phones import national_number
from hotline.notify.channels import NotConfigured, PermanentError

if TYPE_CHECKING:
    from hotline.notify.models import Message

API_VERSION = "2017-05-25"
# Error codes that retrying cannot fix (the rest, e.g. flow control or a server error, retry).
PERMANENT_CODES = frozenset(
    {
        "isv.MOBILE_NUMBER_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS",
        "isv.SMS_TEMPLATE_ILLEGAL",
        "isv.SMS_SIGNATURE_ILLEGAL",
        "isv.INVALID_PARAMETERS",
        "isv.PARAM_LENGTH_LIMIT",
        "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.ACCOUNT_NOT_EXISTS",
        "isv.ACCOUNT_ABNORMAL",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId.NotFound",
    }
)


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun signs it (space → %20, ``~`` kept)."""
    return urllib.parse.quote(value, safe="~")


def sign(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    """The ``Signature`` of an RPC request: base64(HMAC-SHA1(secret + "&", string-to-sign))."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def template_code(kind: str) -> str:
    return str(settings.HOTLINE_SMS_TEMPLATES.get(kind) or f"SMS_HOTLINE_{kind.upper()}")


def build_request(message: Message, *, now: datetime | None = None) -> dict[str, str]:
    """The signed form fields of a ``SendSms`` call for one outbox row."""
    now = now or datetime.now(UTC)
    params = {
        "AccessKeyId": settings.HOTLINE_SMS_ACCESS_KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "RegionId": "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": API_VERSION,
        "PhoneNumbers": national_number(message.address),  # stored +86…; the gateway takes 11 digits
        "SignName": settings.HOTLINE_SMS_SIGN_NAME,
        "TemplateCode": template_code(message.kind),
        "TemplateParam": json.dumps(message.params or {}, ensure_ascii=False, sort_keys=True),
        "OutId": message.idempotency_key,
    }
    params["Signature"] = sign(params, settings.HOTLINE_SMS_ACCESS_KEY_SECRET)
    return params


def send(message: Message) -> str:
    if not settings.HOTLINE_SMS_ENDPOINT or not settings.HOTLINE_SMS_ACCESS_KEY_ID:
        raise NotConfigured("未配置短信网关")
    body = urllib.parse.urlencode(build_request(message), quote_via=urllib.parse.quote).encode()
    request = urllib.request.Request(
        settings.HOTLINE_SMS_ENDPOINT,
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.HOTLINE_NOTIFY_TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read().decode())
    except urllib.error.HTTPError as exc:  # the provider answers errors with 4xx/5xx and a JSON body
        try:
            answer = json.loads(exc.read().decode())
        except ValueError:
            raise OSError(f"短信网关 HTTP {exc.code}") from exc
    code = str(answer.get("Code", ""))
    if code == "OK":
        return str(answer.get("BizId", ""))
    text = f"{code}: {answer.get('Message', '')}"
    if code in PERMANENT_CODES:
        raise PermanentError(text)
    raise OSError(text)
