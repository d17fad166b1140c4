"""Walk tickets through their pack's lifecycle with the demo users, through the real service.

Used by ``hotline demo`` to put tickets in every stage, and by the tests to drive every
ticket type of every pack from receipt to closure without hard-coding any pack.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence, Set
from datetime import datetime
from typing import Any

from hotline.core.errors import NoChange
from hotline.core.types import User
from hotline.policies.registry import get_pack
from hotline.tickets.models import Ticket
from hotline.workflow.services import allowed_actions, ticket_transition

# The happy path's order of preference: what a centre does next when it can.
# A leader's instruction (批示) is taken where a pack asks for one; a reply under review is
# approved (审核通过). The volume generator and the journey tests walk the same order.
FORWARD = [
    "accept",
    "instruct",
    "dispatch",
    "sign",
    "assign",
    "reply",
    "interim_reply",  # a major complaint's temporary measure (manufacturer), where reply is not offered
    "approve_reply",
    "return_visit",
    "close",
]


def action_params(
    action: str,
    ticket: Ticket,
    *,
    handler: str,
    unit: str,
    rng: random.Random,
    satisfaction: str = "satisfied",
) -> dict[str, Any]:
    pack = get_pack(ticket.policy)
    texts = {
        "reply": "经核查,情况属实,已责令商家整改并退还费用,诉求人表示认可。",
        "reason": "需等待检测结果",
        "result": "已办结",
    }
    match action:
        case "reject":
            return {"reason": next(iter(pack.reject_reasons))}
        case "dispatch" | "redispatch":
            return {"unit": unit, "comment": "请按时限办理"}
        case "assign":
            return {"handler": handler}
        case "reply":
            return {"result": texts["reply"]}
        case "interim_reply":
            return {"result": "已联系相关单位到场核查,处理结果将另行答复。"}
        case "approve_reply":
            return {"comment": "同意答复"}
        case "send_back":
            return {"reason": "答复未写明处理依据,请补充后重新答复"}
        case "instruct":
            return {"instruction": "请责任单位依法依规从速办理,办理结果及时报告。"}
        case "return" | "suspend" | "reopen":
            return {"reason": texts["reason"]}
        case "request_extension":
            assert pack.extension is not None
            return {"amount": 1, "reason": "涉及多个部门,需延期核实"}
        case "return_visit":
            return {"satisfaction": satisfaction}
        case "close":
            return {"closing_code": "handled", "result": "诉求已办结"}
    return {}


def next_step(
    ticket: Ticket, users: Sequence[User], *, prefer: Sequence[str] = FORWARD, avoid: Set[str] = frozenset()
) -> tuple[str, User] | None:
    """The first preferred action, not in ``avoid``, that one of ``users`` may take now."""
    options: dict[str, User] = {}
    for user in users:
        for name in allowed_actions(ticket, user):
            options.setdefault(name, user)
    for name in prefer:
        if name in options and name not in avoid:
            return name, options[name]
    return None


def advance(
    ticket: Ticket,
    users: Sequence[User],
    *,
    steps: int,
    handler: str,
    unit: str,
    rng: random.Random | None = None,
    at: Sequence[datetime] | None = None,
    satisfaction: str = "satisfied",
    prefer: Sequence[str] = FORWARD,
    params: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str]:
    """Take up to ``steps`` forward actions; returns the actions taken."""
    rng = rng or random.Random(0)
    taken: list[str] = []
    stayed: set[str] = set()  # actions that left the ticket in its stage (e.g. re-assign)
    for i in range(steps):
        step = next_step(ticket, users, prefer=prefer, avoid=stayed)
        if step is None:
            break
        name, user = step
        p = action_params(name, ticket, handler=handler, unit=unit, rng=rng, satisfaction=satisfaction)
        if params and name in params:
            p.update(params[name])
        try:
            result = ticket_transition(
                ticket=ticket, action=name, actor=user, params=p, now=at[i] if at else None
            )
        except NoChange:  # re-assigning the handler it has, supervising a supervised ticket
            stayed = stayed | {name}
            continue
        stayed = stayed | {name} if result.ticket.stage == ticket.stage else set()
        ticket = result.ticket
        taken.append(name)
    return taken
