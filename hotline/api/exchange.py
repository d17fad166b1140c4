"""A partner system's ticket push: ``POST /api/v1/exchange/<partner>/tickets`` (上级转办, ADR 0025).

- No login: the request is signed (``hotline.exchange.signing``). Headers
  ``X-Hotline-Timestamp`` (Unix seconds) and ``X-Hotline-Signature`` (``sha256=`` + hex of
  HMAC-SHA256 over the timestamp, ``.`` and the body bytes, keyed with the partner's push key).
  The signature is checked before the body is read as JSON: a wrong or missing signature, or
  a partner code nobody has, is 403 ``exchange_signature_invalid``; a time outside the window
  (a replay) 403 ``exchange_timestamp_expired``; a disabled partner 403
  ``exchange_partner_disabled``.
- The body is a JSON object (``PushIn``): the partner's ``ticket_id`` (idempotency) and
  ``number``, its ``dispatched_at`` and optional ``due_at`` (its own limit for our answer;
  without it the pack's ``upper_level.answer_back`` counts from ``dispatched_at``), and the
  matter with the staff API's field names. Not JSON → 400 ``exchange_push_malformed``; a
  field missing, of the wrong kind or unknown → 400 ``exchange_push_invalid``; a value the
  core refuses → 400 with the core's code (``phone_required``, ``invalid_category``, …);
  every 400 names its fields in ``errors`` (path → messages).
- 201 with our number and the upper level's limit; the same ``ticket_id`` again (a retry, or
  two copies at once) → 200 with the same ticket and ``duplicate: true``, nothing written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.api.parsers import MAX_JSON_DEPTH, JSONParser, json_depth_exceeds
from hotline.api.serializers import (
    BoundedDateTime,
    ComplainantIn,
    RespondentIn,
    StrictSerializer,
    Text,
    check_occurred_on,
)
from hotline.api.serializers_exchange import UpperLevelOut
from hotline.core.errors import HotlineError, InvalidInput
from hotline.exchange.selectors import upper_level_of
from hotline.exchange.services import Push, Received, push_authenticate, push_receive
from hotline.exchange.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from hotline.tickets.models import Severity, TicketType

PUSH_INVALID = "exchange_push_invalid"
# where the core's field names differ from the push's
CORE_FIELDS = {"received_at": "dispatched_at"}


class PushTooLarge(HotlineError):
    status = 413
    code = "exchange_push_too_large"
    title = "推送内容过大"


class PushIn(StrictSerializer):
    ticket_id = serializers.RegexField(
        r"^[^\s\x00-\x1f\x7f]{1,100}\Z",
        max_length=100,
        help_text="上级系统的工单标识(幂等:同一标识只登记一次)",
    )
    number = Text(max_length=100, help_text="上级工单编号(给人看的);为空时同 ticket_id")
    dispatched_at = BoundedDateTime(
        required=False,
        allow_null=True,
        default=None,
        help_text="上级派发时间,即我方收到时间;为空时为推送时间",
    )
    due_at = BoundedDateTime(
        required=False,
        allow_null=True,
        default=None,
        help_text="上级要求的反馈时限;为空时按政策包 upper_level.answer_back 自派发时间起计算",
    )
    type = serializers.ChoiceField(
        choices=TicketType.choices, required=False, help_text="诉求类型;为空时用该系统的默认类型"
    )
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    demand = Text(max_length=4000)
    complainant = ComplainantIn(required=False)
    respondent = RespondentIn(required=False)
    category = Text(max_length=32, help_text="我方分类编码")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, default=Severity.NORMAL)
    region = Text(max_length=64)
    occurred_on = serializers.DateField(required=False, allow_null=True, default=None)
    confidential = serializers.BooleanField(required=False, default=False)

    def validate_occurred_on(self, value: date | None) -> date | None:
        return check_occurred_on(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        due, dispatched = attrs.get("due_at"), attrs.get("dispatched_at") or timezone.now()
        if due is not None and due <= dispatched:
            raise serializers.ValidationError({"due_at": ["上级时限须晚于派发时间"]})
        return attrs

    def to_push(self) -> Push:
        data = dict(self.validated_data)
        head = {key: data.pop(key) for key in ("ticket_id", "number", "dispatched_at", "due_at")}
        return Push(
            ticket_id=head["ticket_id"],
            number=head["number"],
            dispatched_at=head["dispatched_at"],
            due_at=head["due_at"],
            matter=data,
        )


class PushReceivedOut(serializers.Serializer[Any]):
    number = serializers.CharField(help_text="我方工单编号")
    status = serializers.CharField()
    stage = serializers.CharField()
    duplicate = serializers.BooleanField(help_text="此前已收到同一 ticket_id:未重复登记")
    upper_level = UpperLevelOut()


def _received(received: Received) -> dict[str, Any]:
    ticket = received.link.ticket
    shown = upper_level_of(ticket)
    assert shown is not None  # a partner's ticket is on the channel ``transfer``
    return {
        "number": ticket.number,
        "status": ticket.status,
        "stage": ticket.stage,
        "duplicate": not received.created,
        "upper_level": shown.as_dict(),
    }


def _flatten(errors: Any, path: str = "") -> dict[str, list[str]]:
    """A serializer's errors as ``{"complainant.phone": [...], "": [...]}``."""
    found: dict[str, list[str]] = {}
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            sub = path if key == "non_field_errors" else f"{path}.{key}" if path else str(key)
            for k, v in _flatten(value, sub).items():
                found.setdefault(k, []).extend(v)
    elif isinstance(errors, list):
        for item in errors:
            for k, v in _flatten(item, path).items():
                found.setdefault(k, []).extend(v)
    else:
        found.setdefault(path, []).append(str(errors))
    return found


