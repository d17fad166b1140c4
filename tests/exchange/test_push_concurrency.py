"""Copies of one push arriving at once (the partner's retry racing its first try) make one
ticket: the ticket's source is unique, and the losers answer with the winner's ticket."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection

from hotline.exchange.models import PartnerTicket
from hotline.tickets.models import Ticket, TicketEvent
from tests.exchange.conftest import push_body

COPIES = 6


@pytest.mark.django_db(transaction=True)
def test_concurrent_copies_of_one_push_make_one_ticket(partner, push):
    raw = json.dumps(push_body("SD-RACE-1")).encode()
    start = threading.Barrier(COPIES)
    answers: list[Any] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            start.wait()
            answers.append(push(raw=raw))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(COPIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * (COPIES - 1) + [201], [a.content[:300] for a in answers]
    assert len({a.json()["number"] for a in answers}) == 1
    assert Ticket.objects.filter(source="prov:SD-RACE-1").count() == 1
    assert PartnerTicket.objects.filter(partner_ticket_id="SD-RACE-1").count() == 1
    assert TicketEvent.objects.filter(ticket__source="prov:SD-RACE-1").count() == 1
