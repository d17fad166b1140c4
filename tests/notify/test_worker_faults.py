"""Fault tests with real worker processes: every message arrives, none twice at the provider.

SQLite runs one embedded worker (SqliteHuey); PostgreSQL runs two workers on Redis, one of
them without the scheduler. The worker processes use the test database.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from hotline.notify.models import Message
from tests.factories import PersonFactory, register
from tests.jobs.workers import Worker, flush_queue, wait_until, worker_env

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fleet(tmp_path: Any, channels: dict[str, Any]) -> Iterator[Any]:
    """``fleet.start()`` starts the workers (one on SQLite, two on PostgreSQL + Redis)."""
    smtp, sms = channels["smtp"], channels["sms"]
    redis = connection.vendor == "postgresql"
    env = worker_env(
        redis=redis,
        extra={
            "HOTLINE_SMTP_HOST": smtp.host,
            "HOTLINE_SMTP_PORT": str(smtp.port),
            "HOTLINE_SMTP_FROM": "hotline@test.local",
            "HOTLINE_SMS_ENDPOINT": sms.url,
            "HOTLINE_SMS_ACCESS_KEY_ID": sms.access_key_id,
            "HOTLINE_SMS_ACCESS_KEY_SECRET": sms.secret,
            "HOTLINE_SMS_SIGN_NAME": "江州12345",
            "HOTLINE_NOTIFY_BACKOFF_SECONDS": "0.2",
            "HOTLINE_NOTIFY_BACKOFF_MAX_SECONDS": "0.5",
            "HOTLINE_NOTIFY_LEASE_SECONDS": "2",
            "HOTLINE_NOTIFY_TIMEOUT_SECONDS": "5",
            "HOTLINE_NOTIFY_MAX_ATTEMPTS": "100",
        },
    )

    class Fleet:
        workers: list[Worker] = []
        generation = 0

        def start(self) -> list[Worker]:
            self.generation += 1
            log = tmp_path / f"worker-{self.generation}"
            self.workers = [Worker(env, "--workers", "2", log=log.with_suffix(".a.log"))]
            if redis:
                self.workers.append(
                    Worker(env, "--workers", "2", "--no-scheduler", log=log.with_suffix(".b.log"))
                )
            return self.workers

        def kill(self) -> None:
            for w in self.workers:
                w.kill()

        def logs(self) -> str:
            return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))

    fleet = Fleet()
    yield fleet
    for w in fleet.workers:
        w.terminate()
    flush_queue(env)


def _statuses(keys: list[str]) -> dict[str, str]:
    return dict(Message.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", "status"))


def test_sigkill_mid_delivery_then_restart_delivers_every_sms_once(users, channels, fleet):
    gateway = channels["sms"]
    tickets = [register(users["agent"], complainant=PersonFactory(email="")) for _ in range(6)]
    keys = list(
        Message.objects.filter(ticket__in=tickets, channel="sms").values_list("idempotency_key", flat=True)
    )
    assert len(keys) == 6
    gateway.delay = 3.0  # the gateway records, then holds its answer

    fleet.start()
    wait_until(lambda: gateway.sent, what="a first SMS accepted by the gateway")
    fleet.kill()
    in_flight = [k for k, s in _statuses(keys).items() if s == "sending"]
    assert in_flight, "the kill should land while a message is being sent"
    accepted_before_restart = len(gateway.sent)

    gateway.delay = 0
    fleet.start()
    wait_until(
        lambda: set(_statuses(keys).values()) == {"sent"}, timeout=90, what=f"all sent\n{fleet.logs()}"
    )

    sent = gateway.sent
    assert sorted(s.out_id for s in sent) == sorted(keys)  # every message, each exactly once
    assert gateway.requests > len(keys)  # the in-flight one was asked again: the OutId saved it
    assert accepted_before_restart >= 1
    biz = dict(
        Message.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", "provider_message_id")
    )
    assert biz == {s.out_id: s.biz_id for s in sent}


def test_smtp_outage_then_recovery_delivers_every_email_once(users, channels, fleet):
    smtp = channels["smtp"]
    smtp.stop()
    tickets = [register(users["agent"], complainant=PersonFactory(phone="")) for _ in range(4)]
    keys = list(
        Message.objects.filter(ticket__in=tickets, channel="email").values_list("idempotency_key", flat=True)
    )
    assert len(keys) == 4

    fleet.start()
    wait_until(
        lambda: Message.objects.filter(idempotency_key__in=keys, attempts__gte=2).count() == 4,
        what="every email retried while the server is down",
    )
    assert not Message.objects.filter(idempotency_key__in=keys, status="sent").exists()
    assert all(
        "Connection" in e
        for e in Message.objects.filter(idempotency_key__in=keys).values_list("last_error", flat=True)
    )
    smtp.start()  # the same port again
    wait_until(lambda: set(_statuses(keys).values()) == {"sent"}, what=f"all sent\n{fleet.logs()}")

    ids = [m.message_id for m in smtp.received]
    assert len(ids) == len(set(ids)) == 4
    assert {m.rcpt_tos[0] for m in smtp.received} == {"zhangsan@example.com"}


@pytest.mark.postgres_only
def test_two_workers_on_redis_exactly_one_runs_the_scheduler(users, channels, fleet):
    if connection.vendor != "postgresql":
        pytest.skip("the embedded SQLite queue runs one worker; two run on PostgreSQL + Redis")
    workers = fleet.start()
    for w in workers:
        wait_until(lambda w=w: "worker:" in w.output(), what="worker banner")
    banners = [w.output() for w in workers]
    assert sum("scheduler on" in b for b in banners) == 1
    assert all("Redis" in b for b in banners)
