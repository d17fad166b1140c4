"""Denied actions raise one clear error and change nothing."""

from __future__ import annotations

import pytest

from hotline.core.errors import Conflict, Forbidden, InvalidInput, InvalidTransition
from hotline.workflow.services import ticket_transition
from tests.factories import register
from tests.helpers import act, snapshot


def _dispatched(users):
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "accept", users["coordinator"])
    return act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")


def test_a_role_not_named_by_the_pack_is_forbidden(users):
    ticket = register(users["agent"], policy="enterprise")
    before = snapshot(ticket)
    with pytest.raises(Forbidden):
        act(ticket, "accept", users["handler"])
    assert snapshot(ticket) == before


def test_a_head_of_another_unit_cannot_sign(users):
    ticket = _dispatched(users)
    before = snapshot(ticket)
    with pytest.raises(Forbidden):
        act(ticket, "sign", users["head2"])
    assert snapshot(ticket) == before


def test_only_the_assigned_handler_replies(users):
    from hotline.org.models import Membership

    ticket = _dispatched(users)
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    other = users["handler2"]
    Membership.objects.create(user=other, unit=ticket.unit, role="handler")
    before = snapshot(ticket)
    with pytest.raises(Forbidden):
        act(ticket, "reply", other, result="代为答复")
    assert snapshot(ticket) == before


def test_an_action_not_allowed_in_the_stage_is_a_conflict(users):
    ticket = register(users["agent"], policy="enterprise")
    before = snapshot(ticket)
    with pytest.raises(InvalidTransition) as err:
        act(ticket, "return_visit", users["coordinator"], satisfaction="satisfied")
    assert err.value.status == 409
    assert snapshot(ticket) == before


def test_missing_parameters_are_invalid_input(users):
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "accept", users["coordinator"])
    before = snapshot(ticket)
    with pytest.raises(InvalidInput) as err:
        act(ticket, "dispatch", users["coordinator"])
    assert err.value.code == "unit_required"
    with pytest.raises(InvalidInput):
        act(ticket, "dispatch", users["coordinator"], unit="NO-SUCH")
    assert snapshot(ticket) == before


def test_a_stale_version_is_a_conflict(users):
    ticket = register(users["agent"], policy="enterprise")
    seen = ticket.version
    act(ticket, "accept", users["coordinator"])
    with pytest.raises(Conflict) as err:
        ticket_transition(
            ticket=ticket,
            action="dispatch",
            actor=users["coordinator"],
            params={"unit": "JZ-DH-SJ"},
            expected_version=seen,
        )
    assert err.value.code == "stale_version"


def test_unknown_action_is_invalid_input(users):
    ticket = register(users["agent"], policy="enterprise")
    with pytest.raises(InvalidInput):
        act(ticket, "teleport", users["coordinator"])
