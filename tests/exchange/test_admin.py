"""Partners in the admin: keys written, never shown back; the code fixed once saved; a ping
to check the callback address; their tickets and our callbacks read-only."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from hotline.exchange.models import Partner
from tests.exchange.conftest import CALLBACK_KEY, PUSH_KEY

NEW_KEY = "a-brand-new-push-key-000000000000000000"


@pytest.fixture
def admin(users) -> Client:
    client = Client()
    client.force_login(users["admin"])
    return client


def _form(partner_server, **fields):
    data = {
        "code": "city-hall",
        "name": "市长热线",
        "enabled": "on",
        "inbound_key": PUSH_KEY,
        "outbound_url": partner_server.url,
        "outbound_key": CALLBACK_KEY,
        "unit": "",
        "policy": "enterprise",
        "ticket_type": "complaint",
    }
    data.update(fields)
    return data


def test_a_partner_is_added_and_its_keys_are_never_shown_back(admin, org, partner_server):
    answer = admin.post(reverse("admin:exchange_partner_add"), _form(partner_server))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    partner = Partner.objects.get(code="city-hall")
    assert (partner.inbound_key, partner.outbound_key) == (PUSH_KEY, CALLBACK_KEY)
    page = admin.get(reverse("admin:exchange_partner_change", args=[partner.pk])).content.decode()
    assert PUSH_KEY not in page and CALLBACK_KEY not in page
    assert hashlib.sha256(PUSH_KEY.encode()).hexdigest()[:8] in page  # the fingerprint to compare


def test_blank_key_fields_keep_the_keys_and_the_code_cannot_change(admin, partner, partner_server):
    url = reverse("admin:exchange_partner_change", args=[partner.pk])
    form = _form(partner_server, code="renamed", name="省客户投诉中心(新)", inbound_key="", outbound_key="")
    answer = admin.post(url, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    partner.refresh_from_db()
    assert (partner.code, partner.name) == ("prov", "省客户投诉中心(新)")
    assert (partner.inbound_key, partner.outbound_key) == (PUSH_KEY, CALLBACK_KEY)
    admin.post(url, _form(partner_server, inbound_key=NEW_KEY, outbound_key=""))
    partner.refresh_from_db()
    assert (partner.inbound_key, partner.outbound_key) == (NEW_KEY, CALLBACK_KEY)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"inbound_key": "short"}, "至少"),
        ({"inbound_key": ""}, "请设置推送签名密钥"),
        ({"outbound_key": ""}, "须设置回传签名密钥"),
        ({"code": "Prov Centre"}, "编码须为"),
        ({"policy": "no-such-pack"}, "未知的政策包"),
        ({"outbound_url": "ftp://partner.example/cb"}, "URL"),
    ],
)
def test_a_bad_partner_is_refused_with_a_reason(admin, org, partner_server, fields, error):
    answer = admin.post(reverse("admin:exchange_partner_add"), _form(partner_server, **fields))
    assert answer.status_code == 200
    assert error in answer.content.decode()
    assert not Partner.objects.exists()


def test_the_ping_action_reaches_the_partner_signed(admin, partner, partner_server):
    answer = admin.post(
        reverse("admin:exchange_partner_changelist"),
        {"action": "check_callback", "_selected_action": [partner.pk]},
        follow=True,
    )
    assert "对方已接收(HTTP 200)" in answer.content.decode()
    (got,) = partner_server.accepted
    assert got.body["event"] == "ping" and partner_server.rejected == 0


def test_the_ping_action_says_what_went_wrong(admin, partner, partner_server):
    partner_server.status = 503
    answer = admin.post(
        reverse("admin:exchange_partner_changelist"),
        {"action": "check_callback", "_selected_action": [partner.pk]},
        follow=True,
    )
    assert "回传失败" in answer.content.decode() and "HTTP 503" in answer.content.decode()


def test_tickets_and_callbacks_are_read_only(admin, partner):
    assert admin.get(reverse("admin:exchange_partnerticket_add")).status_code == 403
    assert admin.get(reverse("admin:exchange_callback_add")).status_code == 403
    assert admin.get(reverse("admin:exchange_partnerticket_changelist")).status_code == 200