def _body(request: Request) -> bytes:
    try:
        return bytes(request.body)
    except RequestDataTooBig:
        raise PushTooLarge("推送内容超过允许的大小") from None


def read_push(raw: bytes) -> Push:
    """The push in ``raw``; ``InvalidInput`` with ``errors`` when it is not one."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput(
            "推送内容不是有效的 JSON(UTF-8)", code="exchange_push_malformed", errors={"": ["不是有效的 JSON"]}
        ) from None
    if json_depth_exceeds(data, MAX_JSON_DEPTH):
        raise InvalidInput("JSON 嵌套层级过深", code="exchange_push_malformed", errors={"": ["嵌套层级过深"]})
    if not isinstance(data, dict):
        raise InvalidInput(
            "推送内容须为 JSON 对象", code=PUSH_INVALID, field="", errors={"": ["须为 JSON 对象"]}
        )
    shape = PushIn(data=data)
    if not shape.is_valid():
        errors = _flatten(shape.errors)
        first = next(iter(errors))
        raise InvalidInput(
            f"推送内容有误:{first or '请求体'} {errors[first][0]}",
            code=PUSH_INVALID,
            field=first,
            errors=errors,
        )
    return shape.to_push()


def _with_errors(error: InvalidInput) -> InvalidInput:
    """The core's refusal with the push's field name and an ``errors`` entry for it."""
    field = str(error.extra.get("field", ""))
    field = CORE_FIELDS.get(field, field)
    extra = {**error.extra, "field": field, "errors": {field: [error.detail]}}
    return InvalidInput(error.detail, code=error.code, **extra)


PARTNER = OpenApiParameter(
    "partner", str, OpenApiParameter.PATH, description="上级/合作系统编码(管理后台配置)"
)
DOC = (
    "上级/合作系统推送工单(上级转办)。无需登录:请求须签名——请求头 X-Hotline-Timestamp(Unix 秒)和 "
    "X-Hotline-Signature(sha256= 加 HMAC-SHA256(推送签名密钥, 时间戳 + '.' + 请求体原文) 的十六进制)。"
    "同一 ticket_id 只登记一次:重复推送应答 200 和同一张工单(duplicate 为 true)。"
    "受理、进展和结果由我方签名回传到该系统的回传地址。"
)


class PartnerPushView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser]  # for the schema: the body is read raw, to check its signature

    @extend_schema(
        operation_id="exchange_push",
        parameters=[
            PARTNER,
            OpenApiParameter(TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True),
        ],
        request=PushIn,
        responses={
            201: PushReceivedOut,
            200: PushReceivedOut,
            400: OpenApiResponse(description="推送内容有误(exchange_push_invalid 等,errors 列出字段)"),
            403: OpenApiResponse(description="签名无效、时间超出范围(重放)或该系统已停用"),
            413: OpenApiResponse(description="推送内容过大"),
        },
        description=DOC,
        auth=[],
    )
    def post(self, request: Request, partner: str) -> Response:
        raw = _body(request)
        found = push_authenticate(
            code=partner,
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            body=raw,
        )
        push = read_push(raw)
        try:
            received = push_receive(partner=found, push=push)
        except InvalidInput as error:
            raise _with_errors(error) from None
        return Response(PushReceivedOut(_received(received)).data, status=201 if received.created else 200)
