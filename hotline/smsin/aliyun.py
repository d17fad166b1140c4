"""Aliyun's upstream SMS push (上行短信 ``SmsUp``, 消息回执 · HTTP 批量推送) read into messages.

Aliyun POSTs ``application/json`` in UTF-8: an array of objects, several messages per
request::

    [{"phone_number": "13800138000", "send_time": "2017-09-01 00:00:00", "content": "内容",
      "sign_name": "签名", "dest_code": "1234", "sequence_id": 1234567890}]

``send_time`` is the carrier's time in Beijing time; ``sequence_id`` a number (a string in
newer pages); ``sign_name`` is missing in newer pages. It expects HTTP 200 with
``{"code": 0, "msg": "成功"}`` (only that ``code`` is a number is checked); anything else, or
no answer in time, is pushed again 1, 5 and 10 minutes later. A single object is taken as a
one-message push (a relay's).

What cannot be a push at all — not JSON, not objects, empty, too large — is refused whole
(``InvalidInput``, 400): nothing is written. One message that is malformed (no number, a
field of the wrong type or too long) does not sink the others: it comes back with ``error``
set and is recorded as refused, so a retry of the push does not loop on it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from hotline.core.errors import InvalidInput

PROVIDER: Final = "aliyun"
BEIJING: Final = ZoneInfo("Asia/Shanghai")
MAX_BODY_BYTES: Final = 1024 * 1024
MAX_MESSAGES: Final = 500
# the longest value of each field we keep (InboundSms's columns; a long SMS is a few hundred)
LIMITS: Final = {
    "phone_number": 32,
    "content": 2000,
    "send_time": 32,
    "sign_name": 64,
    "dest_code": 32,
    "sequence_id": 64,
}
TIME_FORMATS: Final = ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class Upstream:
    """One upstream message as pushed; ``error`` says why it cannot be taken (then the other
    fields hold what could be read)."""

    phone_number: str
    content: str
    send_time: str = ""
    sign_name: str = ""
    dest_code: str = ""
    sequence_id: str = ""
    error: str = ""
    raw: str = ""  # the item as JSON, for the digest of a malformed one

    @property
    def digest(self) -> str:
        """What identifies the message beside its sequence id: a retry carries the same."""
        text = self.raw if self.error else f"{self.phone_number}\n{self.send_time}\n{self.content}"
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def sent_at(self) -> datetime | None:
        """``send_time`` as an aware time (Beijing), None when missing or unreadable."""
        for pattern in TIME_FORMATS:
            try:
                return datetime.strptime(self.send_time.strip(), pattern).replace(tzinfo=BEIJING)
            except ValueError:
                continue
        return None


def _invalid(message: str, field: str = "") -> InvalidInput:
    return InvalidInput(message, code="sms_push_invalid", field=field)


def _value(item: dict[str, Any], key: str, *, numeric: bool = False) -> tuple[str, str]:
    """The field as text and, when it cannot be one, why."""
    value = item.get(key)
    if value is None:
        return "", ""
    if numeric and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return "", f"{key} 须为文本"
    text = value.replace("\x00", "")
    if len(text) > LIMITS[key]:
        return text[: LIMITS[key]], f"{key} 过长(最多 {LIMITS[key]} 个字符)"
    return text, ""


def _message(item: dict[str, Any]) -> Upstream:
    read = {
        "phone_number": _value(item, "phone_number", numeric=True),
        "content": _value(item, "content"),
        "send_time": _value(item, "send_time"),
        "sign_name": _value(item, "sign_name"),
        "dest_code": _value(item, "dest_code", numeric=True),
        "sequence_id": _value(item, "sequence_id", numeric=True),
    }
    errors = [why for _, why in read.values() if why]
    if not read["phone_number"][0].strip() and not read["phone_number"][1]:
        errors.append("缺少 phone_number")
    if "content" not in item:
        errors.append("缺少 content")
    try:
        raw = json.dumps(item, ensure_ascii=False, sort_keys=True, default=str)
    except (RecursionError, ValueError):  # nested as deep as the decoder allowed
        raw = repr(sorted(item))
    return Upstream(
        **{key: text.strip() if key != "content" else text for key, (text, _) in read.items()},
        error=";".join(errors),
        raw=raw,
    )


def read_push(body: bytes) -> list[Upstream]:
    """The messages of one push; ``InvalidInput`` (``sms_push_invalid``, or
    ``sms_push_too_large``) when the body cannot be a push."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidInput(
            f"推送内容过大(最多 {MAX_BODY_BYTES // 1024} KB)", code="sms_push_too_large", field="body"
        )
    try:
        data = json.loads(body.decode("utf-8-sig"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _invalid("推送内容不是 UTF-8 编码的 JSON", "body") from None
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise _invalid("推送内容应为短信对象的数组(JSON Array),且不能为空", "body")
    if len(items) > MAX_MESSAGES:
        raise InvalidInput(
            f"一次推送的短信过多(最多 {MAX_MESSAGES} 条)", code="sms_push_too_large", field="body"
        )
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _invalid(f"第 {index + 1} 条不是短信对象", f"[{index}]")
    return [_message(item) for item in items]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
