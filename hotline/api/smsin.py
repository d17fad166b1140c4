"""Upstream SMS from the provider: ``POST /api/v1/sms/inbound/aliyun/`` (Aliyun ``SmsUp``,
消息回执 · HTTP 批量推送).

- ``HOTLINE_SMS_INBOUND_SECRET`` empty turns the endpoint off: the same 404 problem as any
  missing page. No session, no CSRF: the provider posts it.
- The signature is checked before the body is parsed (``hotline.smsin.signing``): the header
  ``X-Hotline-Signature: t=…,v1=…`` over the body, or the signed URL's ``?sig=`` (what
  Aliyun's console can carry). Missing or wrong → 403 ``sms_signature_invalid``.
- The body is Aliyun's JSON array (``hotline.smsin.aliyun``); a body that cannot be a push →
  400 ``sms_push_invalid`` / ``sms_push_too_large``, nothing written. Each message is taken
  once (``hotline.smsin.services.push_take``): a retried or concurrent push of the same
  messages writes nothing twice and is answered the same.
- The answer is what Aliyun expects, HTTP 200 ``{"code": 0, "msg": "成功"}``; a ``GET`` with
  the same signature answers it too (the console's connectivity check).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.core.errors import InvalidInput, NotFound
from hotline.smsin import aliyun
from hotline.smsin.services import push_take
from hotline.smsin.signing import SIGNATURE_HEADER, verify_push

ANSWER = {"code": 0, "msg": "成功"}


class SmsUpIn(serializers.Serializer[Any]):
    """One upstream message as Aliyun pushes it (documentation: ``hotline.smsin.aliyun``
    reads the body)."""

    phone_number = serializers.CharField(max_length=32, help_text="手机号码")
    content = serializers.CharField(max_length=2000, allow_blank=True, help_text="短信内容")
    send_time = serializers.CharField(
        required=False, max_length=32, help_text="运营商推送上行时间(北京时间 yyyy-MM-dd HH:mm:ss)"
    )
    sign_name = serializers.CharField(required=False, max_length=64, help_text="短信签名")
    dest_code = serializers.CharField(required=False, max_length=32, help_text="上行扩展号码")
    sequence_id = serializers.CharField(required=False, max_length=64, help_text="序列号(数字或文本)")


class SmsUpAnswer(serializers.Serializer[Any]):
    code = serializers.IntegerField(help_text="0:已接收")
    msg = serializers.CharField()


SIG = OpenApiParameter(
    "sig",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="签名地址的签名(hotline sms url 生成);请求头 X-Hotline-Signature 在时可不带",
)
HEADER = OpenApiParameter(
    SIGNATURE_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="t=<Unix 时间戳>,v1=<HMAC-SHA256(密钥, t + '.' + 请求体) 的十六进制>",
)
DOC = (
    "阿里云短信上行消息(SmsUp)HTTP 批量推送:JSON 数组,每条一个上行短信。"
    "须带签名(请求头 X-Hotline-Signature,或签名地址的 sig 参数),否则 403。"
    '应答 {"code": 0, "msg": "成功"};重复推送不会重复登记。'
)


class AliyunSmsUpView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    parser_classes: list[Any] = []  # the body is read as bytes: its signature covers them
    renderer_classes = [JSONRenderer]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Off unless configured: the same 404 as a missing page."""
        if not settings.HOTLINE_SMS_INBOUND_SECRET:
            raise NotFound()
        super().initial(request, *args, **kwargs)

    def _verify(self, request: Request, body: bytes) -> None:
        verify_push(
            secret=settings.HOTLINE_SMS_INBOUND_SECRET,
            provider=aliyun.PROVIDER,
            query_sig=str(request.query_params.get("sig", "")),
            header=str(request.headers.get(SIGNATURE_HEADER, "")),
            body=body,
        )

    @extend_schema(
        operation_id="sms_inbound_aliyun_check",
        parameters=[SIG, HEADER],
        responses={200: SmsUpAnswer, 403: OpenApiResponse(description="签名缺失或不符")},
        description="连通性检查(阿里云控制台配置地址时发起):签名正确时应答同 POST。",
        auth=[],
    )
    def get(self, request: Request) -> Response:
        self._verify(request, b"")
        return Response(ANSWER)

    @extend_schema(
        operation_id="sms_inbound_aliyun",
        parameters=[SIG, HEADER],
        request={"application/json": SmsUpIn(many=True)},
        responses={
            200: SmsUpAnswer,
            400: OpenApiResponse(description="推送内容无法识别(sms_push_invalid、sms_push_too_large)"),
            403: OpenApiResponse(description="签名缺失或不符(sms_signature_invalid)"),
            404: OpenApiResponse(description="未启用(未配置 HOTLINE_SMS_INBOUND_SECRET)"),
        },
        description=DOC,
        auth=[],
    )
    def post(self, request: Request) -> Response:
        declared = str(request.META.get("CONTENT_LENGTH") or "0")
        if not declared.isdigit() or int(declared) > aliyun.MAX_BODY_BYTES:
            raise InvalidInput(
                f"推送内容过大(最多 {aliyun.MAX_BODY_BYTES // 1024} KB)",
                code="sms_push_too_large",
                field="body",
            )
        body = request.body
        self._verify(request, body)
        push_take(messages=aliyun.read_push(body), provider=aliyun.PROVIDER)
        return Response(ANSWER)
