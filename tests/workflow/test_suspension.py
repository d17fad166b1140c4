from __future__ import annotations

import pytest

from hotline.core.errors import InvalidTransition
from hotline.workflow.services import allowed_actions
from tests.factories import register
from tests.helpers import act, local


def _suspender(users, ticket):
    for name in ("handler", "head", "coordinator"):
        if "suspend" in allowed_actions(ticket, users[name]):
            return users[name]
    pytest.fail("nobody may suspend in this stage")


def test_suspended_time_does_not_count(users):
    ticket = register(users["agent"], policy="enterprise", now=local("2026-11-02 09:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-11-02 09:10")
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-11-02 10:00", unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"], "2026-11-02 10:30")
    ticket = act(ticket, "assign", users["head"], "2026-11-02 10:40", handler="handler")
    assert ticket.final_due_at == local("2026-11-04 17:30")
    who = _suspender(users, ticket)
    # suspended on Monday with 2 working days left (Tue, Wed), waiting for a lab test
    ticket = act(ticket, "suspend", who, "2026-11-02 15:00", reason="送检")
    assert ticket.status == "suspended"
    assert allowed_actions(ticket, who) == ["resume"] or set(allowed_actions(ticket, who)) <= {"resume", "unmask"}
    with pytest.raises(InvalidTransition):
        act(ticket, "reply", users["handler"], "2026-11-05 09:00", result="x")
    # resumed on Thursday: the 2 working days left are Friday and Monday
    ticket = act(ticket, "resume", who, "2026-11-05 09:00")
    assert ticket.status == "open"
    assert ticket.final_due_at == local("2026-11-09 17:30")
    history = list(ticket.events.values_list("action", flat=True))
    assert history[-2:] == ["suspend", "resume"]
