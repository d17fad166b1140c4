"""The round trip with a real ``hotline worker`` process: the province pushes a ticket over
HTTP, we accept and answer it, and the worker delivers each callback to the partner's server —
also when a first try fails and when the worker is killed in the middle of a send.

SQLite runs the embedded queue; PostgreSQL runs the worker on Redis, as in production."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from hotline.exchange.models import PARTNER_CHANNEL
from hotline.notify.models import Message
from hotline.tickets.models import Ticket
from tests.jobs.workers import Worker, flush_queue, wait_until, worker_env

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def start_worker(tmp_path: Any) -> Iterator[Any]:
    env = worker_env(
        redis=connection.vendor == "postgresql",
        extra={
            "HOTLINE_NOTIFY_BACKOFF_SECONDS": "0.2",
            "HOTLINE_NOTIFY_BACKOFF_MAX_SECONDS": "0.5",
            "HOTLINE_NOTIFY_LEASE_SECONDS": "2",
            "HOTLINE_NOTIFY_MAX_ATTEMPTS": "20",
            "HOTLINE_EXCHANGE_TIMEOUT_SECONDS": "10",
        },
    )
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(env, "--workers", "2", log=tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.terminate()
    flush_queue(env)


def _logs(tmp_path: Any) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))


def _statuses(ticket: Ticket) -> list[str]:
    return list(
        Message.objects.filter(ticket=ticket, channel=PARTNER_CHANNEL)
        .order_by("pk")
        .values_list("status", flat=True)
    )


def test_pushed_accepted_answered_and_every_callback_delivered_by_the_worker(
    partner, push, users, partner_server, start_worker, tmp_path
):
    from tests.helpers import act

    number = push().json()["number"]
    ticket = Ticket.objects.get(number=number)
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    act(ticket, "reply", users["handler"], result="已核实处理,向零售户说明了分配依据")
    assert _statuses(ticket) == ["pending", "pending", "pending"]  # committed before any worker ran
    partner_server.fail_next = 1  # the province's system is busy at first

    start_worker()
    wait_until(lambda: _statuses(ticket) == ["sent"] * 3, what=f"all callbacks sent\n{_logs(tmp_path)}")
    assert partner_server.events() == ["accepted", "dispatched", "replied"]
    assert partner_server.rejected == 0
    assert partner_server.requests == 4  # one 500, then each once
    assert partner_server.accepted[-1].body["ticket_id"] == "SD-2026-000123"


def test_a_worker_killed_mid_send_loses_nothing(partner, push, users, partner_server, start_worker, tmp_path):
    from tests.helpers import act

    ticket = Ticket.objects.get(number=push().json()["number"])
    act(ticket, "accept", users["coordinator"])
    partner_server.delay = 5.0  # the partner takes the callback, then holds its answer

    worker = start_worker()
    wait_until(lambda: partner_server.requests >= 1, what=f"a first try\n{_logs(tmp_path)}")
    worker.kill()
    assert _statuses(ticket) == ["sending"]  # claimed, no outcome recorded

    partner_server.delay = 0
    start_worker()
    wait_until(lambda: _statuses(ticket) == ["sent"], what=f"sent after the restart\n{_logs(tmp_path)}")
    assert partner_server.requests >= 2  # asked again after the lease ran out
    assert partner_server.events() == ["accepted"]  # the same delivery key: taken once
