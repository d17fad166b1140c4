from __future__ import annotations

import pytest

from hotline.core.errors import Forbidden
from hotline.org.models import Membership
from tests.factories import UserFactory, register
from tests.helpers import act, snapshot


def _handling(users):
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])
    return act(ticket, "assign", users["head"], handler="handler")


def test_the_head_reassigns_the_handler_and_the_new_one_replies(users, org):
    ticket = _handling(users)
    second = UserFactory(username="handler-b")
    Membership.objects.create(user=second, unit=org.units["JZ-DH-SJ"], role="handler")
    ticket = act(ticket, "assign", users["head"], handler="handler-b")
    assert (ticket.stage, ticket.handler) == ("handling", second)
    before = snapshot(ticket)
    with pytest.raises(Forbidden):  # the first handler is no longer on it
        act(ticket, "reply", users["handler"], result="x")
    assert snapshot(ticket) == before
    ticket = act(ticket, "reply", second, result="已处理")
    assert ticket.stage == "replied"
