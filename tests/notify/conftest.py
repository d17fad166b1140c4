from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.notify.review_pack import reviewing  # noqa: F401  (a fixture for the tests here)
from tests.servers.sms_gateway import SmsGateway
from tests.servers.smtp import SmtpServer


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def sms_gateway() -> Iterator[SmsGateway]:
    gateway = SmsGateway().start()
    yield gateway
    gateway.stop()


@pytest.fixture
def channels(settings: Any, smtp_server: SmtpServer, sms_gateway: SmsGateway) -> dict[str, Any]:
    """Email and SMS configured against the loopback servers, with short backoff."""
    settings.HOTLINE_SMTP_HOST = smtp_server.host
    settings.HOTLINE_SMTP_PORT = smtp_server.port
    settings.HOTLINE_SMTP_FROM = "hotline@test.local"
    settings.HOTLINE_SMS_ENDPOINT = sms_gateway.url
    settings.HOTLINE_SMS_ACCESS_KEY_ID = sms_gateway.access_key_id
    settings.HOTLINE_SMS_ACCESS_KEY_SECRET = sms_gateway.secret
    settings.HOTLINE_SMS_SIGN_NAME = "江州12345"
    settings.HOTLINE_NOTIFY_BACKOFF_SECONDS = 0.01
    settings.HOTLINE_NOTIFY_TIMEOUT_SECONDS = 5
    return {"smtp": smtp_server, "sms": sms_gateway}
