from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from hotline.exchange.models import Partner
from tests.exchange.partner_server import PartnerServer

PUSH_KEY = "push-key-0123456789-abcdefghijklmnop"  # the provincial centre signs its pushes with it
CALLBACK_KEY = "callback-key-9876543210-zyxwvutsrqpo"  # we sign our callbacks with it
URL = "/api/v1/exchange/prov/tickets"


def sign(key: str, stamp: str, body: bytes) -> str:
    """The partner's own signing (not our module's): sha256= + hex HMAC of stamp "." body."""
    return "sha256=" + hmac.new(key.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def push_body(ticket_id: str = "SD-2026-000123", **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ticket_id": ticket_id,
        "number": f"鲁烟投〔2026〕{ticket_id[-3:]}号",
        "type": "complaint",
        "subject": "零售户反映卷烟货源分配不公",
        "description": "该零售户反映近三周订货量被削减,要求说明分配依据。",
        "complainant": {"name": "王建华", "phone": "13912345678"},
        "respondent": {"name": "东湖区营销部"},
    }
    body.update(fields)
    return body


@pytest.fixture
def partner_server() -> Iterator[PartnerServer]:
    server = PartnerServer(key=CALLBACK_KEY).start()
    yield server
    server.stop()


@pytest.fixture
def partner(org: Any, partner_server: PartnerServer) -> Partner:
    """The provincial complaint centre: pushes to the city's centre under the enterprise pack."""
    return Partner.objects.create(
        code="prov",
        name="省客户投诉中心",
        inbound_key=PUSH_KEY,
        outbound_url=partner_server.url,
        outbound_key=CALLBACK_KEY,
        unit=org.units["JZ-C"],
        policy="enterprise",
    )


@pytest.fixture
def push() -> Any:
    """``push(body, key=…, stamp=…, url=…, raw=…)`` → the response to a signed POST."""

    def send(
        body: Any = None,
        *,
        key: str = PUSH_KEY,
        stamp: str | None = None,
        url: str = URL,
        raw: bytes | None = None,
        signature: str | None = None,
        headers: bool = True,
    ) -> Any:
        data = raw if raw is not None else json.dumps(push_body() if body is None else body).encode()
        stamp = str(int(time.time())) if stamp is None else stamp
        extra = (
            {
                "HTTP_X_HOTLINE_TIMESTAMP": stamp,
                "HTTP_X_HOTLINE_SIGNATURE": signature or sign(key, stamp, data),
            }
            if headers
            else {}
        )
        return APIClient().post(url, data=data, content_type="application/json", **extra)

    return send


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body
