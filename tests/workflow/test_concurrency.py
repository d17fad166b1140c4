"""Two conflicting actions at the same moment: one wins, the other gets a conflict."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from hotline.core.errors import Conflict
from hotline.tickets.models import Ticket, TicketEvent
from hotline.workflow.services import ticket_transition
from tests.factories import register
from tests.helpers import act


@pytest.mark.django_db(transaction=True)
def test_two_dispatches_at_once_one_wins(org):
    users = org.users
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "accept", users["coordinator"])
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def dispatch(unit: str) -> None:
        try:
            barrier.wait()
            ticket_transition(
                ticket=ticket, action="dispatch", actor=users["coordinator"], params={"unit": unit}
            )
            outcomes.append(f"ok:{unit}")
        except Conflict as exc:
            outcomes.append(f"conflict:{exc.status}")
        except Exception as exc:  # pragma: no cover - shown in the assertion
            outcomes.append(f"error:{exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch, args=(u,)) for u in ("JZ-DH-SJ", "JZ-XS-ZJ")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "ok"], outcomes
    assert "conflict:409" in outcomes
    winner = next(o for o in outcomes if o.startswith("ok")).split(":")[1]
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.unit.code == winner
    assert TicketEvent.objects.filter(ticket=ticket, action="dispatch").count() == 1
