"""Suspension (中止) stops the clock; resuming restarts it with what was left.

market-12315 suspends while a test or appraisal runs (arts. 20–21: testing time not counted).
"""

from __future__ import annotations

import pytest

from hotline.calendar.services import compute_deadline
from hotline.core.errors import InvalidTransition
from hotline.demo.journey import advance
from hotline.workflow.services import allowed_actions
from tests.factories import register
from tests.helpers import act, local

STAFF = ["agent", "coordinator", "leader", "head", "handler"]


def _in_handling(users):
    ticket = register(users["agent"], policy="market-12315", now=local("2026-11-02 09:00"))
    times = [
        local(t) for t in ("2026-11-02 09:10", "2026-11-02 10:00", "2026-11-02 11:00", "2026-11-02 11:30")
    ]
    advance(
        ticket,
        [users[u] for u in STAFF],
        steps=4,
        handler="handler",
        unit="JZ-DH-SJ",
        at=times,
        prefer=["accept", "dispatch", "sign", "assign"],
    )
    ticket.refresh_from_db()
    assert "suspend" in allowed_actions(ticket, users["handler"]), ticket.stage
    return ticket


def test_suspended_working_days_are_added_back_on_resume(users):
    ticket = _in_handling(users)
    due_before = ticket.final_due_at
    assert due_before is not None
    ticket = act(ticket, "suspend", users["handler"], "2026-11-03 15:00", reason="送检")
    assert ticket.status == "suspended"
    assert set(allowed_actions(ticket, users["handler"])) <= {"resume", "unmask"}
    with pytest.raises(InvalidTransition):
        act(ticket, "reply", users["handler"], "2026-11-05 09:00", result="x")
    # resumed on Tuesday Nov 10: Nov 4, 5, 6, 9 and 10 (five working days) did not count
    ticket = act(ticket, "resume", users["handler"], "2026-11-10 09:00")
    assert ticket.status == "open"
    assert ticket.final_due_at == compute_deadline(start=due_before, amount=5, unit="working_days").due_at
    assert list(ticket.events.values_list("action", flat=True))[-2:] == ["suspend", "resume"]


def test_while_suspended_the_ticket_is_not_overdue_and_only_resume_is_offered(users, api):
    ticket = _in_handling(users)
    ticket = act(ticket, "suspend", users["handler"], "2026-11-03 15:00", reason="等待诉求人补充材料")
    body = api(users["handler"]).get(f"/api/v1/tickets/{ticket.number}/").json()
    assert body["status"] == "suspended"
    assert body["overdue"] is False
    assert "resume" in body["allowed_actions"] and "reply" not in body["allowed_actions"]
