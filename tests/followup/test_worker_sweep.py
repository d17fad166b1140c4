"""End to end: a real ``hotline worker`` alone reminds an untouched, overdue ticket."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from hotline.notify.models import Message
from hotline.policies import registry
from tests.factories import register
from tests.jobs.workers import Worker, flush_queue, wait_until, worker_env
from tests.policies.conftest import mini_pack, write_pack


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_escalates_an_untouched_ticket(org, tmp_path, monkeypatch):
    # Given a pack that escalates to the coordinator at the due time, at any hour of any day
    data = mini_pack()
    data["reminders"] = {
        "escalation": [{"after": {"amount": 0, "unit": "hours"}, "notify": ["coordinator"]}],
        "on_rest_days": True,
    }
    packs = tmp_path / "packs"
    packs.mkdir()
    write_pack(packs, data)
    monkeypatch.setenv(registry.ENV_VAR, str(packs))
    registry.reset()
    try:
        # and a ticket registered ten days ago that nobody touched (due after one working day)
        ticket = register(org.users["agent"], policy="mini", now=timezone.now() - timedelta(days=10))
        assert ticket.due_at is not None and ticket.due_at < timezone.now()
        env = worker_env(redis=connection.vendor == "postgresql", extra={registry.ENV_VAR: str(packs)})
        worker = Worker(env, "--workers", "1", log=tmp_path / "w.log")
        try:
            # When the worker runs (its scheduler sweeps every minute)
            try:
                found = wait_until(
                    lambda: Message.objects.filter(
                        ticket=ticket, kind="overdue", user__username="coordinator"
                    ).exists(),
                    timeout=100,
                    what="the overdue message",
                )
            except AssertionError as exc:
                raise AssertionError(f"{exc}; worker log:\n{worker.output()[-4000:]}") from None
        finally:
            worker.terminate()
            flush_queue(env)
        assert "sweep_deadlines" in worker.output()
        # Then the coordinator was told, once
        assert found
        assert Message.objects.filter(ticket=ticket, kind="overdue", channel="inapp").count() == 1
    finally:
        monkeypatch.delenv(registry.ENV_VAR)
        registry.reset()
