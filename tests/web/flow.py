"""Walking a ticket to a stage through the services, the way the pack says (tests/web only).

Under the enterprise pack a report and a major complaint wait for the leader's instruction
(批示) before dispatch; the helpers take that step when the pack asks for it.
"""

from __future__ import annotations

from typing import Any

from hotline.tickets.models import Ticket
from hotline.workflow.services import allowed_actions
from tests.factories import register
from tests.helpers import act


def dispatch(ticket: Ticket, users: dict[str, Any], unit: str = "JZ-DH-SJ", at: str | None = None) -> Ticket:
    """Accept and dispatch to ``unit``, with the leader's instruction where the pack needs one."""
    ticket = act(ticket, "accept", users["coordinator"], at)
    if "dispatch" not in allowed_actions(ticket, users["coordinator"]):
        ticket = act(ticket, "instruct", users["leader"], at, instruction="请核实后依法处理")
    return act(ticket, "dispatch", users["coordinator"], at, unit=unit)


def dispatched(users: dict[str, Any], unit: str = "JZ-DH-SJ", at: str | None = None, **draft: Any) -> Ticket:
    """A ticket taken in by the agent and dispatched to ``unit`` (at ``at``, local time)."""
    from tests.helpers import local

    ticket = register(users["agent"], now=local(at) if at else None, **draft)
    return dispatch(ticket, users, unit, at)


def replied(users: dict[str, Any], **draft: Any) -> Ticket:
    """A ticket answered by the handler: its return visit is open."""
    ticket = dispatched(users, **draft)
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    return act(ticket, "reply", users["handler"], result="已责令商家退款")


def handling(users: dict[str, Any], at: str | None = None, **draft: Any) -> Ticket:
    """A ticket signed by the head and assigned to the handler (stage ``handling``)."""
    ticket = dispatched(users, at=at, **draft)
    ticket = act(ticket, "sign", users["head"], at)
    return act(ticket, "assign", users["head"], at, handler="handler")
