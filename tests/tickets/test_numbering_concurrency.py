"""Concurrent intake never shares a number (PostgreSQL and SQLite)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hotline.tickets.models import Ticket
from tests.factories import register


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_consecutive_numbers(org):
    agent = org.users["agent"]
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def intake() -> None:
        try:
            start.wait()
            for _ in range(5):
                numbers.append(register(agent).number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=intake) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == 30 == len(set(numbers))
    seqs = sorted(int(n[-6:]) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + 30))
    assert Ticket.objects.count() == 30
