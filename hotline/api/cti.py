"""Generic call events from a PBX: ``POST /api/v1/cti/<token>``, compatible with Zammad's generic
CTI API (docs.zammad.org → API → Generic CTI; ``Integration::CtiController``).

- The token in the URL is the authentication (``settings.HOTLINE_CTI_TOKEN``, compared in
  constant time). An empty setting turns the endpoint off. A wrong token and the endpoint
  off are the same 404 problem as any missing page: nothing says a CTI endpoint exists.
  No session, no CSRF: a PBX posts it.
- The body is JSON or form-encoded: ``event`` (``newCall`` | ``answer`` | ``hangup``),
  ``callId`` (``call_id`` too, as Zammad accepts), ``direction`` (``in`` | ``out``),
  ``from``, ``to``, ``user[]`` (repeated in a form; ``user`` or ``user[]`` as a string or a
  list in JSON), ``queue``, ``cause``, ``answeringNumber``; optional ``eventId`` (not Zammad's:
  the PBX's own unique id of the event, used to recognise a retry). Beside Zammad's events,
  ``survey`` with ``digits`` (the key the caller pressed in the keypad satisfaction survey,
  1 非常满意 … 4 不满意) is taken from a PBX that runs the survey itself. Other fields are kept
  with the event, never refused — a call must not be lost over a field the PBX adds.
- The answer is ``{}``; to a ``newCall`` from a blocked number ``{"action": "reject",
  "reason": "busy"}`` as Zammad answers. A retried POST of the same event answers the same
  and writes nothing (``services.apply_event`` is idempotent). A missing ``callId`` or
  ``event``, an unknown event or direction, a value too long → 400 ``cti_event_invalid``.

Which agent: ``user[]`` are usernames or staff numbers (工号). The extension is
``answeringNumber`` on ``answer`` (when it names a user or a staff number rather than an
extension it joins ``users``), and otherwise the number on the agent's side — ``to`` of an
inbound call, ``from`` of an outbound one — when it is the extension an agent is signed in at.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.api.parsers import JSONParser
from hotline.api.serializers_calls import CtiAnswerOut, CtiEventIn
from hotline.core.errors import InvalidInput, NotFound
from hotline.telephony import services
from hotline.telephony.models import Agent, Direction

EVENTS = frozenset({"newCall", "answer", "hangup", "survey"})
# the model's column widths (``Call``, ``CallEvent``)
LIMITS = {
    "event": 32,
    "callId": 128,
    "direction": 3,
    "from": 64,
    "to": 64,
    "queue": 64,
    "cause": 64,
    "answeringNumber": 32,
    "eventId": 64,
    "digits": 8,
    "user": 150,
}
EXTENSION = re.compile(r"[0-9*#]{1,32}")


def _invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code="cti_event_invalid", field=field)


def _values(data: Any, key: str) -> list[Any]:
    """Every value of ``key``: a form's repeated keys, a JSON list, or one value."""
    if hasattr(data, "getlist"):  # a form (QueryDict)
        return list(data.getlist(key))
    value = data.get(key)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(value: Any, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _invalid(f"{field} 须为文本", field)
    text = str(value).strip()
    if "\x00" in text:
        raise _invalid(f"{field} 含有不允许的字符", field)
    if len(text) > LIMITS[field]:
        raise _invalid(f"{field} 过长(最多 {LIMITS[field]} 个字符)", field)
    return text


def _scalar(data: Any, *keys: str) -> str:
    """The value of the first of ``keys`` present (the last one if a form repeats it)."""
    field = keys[0]
    for key in keys:
        values = _values(data, key)
        if values:
            return _text(values[-1], field)
    return ""


def _users(data: Any) -> list[str]:
    found: list[str] = []
    for key in ("user[]", "user"):
        for value in _values(data, key):
            name = _text(value, "user")
            if name and name not in found:
                found.append(name)
    return found


MAX_KEPT_KEYS = 50  # of what a PBX sends, kept with the event (CallEvent.payload)
MAX_KEPT_TEXT = 1000


def _storable(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON every database stores: no NUL characters (PostgreSQL refuses them
    in ``jsonb``), no infinite numbers (``1e999`` parses to one), no uploaded files; long
    texts and large objects cut short."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return value.replace("\x00", "")[:MAX_KEPT_TEXT]
    if depth < 4 and isinstance(value, Mapping):
        items = list(value.items())[:MAX_KEPT_KEYS]
        return {_storable(str(k), depth + 1): _storable(v, depth + 1) for k, v in items}
    if depth < 4 and isinstance(value, list | tuple):
        return [_storable(v, depth + 1) for v in value[:MAX_KEPT_KEYS]]
    return f"<{type(value).__name__}>"


def _raw(data: Any) -> dict[str, Any]:
    """The event as received (a form's repeated keys as lists), fit to be stored."""
    kept: dict[str, Any] = {}
    for key in list(data)[:MAX_KEPT_KEYS]:
        if hasattr(data, "getlist"):
            values = data.getlist(key)
            value = values[0] if len(values) == 1 and not key.endswith("[]") else values
        else:
            value = data[key]
        kept[_storable(str(key))] = _storable(value, 1)
    return kept


def _signed_in_at(number: str) -> bool:
    return bool(number) and Agent.objects.filter(extension=number).exists()


def _names_a_person(value: str) -> bool:
    """``answeringNumber`` may name the agent rather than the extension (Zammad: a login)."""
    if _signed_in_at(value):
        return False
    if Agent.objects.filter(staff_no=value).exists():
        return True
    return not EXTENSION.fullmatch(value) or get_user_model().objects.filter(username=value).exists()


def read_event(data: Any) -> services.Incoming:
    """The PBX's event as ``services.Incoming``; ``InvalidInput`` (``cti_event_invalid``) when
    it cannot be one."""
    if not isinstance(data, Mapping) and not hasattr(data, "getlist"):
        raise _invalid("事件须为 JSON 对象或表单", "event")
    event = _scalar(data, "event")
    if not event:
        raise _invalid("缺少 event(newCall、answer、hangup 或 survey)", "event")
    if event not in EVENTS:
        raise _invalid(f"不支持的事件 {event}:应为 newCall、answer、hangup 或 survey", "event")
    call_id = _scalar(data, "callId", "call_id")
    if not call_id:
        raise _invalid("缺少 callId", "callId")
    direction = _scalar(data, "direction")
    if direction not in Direction.values:
        raise _invalid("direction 须为 in 或 out", "direction")
    from_number, to_number = _scalar(data, "from"), _scalar(data, "to")
    users = _users(data)
    answering = _scalar(data, "answeringNumber")
    extension = ""
    if event == "answer" and answering:
        if _names_a_person(answering):
            users = [answering, *(u for u in users if u != answering)]
        else:
            extension = answering
    if not extension:
        ours = to_number if direction == Direction.INBOUND else from_number
        extension = ours if _signed_in_at(ours) else ""
    digits = _scalar(data, "digits")
    if event == "survey" and not digits:
        raise _invalid("survey 事件须有 digits(评价按键)", "digits")
    event_id = _scalar(data, "eventId")
    raw = _raw(data)
    return services.Incoming(
        source="http",
        kind=event,
        call_id=call_id,
        direction=direction,
        from_number=from_number,
        to_number=to_number,
        queue=_scalar(data, "queue"),
        users=tuple(users),
        extension=extension,
        cause=_scalar(data, "cause"),
        digits=digits if event == "survey" else "",
        raw=raw,
        dedupe=f"{call_id}:{event_id}" if event_id else "",  # the service adds the source
    )


def token_matches(token: str) -> bool:
    expected = settings.HOTLINE_CTI_TOKEN
    return bool(expected) and secrets.compare_digest(token.encode(), expected.encode())


TOKEN = OpenApiParameter(
    "token", str, OpenApiParameter.PATH, description="HOTLINE_CTI_TOKEN;不符或未配置时 404"
)
DOC = (
    "交换机推送通话事件(兼容 Zammad 通用 CTI 接口):newCall、answer、hangup;另有 survey(按键满意度,digits)。"
    "令牌在地址中,无需登录。应答为 {};拦截号码的 newCall 应答 "
    '{"action": "reject", "reason": "busy"}。重复推送同一事件不会重复记录。'
)


class CtiEventView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # curl -d, curl -F, JSON

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """The token first, before the method or the body is looked at: a wrong token is
        the same 404 whatever was sent."""
        if not token_matches(str(kwargs.get("token", ""))):
            raise NotFound()
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="cti_event",
        parameters=[TOKEN],
        request={
            "application/json": CtiEventIn,
            "application/x-www-form-urlencoded": CtiEventIn,
            "multipart/form-data": CtiEventIn,
        },
        responses={
            200: CtiAnswerOut,
            400: OpenApiResponse(description="事件无法识别(cti_event_invalid)"),
            404: OpenApiResponse(description="令牌不符或未启用"),
        },
        description=DOC,
        auth=[],
    )
    def post(self, request: Request, token: str) -> Response:
        applied = services.apply_event(read_event(request.data))
        if applied.action == "reject":
            return Response({"action": "reject", "reason": "busy"})
        return Response({})
