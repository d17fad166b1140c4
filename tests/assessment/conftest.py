"""Tickets of November 2026 built through the core (enterprise pack, demo organisation)."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.tickets.models import Ticket
from tests.factories import register
from tests.helpers import act, local

NOW = local("2026-12-10 10:00")


def dispatched(users: dict[str, Any], at: str, unit: str = "JZ-DH-SJ", **draft: Any) -> Ticket:
    """Registered at ``at`` (a November date), accepted, dispatched to ``unit`` and signed
    and assigned by its head within the hour."""
    head, handler = {"JZ-DH-SJ": ("head", "handler"), "JZ-DH-CG": ("head3", "handler3")}[unit]
    day = at[:10]
    ticket = register(users["agent"], policy="enterprise", now=local(at), **draft)
    ticket = act(ticket, "accept", users["coordinator"], f"{day} 09:10")
    ticket = act(ticket, "dispatch", users["coordinator"], f"{day} 09:20", unit=unit)
    ticket = act(ticket, "sign", users[head], f"{day} 09:30")
    return act(ticket, "assign", users[head], f"{day} 09:40", handler=handler)


def finished(users: dict[str, Any], ticket: Ticket, day: str, satisfaction: str) -> Ticket:
    handler = "handler" if ticket.unit.code == "JZ-DH-SJ" else "handler3"
    ticket = act(ticket, "reply", users[handler], f"{day} 10:00", result="已处理")
    ticket = act(ticket, "return_visit", users["coordinator"], f"{day} 11:00", satisfaction=satisfaction)
    if ticket.status != "closed" and satisfaction != "dissatisfied":
        ticket = act(
            ticket, "close", users["coordinator"], f"{day} 11:05", closing_code="handled", result="办结"
        )
    return ticket


@pytest.fixture
def november(org: Any) -> dict[str, Ticket]:
    """At 东湖区市场监督管理局 (JZ-DH-SJ): two closed satisfied, one dissatisfied, one left
    running past its deadline; at 东湖区城市管理局 (JZ-DH-CG): one closed very satisfied."""
    users = org.users
    out = {
        "a": finished(users, dispatched(users, "2026-11-02 09:00"), "2026-11-03", "satisfied"),
        "b": finished(users, dispatched(users, "2026-11-04 09:00"), "2026-11-05", "very_satisfied"),
        "c": finished(users, dispatched(users, "2026-11-09 09:00"), "2026-11-10", "dissatisfied"),
        "d": dispatched(users, "2026-11-11 09:00"),  # never answered: overdue by December
        "e": finished(
            users, dispatched(users, "2026-11-12 09:00", unit="JZ-DH-CG"), "2026-11-13", "very_satisfied"
        ),
    }
    return out
