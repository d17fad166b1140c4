"""The provider pushing the same messages several times at once (a timeout and its retry
overlapping): each message is taken once, over real HTTP on real connections."""

from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

import pytest

from hotline.smsin.models import InboundSms, Outcome
from hotline.tickets.models import Ticket, TicketEvent
from tests.factories import PersonFactory, register
from tests.smsin.conftest import PHONE, URL, body_of, signed, sms

pytestmark = pytest.mark.django_db(transaction=True)


def _push_at_once(base: str, body: bytes, pushes: int) -> list[tuple[int, Any]]:
    barrier = threading.Barrier(pushes)
    answers: list[tuple[int, Any]] = []

    def push() -> None:
        request = urllib.request.Request(
            base + URL,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "X-Hotline-Signature": signed(body)},
        )
        barrier.wait()
        with urllib.request.urlopen(request, timeout=60) as response:
            answers.append((response.status, json.loads(response.read())))

    threads = [threading.Thread(target=push) for _ in range(pushes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def test_the_same_push_four_times_at_once_makes_each_ticket_once(live_server, org):
    items = [sms("超市卖过期面包", phone="13800138001"), sms("工地夜间施工扰民", phone="13800138002")]
    answers = _push_at_once(live_server.url, body_of(items), 4)

    assert answers == [(200, {"code": 0, "msg": "成功"})] * 4
    assert Ticket.objects.count() == 2
    assert InboundSms.objects.count() == 2
    assert set(InboundSms.objects.values_list("outcome", flat=True)) == {Outcome.TICKET}
    assert TicketEvent.objects.filter(action="register").count() == 2


def test_the_same_reply_four_times_at_once_is_one_correspondence(live_server, org):
    ticket = register(org.users["agent"], complainant=PersonFactory(phone=PHONE))
    answers = _push_at_once(live_server.url, body_of([sms("补充:商家电话是 0791-1234567")]), 4)

    assert [status for status, _ in answers] == [200] * 4
    assert ticket.events.filter(action="correspondence").count() == 1
    assert InboundSms.objects.get().outcome == Outcome.CORRESPONDENCE
