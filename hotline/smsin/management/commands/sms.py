"""``hotline sms url``: the signed address to paste into the SMS provider's console.

Aliyun 短信服务控制台 → 通用设置 → 上行消息接收 → HTTP 批量推送 takes one URL; this prints it
with its ``sig`` (``hotline.smsin.signing``), made from ``HOTLINE_SMS_INBOUND_SECRET``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from hotline.smsin.aliyun import PROVIDER
from hotline.smsin.signing import url_signature


class Command(BaseCommand):
    help = "短信受理:打印填入阿里云控制台的上行短信推送地址(带签名)"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        url = sub.add_parser("url", help="打印推送地址")
        url.add_argument(
            "--base",
            default="",
            help="本平台对外的网址,如 https://hotline.example.cn(默认 HOTLINE_PUBLIC_BASE_URL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        secret = settings.HOTLINE_SMS_INBOUND_SECRET
        if not secret:
            raise CommandError("未配置 HOTLINE_SMS_INBOUND_SECRET:短信受理未启用")
        base = (options["base"] or settings.HOTLINE_PUBLIC_BASE_URL).rstrip("/")
        path = reverse("sms-inbound-aliyun")
        self.stdout.write(f"{base}{path}?sig={url_signature(secret, PROVIDER)}")
