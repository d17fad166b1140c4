"""Aliyun's push format: what cannot be a push is a 400 problem and writes nothing; one bad
message in a good push is recorded as refused and does not sink the others."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.smsin import aliyun
from hotline.smsin.models import InboundSms, Outcome
from hotline.tickets.models import Ticket
from tests.smsin.conftest import STORED, URL, body_of, ok, post, problem, signed, sms, url_sig


def _nothing_written() -> None:
    assert not InboundSms.objects.exists() and not Ticket.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        '[{"content": "坏"}]'.encode("gb18030"),  # not UTF-8
        b"[]",
        b'"text"',
        b"3",
        b"[1, 2]",
        b'[{"phone_number": "13912345678", "content": "x"}, "text"]',
        b'[{"phone_number": "13912345678", "content": "x", "sequence_id": NaN}]',
        b"[" * 100_000 + b"]" * 100_000,  # nested past the decoder's recursion limit
    ],
)
def test_a_body_that_cannot_be_a_push_is_a_400_and_writes_nothing(provider, org, body):
    problem(post(provider, body=body), 400, "sms_push_invalid")
    _nothing_written()


def test_too_many_messages_in_one_push_is_a_400(provider, org):
    items = [sms("x", sequence_id=n) for n in range(aliyun.MAX_MESSAGES + 1)]
    problem(post(provider, items), 400, "sms_push_too_large")
    _nothing_written()


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(provider, org):
    body = body_of([sms("长" * 400_000)])
    assert len(body) > aliyun.MAX_BODY_BYTES
    response = provider.post(f"{URL}?sig={url_sig()}", data=body, content_type="application/json")
    problem(response, 400, "sms_push_too_large")
    _nothing_written()


def test_one_malformed_message_is_refused_and_the_others_are_taken(provider, org):
    good = sms("路灯坏了")
    items = [
        {"content": "没有号码", "sequence_id": 1},
        sms({"nested": "不是文本"}),
        sms("长" * (aliyun.LIMITS["content"] + 1)),
        good,
    ]
    ok(post(provider, items))

    rows = list(InboundSms.objects.order_by("pk"))
    assert [r.outcome for r in rows] == [Outcome.REJECTED] * 3 + [Outcome.TICKET]
    assert "缺少 phone_number" in rows[0].reason
    assert "content 须为文本" in rows[1].reason
    assert "content 过长" in rows[2].reason
    assert Ticket.objects.get().description == "路灯坏了"
    # and a retry of the same push makes nothing twice, refused ones included
    ok(post(provider, items))
    assert InboundSms.objects.count() == 4 and Ticket.objects.count() == 1


def test_a_single_object_is_a_push_of_one(provider, org):
    ok(post(provider, sms("一条")))
    assert InboundSms.objects.get().outcome == Outcome.TICKET


def test_numbers_may_come_as_numbers_and_newer_pages_omit_sign_name(provider, org):
    item = {
        "phone_number": 13912345678,
        "send_time": "20261130093000",
        "content": "旧格式的时间",
        "dest_code": 1234,
        "sequence_id": 42,
    }
    ok(post(provider, [item]))
    row = InboundSms.objects.get()
    assert (row.phone, row.sequence_id, row.dest_code, row.sign_name) == (STORED, "42", "1234", "")
    assert row.sent_at is not None and row.sent_at.isoformat() == "2026-11-30T01:30:00+00:00"


def test_send_time_is_beijing_time_and_the_ticket_is_received_then(provider, org):
    sent = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    beijing = sent.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    ok(post(provider, [sms("三小时前发的", send_time=beijing)]))
    assert Ticket.objects.get().received_at == sent


def test_a_send_time_in_the_future_or_unreadable_is_received_now(provider, org):
    future = sms("时间错了", send_time="2099-01-01 00:00:00")
    ok(post(provider, [future, sms("看不懂", send_time="昨天", phone="13800138000")]))
    for ticket in Ticket.objects.all():
        assert abs((ticket.received_at - ticket.registered_at).total_seconds()) < 5


def test_nul_characters_are_dropped_not_refused(provider, org):
    body = json.dumps([sms("含\u0000空字符")]).encode()
    ok(post(provider, body=body, header=signed(body)))
    assert Ticket.objects.get().description == "含空字符"
