"""Helpers for the public portal tests: a browser-like client and a valid submission."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from hotline.portal.antiabuse import issue_form_token
from hotline.tickets.models import Ticket
from tests.helpers import act

COMPLAINT = {
    "type": "complaint",
    "subject": "超市出售过期酸奶",
    "description": "10月3日在东湖路超市购买的酸奶已过期两天。",
    "demand": "要求退款并赔偿",
    "region": "江州市东湖区",
    "respondent_name": "东湖路超市",
    "respondent_address": "江州市东湖区东湖路8号",
    "name": "张三",
    "phone": "13812345678",
    "email": "zhangsan@example.com",
}


def form_data(**fields: Any) -> dict[str, Any]:
    """A submission as the browser posts it, with a form token handed out a minute ago."""
    data = {**COMPLAINT, "form_token": issue_form_token(now=time.time() - 60), "website": ""}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def submit(client: Client, **fields: Any) -> Any:
    return client.post("/public/submit/", form_data(**fields))


def submitted_receipt(client: Client, **fields: Any) -> tuple[str, str]:
    """Submit and read number and query code from the page shown once."""
    response = submit(client, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    receipt = page.context["receipt"]
    return receipt["number"], receipt["code"]


def to_replied(ticket: Ticket, users: dict[str, Any], *, result: str = "已责令超市退款并赔偿") -> Ticket:
    """Staff take the ticket through to the answer, where a return visit is asked for."""
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    return act(ticket, "reply", users["handler"], result=result)


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def rates(settings: Any) -> Any:
    """``rates(public_submit="2/hour")`` sets the throttle rates the API and portal share."""

    def set_rates(**scopes: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scopes},
        }

    return set_rates
