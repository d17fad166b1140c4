"""Several workers sweeping at the same moment: every point is handled exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from hotline.followup.models import MarkKind, SweepMark
from hotline.followup.services import run_sweep
from hotline.notify.models import Message
from tests.factories import register
from tests.helpers import act, local


def _overdue_tickets(users, n):
    tickets = []
    for _ in range(n):
        ticket = register(users["agent"], policy="enterprise", now=local("2026-09-30 08:00"))
        ticket = act(ticket, "accept", users["coordinator"], "2026-09-30 08:05")
        ticket = act(ticket, "dispatch", users["coordinator"], "2026-09-30 10:00", unit="JZ-DH-SJ")
        tickets.append(act(ticket, "sign", users["head"], "2026-09-30 10:05"))
    return tickets


@pytest.mark.django_db(transaction=True)
def test_four_workers_at_once_send_each_escalation_once(org):
    # Given three tickets whose two escalation steps have both come due
    tickets = _overdue_tickets(org.users, 3)
    barrier = threading.Barrier(4)
    errors: list[str] = []
    sent: list[int] = []

    def sweep() -> None:
        try:
            barrier.wait()
            report = run_sweep(local("2026-10-12 10:00"))
            sent.append(report.escalations)
            errors.extend(report.errors)
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(repr(exc))
        finally:
            connection.close()

    # When four sweeps run at the same moment on four connections
    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then each ticket's latest step was sent once in all, and the first recorded as skipped
    assert errors == []
    assert sum(sent) == 3
    for ticket in tickets:
        batches = set(
            Message.objects.filter(ticket=ticket, batch_key__startswith="followup:").values_list(
                "batch_key", flat=True
            )
        )
        assert len(batches) == 1
        assert SweepMark.objects.filter(ticket=ticket, sent=True).count() == 1
        assert SweepMark.objects.filter(ticket=ticket, kind=MarkKind.ESCALATION, sent=False).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_mark_for_a_point(org):
    (ticket,) = _overdue_tickets(org.users, 1)
    fields = {
        "ticket": ticket,
        "clock": "stage:1:2",
        "point": "after=0hours",
        "kind": MarkKind.ESCALATION,
        "due_at": local("2026-10-09 17:30"),
        "done_at": local("2026-10-09 17:30"),
    }
    SweepMark.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        SweepMark.objects.create(**fields)
