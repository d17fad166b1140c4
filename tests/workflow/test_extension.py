from __future__ import annotations

import pytest

from hotline.core.errors import GuardFailed
from hotline.policies.registry import get_pack
from hotline.tickets.models import ExtensionRequest
from hotline.workflow.services import allowed_actions
from tests.factories import register
from tests.helpers import act, local, snapshot


def _in_handling(users):
    ticket = register(users["agent"], policy="enterprise", now=local("2026-11-02 09:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-11-02 09:10")
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-11-02 10:00", unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"], "2026-11-02 10:30")
    return act(ticket, "assign", users["head"], "2026-11-02 10:40", handler="handler")


def _approver(users, ticket):
    for name in ("leader", "coordinator", "head"):
        if "approve_extension" in allowed_actions(ticket, users[name]):
            return users[name]
    raise AssertionError("nobody may approve")


def test_approved_extension_moves_the_deadlines_by_working_days(users):
    ticket = _in_handling(users)
    assert ticket.final_due_at == local("2026-11-04 17:30")  # Mon dispatch + 2 working days
    requester = (
        users["handler"]
        if "request_extension" in allowed_actions(ticket, users["handler"])
        else users["head"]
    )
    ticket = act(ticket, "request_extension", requester, "2026-11-03 09:00", amount=2, reason="需现场核查")
    assert ExtensionRequest.objects.get(ticket=ticket).status == "pending"
    ticket = act(ticket, "approve_extension", _approver(users, ticket), "2026-11-03 10:00")
    assert ticket.final_due_at == local("2026-11-06 17:30")
    assert ExtensionRequest.objects.get(ticket=ticket).status == "approved"


def test_extension_beyond_the_packs_cap_is_refused(users):
    ticket = _in_handling(users)
    cap = get_pack("enterprise").extension
    assert cap is not None
    requester = (
        users["handler"]
        if "request_extension" in allowed_actions(ticket, users["handler"])
        else users["head"]
    )
    before = snapshot(ticket)
    with pytest.raises(GuardFailed) as err:
        act(ticket, "request_extension", requester, "2026-11-03 09:00", amount=cap.max_total + 1, reason="x")
    assert err.value.code == "extension_total_exceeded"
    assert snapshot(ticket) == before


def test_extension_must_be_requested_before_the_due_time(users):
    ticket = _in_handling(users)
    requester = (
        users["handler"]
        if "request_extension" in allowed_actions(ticket, users["handler"])
        else users["head"]
    )
    with pytest.raises(GuardFailed) as err:
        act(ticket, "request_extension", requester, "2026-11-20 09:00", amount=1, reason="太晚了")
    assert err.value.code == "extension_too_late"


def test_denied_extension_leaves_the_deadline(users):
    ticket = _in_handling(users)
    due = ticket.final_due_at
    requester = (
        users["handler"]
        if "request_extension" in allowed_actions(ticket, users["handler"])
        else users["head"]
    )
    ticket = act(ticket, "request_extension", requester, "2026-11-03 09:00", amount=1, reason="需核查")
    ticket = act(ticket, "deny_extension", _approver(users, ticket), "2026-11-03 10:00")
    assert ticket.final_due_at == due
    assert ExtensionRequest.objects.get(ticket=ticket).status == "denied"


def test_extending_a_deadline_that_ends_at_24_00_counts_from_that_day(db):
    from hotline.workflow.clocks import clock_due, extend_clock, new_clock
    from tests.helpers import local

    # 12-04 (Fri) + 3 日 = 12-07 (Mon) 24:00, stored as 12-08 00:00
    clock = new_clock(start=local("2026-12-04 10:00"), amount=3, unit="natural_days")
    assert clock_due(clock).at == local("2026-12-08 00:00")
    extended = extend_clock(clock, amount=3, unit="natural_days")
    assert clock_due(extended).at == local("2026-12-11 00:00")  # 12-10 24:00, not 12-11 24:00
    by_working_days = extend_clock(clock, amount=1, unit="working_days")
    assert clock_due(by_working_days).at == local("2026-12-08 17:30")  # the next working day
