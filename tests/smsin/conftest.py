"""SMS in: pushes in Aliyun's format, signed as the docs say, posted as real HTTP requests
through Django's test client; survey SMS delivered for real to the local Aliyun gateway."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from hotline.followup.models import ReturnVisit
from hotline.followup.visits import record_attempt
from hotline.notify.delivery import deliver_due
from hotline.notify.models import Message, MessageStatus
from hotline.tickets.models import Ticket
from tests.factories import PersonFactory, register
from tests.helpers import act
from tests.servers.sms_gateway import SmsGateway

SECRET = "smsin-test-secret-5b1d"
URL = "/api/v1/sms/inbound/aliyun/"
PHONE = "13912345678"  # as Aliyun pushes it
STORED = "+8613912345678"  # as tickets keep it
_sequence = itertools.count(9_000_000_001)


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.HOTLINE_SMS_INBOUND_SECRET = SECRET


@pytest.fixture
def provider() -> APIClient:
    """What the provider is: no session, no token, CSRF checked as a browser's would be."""
    return APIClient(enforce_csrf_checks=True)


def sms(content: str, *, phone: str = PHONE, sequence_id: Any = None, **extra: Any) -> dict[str, Any]:
    """One upstream message as Aliyun pushes it."""
    return {
        "phone_number": phone,
        "send_time": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime()),
        "content": content,
        "sign_name": "江州12345",
        "dest_code": "1234",
        "sequence_id": next(_sequence) if sequence_id is None else sequence_id,
        **extra,
    }


def signed(body: bytes, *, secret: str = SECRET, at: int | None = None) -> str:
    """The signature header, computed here from the documented scheme (not by our code)."""
    stamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def url_sig(secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), b"smsin:aliyun", hashlib.sha256).hexdigest()


def body_of(items: Any) -> bytes:
    return json.dumps(items, ensure_ascii=False).encode()


def post(
    client: APIClient, items: Any = None, *, body: bytes | None = None, header: str | None = None
) -> Any:
    """POST a push signed with the header (``header=""``: unsigned; or a given header)."""
    data = body_of(items) if body is None else body
    extra = {} if header == "" else {"HTTP_X_HOTLINE_SIGNATURE": signed(data) if header is None else header}
    return client.post(URL, data=data, content_type="application/json", **extra)


def ok(response: Any) -> None:
    assert response.status_code == 200, response.content
    assert response.json() == {"code": 0, "msg": "成功"}


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status
    return body


@pytest.fixture
def gateway(settings: Any) -> Iterator[SmsGateway]:
    """Our outgoing SMS delivered to the local Aliyun gateway (so they count as sent)."""
    server = SmsGateway().start()
    settings.HOTLINE_SMS_ENDPOINT = server.url
    settings.HOTLINE_SMS_ACCESS_KEY_ID = server.access_key_id
    settings.HOTLINE_SMS_ACCESS_KEY_SECRET = server.secret
    settings.HOTLINE_SMS_SIGN_NAME = "江州12345"
    settings.HOTLINE_NOTIFY_TIMEOUT_SECONDS = 5
    yield server
    server.stop()


@pytest.fixture
def replied(users: dict[str, Any]) -> Any:
    """``replied(**draft)`` → an enterprise complaint answered by its handler: its return
    visit is open (registered now, through the services)."""

    def make(**draft: Any) -> Ticket:
        draft.setdefault("complainant", PersonFactory(phone=PHONE))
        ticket = register(users["agent"], policy="enterprise", **draft)
        ticket = act(ticket, "accept", users["coordinator"])
        ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
        ticket = act(ticket, "sign", users["head"])
        ticket = act(ticket, "assign", users["head"], handler="handler")
        return act(ticket, "reply", users["handler"], result="已责令商家退款")

    return make


@pytest.fixture
def surveyed(replied: Any, users: dict[str, Any], gateway: SmsGateway) -> Any:
    """``surveyed(**draft)`` → a replied ticket whose complainant could not be reached by
    phone: the survey link went out by SMS and the gateway accepted it."""

    def make(**draft: Any) -> Ticket:
        ticket = replied(**draft)
        visit = ReturnVisit.objects.get(ticket=ticket)
        record_attempt(visit=visit, user=users["coordinator"], outcome="unreachable", note="关机")
        deliver_due()
        sent = Message.objects.get(ticket=ticket, kind="survey_link", channel="sms")
        assert sent.status == MessageStatus.SENT and sent.address == ticket.complainant_phone
        assert any(s.out_id == sent.idempotency_key for s in gateway.sent)
        return Ticket.objects.get(pk=ticket.pk)

    return make
