"""Dissatisfied → second dispatch → third dispatch under supervision → no fourth."""

from __future__ import annotations

import pytest

from hotline.core.errors import GuardFailed, InvalidTransition
from hotline.policies.registry import get_pack
from hotline.workflow.services import allowed_actions
from tests.factories import register
from tests.helpers import act


def _who(users, ticket, action):
    for name in ("coordinator", "leader", "head", "handler", "agent"):
        if action in allowed_actions(ticket, users[name]):
            return users[name]
    return None


def _handle_and_reply(users, ticket):
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    return act(ticket, "reply", users["handler"], result="已处理")


def test_dissatisfied_return_visits_lead_through_the_rounds_to_supervision(users):
    rounds = get_pack("enterprise").rounds
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = _handle_and_reply(users, ticket)
    for expected_round in range(2, rounds.max + 1):
        ticket = act(ticket, "return_visit", users["coordinator"], satisfaction="dissatisfied")
        assert ticket.status == "open" and ticket.satisfaction == "dissatisfied"
        who = _who(users, ticket, "redispatch")
        assert who is not None, f"no redispatch offered in {ticket.stage}"
        ticket = act(ticket, "redispatch", who, unit="JZ-DH-SJ", comment="诉求人仍不满意,请重新核查")
        assert ticket.round == expected_round
        assert ticket.supervised is (expected_round >= rounds.supervise_from)
        ticket = _handle_and_reply(users, ticket)
    ticket = act(ticket, "return_visit", users["coordinator"], satisfaction="dissatisfied")
    assert "redispatch" not in (
        allowed_actions(ticket, users["coordinator"]) + allowed_actions(ticket, users["leader"])
    )
    who = users["coordinator"]
    with pytest.raises((GuardFailed, InvalidTransition)):
        act(ticket, "redispatch", who, unit="JZ-DH-SJ")
