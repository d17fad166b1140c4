from __future__ import annotations

from hotline.tickets.models import ExtensionRequest
from hotline.workflow.services import allowed_actions
from tests.factories import register
from tests.helpers import act


def _handling(users):
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])
    return act(ticket, "assign", users["head"], handler="handler")


def test_a_pending_request_lapses_when_the_stage_is_left(users):
    ticket = _handling(users)
    ticket = act(ticket, "request_extension", users["head"], amount=1, reason="需核查")
    ticket = act(ticket, "reply", users["handler"], result="已处理")
    request = ExtensionRequest.objects.get(ticket=ticket)
    assert request.status == "lapsed"
    assert ticket.events.last().payload["lapsed_extensions"] == 1


def test_request_extension_is_not_offered_once_the_caps_are_used(users):
    ticket = _handling(users)
    assert "request_extension" in allowed_actions(ticket, users["head"])
    ticket = act(ticket, "request_extension", users["head"], amount=5, reason="需核查")
    ticket = act(ticket, "approve_extension", users["leader"])
    assert "request_extension" not in allowed_actions(ticket, users["head"])


def test_the_caps_start_again_with_the_next_dispatch_round(users):
    ticket = _handling(users)
    ticket = act(ticket, "request_extension", users["head"], amount=5, reason="需核查")
    ticket = act(ticket, "approve_extension", users["leader"])
    ticket = act(ticket, "reply", users["handler"], result="已处理")
    ticket = act(ticket, "return_visit", users["coordinator"], satisfaction="dissatisfied")
    ticket = act(ticket, "redispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    assert ticket.round == 2
    assert "request_extension" in allowed_actions(ticket, users["head"])
    ticket = act(ticket, "request_extension", users["head"], amount=5, reason="二次派单仍需核查")
    assert list(ExtensionRequest.objects.filter(ticket=ticket).values_list("round", "status")) == [
        (2, "pending"),
        (1, "approved"),
    ]
