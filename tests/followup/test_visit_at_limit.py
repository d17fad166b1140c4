"""12345 (``return_visit.when: limit_expired``): the visit is due when the limit expires, replied or not."""

from __future__ import annotations

from hotline.followup.models import ReturnVisit
from hotline.followup.services import run_sweep
from hotline.web.selectors import callbacks
from tests.factories import register
from tests.helpers import act, local


def test_visit_task_opens_when_the_handling_limit_expires(users):
    ticket = register(users["agent"], policy="hotline-12345", now=local("2026-10-12 08:00"))
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-10-12 09:00", unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"], "2026-10-12 09:30")
    ticket = act(ticket, "assign", users["head"], "2026-10-12 09:40", handler="handler")
    # 7 natural days from 12 Oct: the end of 19 Oct
    assert ticket.due_at == local("2026-10-20 00:00")
    assert run_sweep(local("2026-10-19 23:59")).visits_created == 0
    assert run_sweep(local("2026-10-20 00:00")).visits_created == 1
    visit = ReturnVisit.objects.get(ticket=ticket)
    # within 1 natural day: the end of 21 Oct
    assert (visit.status, visit.due_at) == ("open", local("2026-10-22 00:00"))
    rows, _more = callbacks(users["coordinator"], now=local("2026-10-20 00:01"))
    assert [row.visit.pk for row in rows] == [visit.pk]
    assert run_sweep(local("2026-10-20 09:00")).visits_created == 0
